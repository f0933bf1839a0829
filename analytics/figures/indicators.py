"""The indicators, each defined once: its words, unit, format, thresholds and how it is worked out, and which
of the map, the scorecard, the pivot and the reports offer it.

Adding an indicator is one entry here plus, where no column of ``standing.commune_table`` holds it, its
computation (``points`` for the scorecard, ``ratio`` for the pivot).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from analytics.settings import Settings


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str  # Vietnamese, as the sidebar, the map and the pivot name it
    unit: str
    kind: str  # analytics.text.fmt.KINDS: "pct" a ratio, "percent" already in percent, "whole" a count
    column: str | None = None  # the standing.commune_table column that holds it; None: computed
    breaks: tuple[float, ...] | None = None  # the map's fixed class breaks (ratios); None and on the map: status
    scorecard: str | None = None  # its code on the scorecard and in settings.scorecard; None: not on it
    short: str | None = None  # the scorecard's heading
    points: Callable[[pd.DataFrame], pd.Series] | None = None  # the scorecard's value in percent, from its frame
    ratio: tuple[str, str] | None = None  # numerator, denominator the pivot sums before dividing
    pivot: bool = False
    reports: bool = False

    @property
    def on_map(self) -> bool:
        return self.code in MAP

    def map_breaks(self, thresholds: dict) -> tuple[float, ...]:
        """The map's class breaks: fixed, or for progress the status thresholds mirrored around 100 %."""
        if self.breaks is not None:
            return self.breaks
        very_late, on_track = thresholds["very_late_pct"] / 100, thresholds["on_track_pct"] / 100
        return tuple(round(b, 6) for b in (very_late, on_track, 1.0, 2 - on_track, 2 - very_late))

    def lights(self, settings: Settings) -> tuple[float, float]:
        """The scorecard's green and amber thresholds, in percent, from the plan settings."""
        return settings.scorecard[self.scorecard]


def _of(column: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda frame: 100 * frame[column]


REGISTRY = {i.code: i for i in (
    Indicator("attainment", "Tỷ lệ đạt chỉ tiêu 2030", "%", "pct", "attainment", (0.6, 0.7, 0.8, 0.9, 1.0),
              "attainment_2030", "Đạt chỉ tiêu 2030", _of("attainment"), ("total", "target"), pivot=True,
              reports=True),
    Indicator("progress", "Tiến độ so với lộ trình", "%", "pct", "progress", reports=True),
    Indicator("voluntary_attainment", "Tự nguyện so với chỉ tiêu tối thiểu", "%", "pct", "voluntary_attainment",
              (0.25, 0.5, 0.75, 1.0), "voluntary_attainment", "Tự nguyện so với tối thiểu",
              _of("voluntary_attainment"), reports=True),
    Indicator("voluntary_share", "Tỷ trọng tự nguyện", "%", "pct", "voluntary_share", (0.02, 0.05, 0.1, 0.2),
              ratio=("voluntary", "total"), pivot=True, reports=True),
    Indicator("labour_coverage", "Tỷ lệ bao phủ lực lượng lao động", "%", "pct", "labour_coverage",
              (0.4, 0.45, 0.5, 0.55, 0.6), "labour_coverage", "Bao phủ LLLĐ", _of("labour_coverage"), reports=True),
    Indicator("annual_attainment", "Đạt chỉ tiêu năm", "%", "percent", scorecard="annual_attainment",
              short="Đạt chỉ tiêu năm", points=lambda f: 100 * f["total"] / f["annual_target"]),
    Indicator("growth_3m_pct", "Tăng trong 3 tháng", "%", "percent", scorecard="growth_3m_pct", short="Tăng 3 tháng",
              points=lambda f: 100 * f["net_3m"] / (f["total"] - f["net_3m"])),
    Indicator("completeness_pct", "Đầy đủ báo cáo tháng", "%", "percent", scorecard="completeness_pct",
              short="Đầy đủ báo cáo", points=_of("completeness")),
    Indicator("arrears_reduction_pct", "Giảm nợ BHXH so với tháng trước", "%", "percent",
              scorecard="arrears_reduction_pct", short="Giảm nợ BHXH so với tháng trước",
              points=lambda f: f["arrears_reduction"]),
    Indicator("total", "Tổng số người tham gia", "người", "whole", "total", pivot=True, reports=True),
    Indicator("voluntary", "Tự nguyện", "người", "whole", "voluntary", pivot=True, reports=True),
    Indicator("compulsory", "Bắt buộc", "người", "whole", "compulsory", pivot=True),
    Indicator("target", "Chỉ tiêu năm kế hoạch", "người", "whole", "target", pivot=True, reports=True),
    Indicator("net_increase", "Tăng ròng so với kỳ trước", "người", "signed", pivot=True),
)}
# The indicators the map and the sidebar offer, in the order they are offered.
MAP = ("attainment", "progress", "voluntary_attainment", "voluntary_share", "labour_coverage")
# The scorecard's, in column order.
SCORECARD = ("annual_attainment", "attainment", "voluntary_attainment", "growth_3m_pct", "completeness_pct",
             "labour_coverage", "arrears_reduction_pct")


def get(code: str) -> Indicator:
    return REGISTRY[code]


def offered(flag: str) -> list[Indicator]:
    """The indicators with ``flag`` ("pivot", "reports") set, in registry order."""
    return [i for i in REGISTRY.values() if getattr(i, flag)]


def on_map() -> list[Indicator]:
    return [REGISTRY[c] for c in MAP]


def on_scorecard() -> list[Indicator]:
    return [REGISTRY[c] for c in SCORECARD]
