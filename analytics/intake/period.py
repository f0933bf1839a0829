"""The month of an upload, from wherever the file says it: a title line, the file name, a period column.

Title lines: "Tháng 10/2026", "tháng 10 năm 2026", "T10/2026", "Kỳ báo cáo: tháng 10/2026" (a date
such as "ngày 05 tháng 11 năm 2026" is the day the report was signed, not its month). File
names: bc_t10_2026.xlsx, so-lieu-2026-10.csv. When these disagree the file cannot be read
until a person says which month it is; a month typed on the form overrides the file, with a
warning naming what the file said.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePath

from analytics.intake.grid import Grid
from analytics.intake.problem import Problem, raises
from analytics.text import fmt

_TITLE = re.compile(r"(?<![a-z0-9])(?:thang|th|t)\.?\s*(\d{1,2})\s*(?:/|-|\.|\s+nam\s+)\s*(\d{4})(?!\d)")
_SIGNED = re.compile(r"ngay\s+\d{1,2}\s+$")
_FILE_NAME = (
    re.compile(r"(?<![a-z0-9])(?:thang|th|t)[\s_.-]?(\d{1,2})[\s_.-]+(\d{4})(?!\d)"),
    re.compile(r"(?<!\d)(\d{1,2})[\s_.-](\d{4})(?!\d)"),
)
_YEAR_MONTH = re.compile(r"(?<!\d)(\d{4})[\s_.-](\d{1,2})(?!\d)")


@dataclass(frozen=True)
class Source:
    """One place the file states its month."""

    where: str  # "dòng 2 «Tháng 10/2026»", "tên tệp «bc_t10_2026.xlsx»", "ô Kỳ báo cáo"
    period: str  # YYYY-MM

    def said(self) -> str:
        return f"{self.where}: {fmt.month(self.period)}"


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _month(month: str, year: str) -> str | None:
    return f"{int(year):04d}-{int(month):02d}" if 1 <= int(month) <= 12 else None


def from_title(grid: Grid, above: int) -> list[Source]:
    """The months named in the text of the rows above file row ``above`` (the header)."""
    found = []
    for number in grid.cells.index[grid.cells.index < above]:
        cells = [str(v) for v in grid.row(number) if isinstance(v, str)]
        text = " ".join(dict.fromkeys(cells))  # a merged title repeats itself
        plain = _plain(text)
        for match in _TITLE.finditer(plain):
            if _SIGNED.search(plain[:match.start()]):
                continue
            if month := _month(match[1], match[2]):
                found.append(Source(f"dòng {number} «{text.strip()}»", month))
                break
    return found


def from_file_name(filename: str) -> Source | None:
    stem = _plain(PurePath(filename).stem)
    for pattern in _FILE_NAME:
        if (match := pattern.search(stem)) and (month := _month(match[1], match[2])):
            return Source(f"tên tệp «{filename}»", month)
    if (match := _YEAR_MONTH.search(stem)) and (month := _month(match[2], match[1])):
        return Source(f"tên tệp «{filename}»", month)
    return None


@dataclass
class Decision:
    fill: str | None  # the month of rows that give none themselves
    sources: list[Source]  # where the file says its month, and the form
    error: Problem | None = None
    warning: Problem | None = None


@raises("typed_month_overrides", "periods_disagree", "periods_disagree_with_column")
def decide(file_sources: list[Source], typed: str | None, column_months: set[str]) -> Decision:
    """Which month fills rows without one; disagreement between the file's own sources is an error.

    ``column_months``: the months a period column or month columns give (empty when the file has none).
    """
    stated = {s.period for s in file_sources}
    form = [Source("ô Kỳ báo cáo", typed)] if typed else []
    said = "; ".join(s.said() for s in file_sources)
    if typed:
        if len(column_months) > 1:  # a file of several months: the typed one only fills rows without a month
            return Decision(typed, file_sources + form)
        others = [*(s for s in file_sources if s.period != typed),
                  *(Source("cột kỳ báo cáo", m) for m in sorted(column_months - {typed}))]
        if others:
            return Decision(typed, file_sources + form, warning=Problem(
                None, None, "typed_month_overrides", {"typed": typed, "said": "; ".join(s.said() for s in others)},
                "warning"))
        return Decision(typed, file_sources + form)
    if len(stated) > 1:
        return Decision(None, file_sources, error=Problem(None, None, "periods_disagree", {"said": said}))
    if stated and column_months and not stated <= column_months:
        return Decision(None, file_sources, error=Problem(None, None, "periods_disagree_with_column",
                                                          {"said": said, "months": sorted(column_months)}))
    return Decision(next(iter(stated), None), file_sources)
