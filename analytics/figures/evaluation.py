"""The annual evaluation of each commune: hoàn thành xuất sắc, tốt, hoàn thành or không hoàn thành.

The plan counts each commune's results in the evaluation of its task completion. A commune takes the
best class whose every minimum (``Settings.evaluation``, from the plan file) it meets, and the reason
says which figures put it there and which kept it from the class above. The year's figures are those
of its last reported month (stocks); the year's target is the official annual target where the
province has set one, otherwise the trajectory's level in December (the straight path to 2030).
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from analytics.figures import commune_reports, completeness, spans, standing
from analytics.figures.completeness import LATE, MISSING, PENDING, PRESENT
from analytics.settings import Settings
from analytics.storage import reads
from analytics.storage.db import Connection
from analytics.text import fmt, labels

EXCELLENT, GOOD, COMPLETED, NOT_COMPLETED = "excellent", "good", "completed", "not_completed"
CLASSES = (EXCELLENT, GOOD, COMPLETED, NOT_COMPLETED)
# Where a year's target comes from (labels.TARGET_SOURCE words them).
OFFICIAL, TRAJECTORY, PLAN = "official", "trajectory", "plan"


def annual_targets(con: Connection, settings: Settings, year: int) -> pd.DataFrame:
    """code, total_target, voluntary_min, source: each commune's target for ``year``.

    The trajectory passes through every official annual target in December of its year, so its December
    level is the official target where there is one and the straight path's level elsewhere.
    """
    path = standing.commune_table(con, settings, f"{year}-12")[["code", "expected", "voluntary_expected"]]
    official = reads.annual(con)
    official = official[official["year"] == int(year)].set_index("code")
    out = path.rename(columns={"expected": "total_target", "voluntary_expected": "voluntary_min"})
    final = PLAN if int(year) == settings.target_year else TRAJECTORY  # the path ends at the plan's own target
    out["source"] = [OFFICIAL if c in official.index else final if pd.notna(t) else None
                     for c, t in zip(out["code"], out["total_target"])]
    for column in ("total_target", "voluntary_min"):
        out[column] = out["code"].map(official[column]).astype(float).fillna(out[column])
    return out


def _percent(part: pd.Series, whole: pd.Series) -> pd.Series:
    return (100 * part / whole.where(whole > 0)).astype(float)


def indicators(con: Connection, settings: Settings, year: int, today: dt.date) -> pd.DataFrame:
    """Per commune: the year's figures (stocks), targets, and every indicator the rules may name."""
    table = standing.commune_table(con, settings, str(year))
    targets = annual_targets(con, settings, year).rename(columns={
        "total_target": "annual_target", "voluntary_min": "annual_voluntary_target", "source": "target_source"})
    out = table[["code", "name", "former_district", "as_of", "total", "voluntary", "target", "voluntary_min",
                 "net_period", "status", "progress", "voluntary_share"]].merge(targets, on="code", how="left")
    out["annual_attainment"] = _percent(out["total"], out["annual_target"])
    out["annual_voluntary_attainment"] = _percent(out["voluntary"], out["annual_voluntary_target"])
    out["attainment_2030"] = _percent(out["total"], out["target"])
    reported = completeness.reporting(con, settings, today, spans.months(str(year)))
    out["completeness_pct"] = 100 * out["code"].map(completeness.completeness_share(reported)).astype(float)
    returns = commune_reports.status(con, settings, year, today).set_index("code")["status"]
    out["report_status"] = out["code"].map(returns)
    out["report_on_time"] = out["report_status"] == PRESENT
    return out


def _meets(value, minimum) -> bool:
    if isinstance(minimum, bool):
        return bool(value) or not minimum
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and value >= minimum


# The yearly report's criterion when it is not met, by the report's status.
UNMET_REPORT = {LATE: "nộp báo cáo năm muộn", MISSING: "chưa nộp báo cáo năm",
                PENDING: "chưa nộp báo cáo năm (chưa đến hạn)"}


def _shown(indicator: str, row: dict, minimum) -> str:
    """One criterion in words: 'chỉ tiêu năm 103,2 % (cần ≥ 105 %)'."""
    name, value = labels.EVALUATION_INDICATOR[indicator], row[indicator]
    if isinstance(minimum, bool):  # report_on_time, the one criterion that is met or not
        return name if value else UNMET_REPORT[row["report_status"]]
    figure = "chưa có số liệu" if not _meets(value, -math.inf) else f"{fmt.number(value, 1)} %"
    return f"{name} {figure} (cần ≥ {fmt.number(minimum)} %)"


def classify(frame: pd.DataFrame, rules: dict) -> pd.DataFrame:
    """``frame`` (indicators) with ``evaluation`` (a class code) and ``reason``, in words, for each commune."""
    classes, reasons = [], []
    for row in frame.to_dict("records"):
        met = {cls: [k for k, m in rule.items() if _meets(row[k], m)] for cls, rule in rules.items()}
        chosen = next((cls for cls, rule in rules.items() if len(met[cls]) == len(rule)), NOT_COMPLETED)
        ladder = [*rules, NOT_COMPLETED]
        above = ladder[ladder.index(chosen) - 1] if chosen != ladder[0] else None
        parts = []
        if chosen != NOT_COMPLETED:
            parts.append(f"Đạt mọi tiêu chí «{labels.EVALUATION[chosen]}»: "
                         + "; ".join(_shown(k, row, m) for k, m in rules[chosen].items()))
        if above is not None:
            short = [_shown(k, row, m) for k, m in rules[above].items() if k not in met[above]]
            parts.append(f"Chưa đạt «{labels.EVALUATION[above]}» vì: " + "; ".join(short))
        classes.append(chosen)
        reasons.append(". ".join(parts) + ".")
    return frame.assign(evaluation=classes, reason=reasons)


def evaluate(con: Connection, settings: Settings, year: int, today: dt.date) -> pd.DataFrame:
    """Every commune's class for ``year`` with its indicators and reason, best class first, then by name."""
    out = classify(indicators(con, settings, year, today), settings.evaluation["rules"])
    out["order"] = out["evaluation"].map({cls: i for i, cls in enumerate(CLASSES)})
    out = out.sort_values(["order", "annual_attainment", "name"], ascending=[True, False, True], na_position="last")
    return out.drop(columns="order").reset_index(drop=True)


def class_counts(frame: pd.DataFrame) -> dict[str, int]:
    """class -> how many communes, every class present, best first."""
    found = frame["evaluation"].value_counts()
    return {cls: int(found.get(cls, 0)) for cls in CLASSES}
