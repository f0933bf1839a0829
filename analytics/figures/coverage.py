"""Coverage of the working-age labour force (the plan's goal II.2.a): participants ÷ labour force, in total and
voluntary, for the province, a former district or province, or a commune, each with its denominator in words.

The denominator, never mixed silently:
1. the communes' uploaded figures for the year of the span (or each commune's latest earlier year, said so),
   summed over the scope when every commune in it has one;
2. otherwise, for the whole province only, the province's figure for that year (or the latest earlier one) set
   in the plan file, with its source;
3. otherwise there is no denominator, and no coverage is shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from analytics.figures import standing
from analytics.settings import Settings
from analytics.storage import cache, reads
from analytics.storage.db import Connection
from analytics.text import fmt
from analytics.units import headline

COMMUNES, PROVINCE, NONE = "communes", "province", "none"
RULE_VI = ("Mẫu số là lực lượng lao động trong độ tuổi của năm đang xem (hoặc năm gần nhất trước đó có số liệu): "
           "cộng số của các xã, phường khi mọi xã, phường trong phạm vi đều có; nếu không, với toàn tỉnh, dùng số "
           "toàn tỉnh ghi trong cấu hình kế hoạch; nếu không có cả hai thì không tính tỷ lệ.")


@dataclass(frozen=True)
class Denominator:
    """What a coverage figure is divided by, and where it comes from."""

    people: float  # NaN when there is none
    basis: str  # COMMUNES, PROVINCE or NONE
    year: int  # the year asked for (the span's)
    years: tuple[int, ...]  # the years the figures are of
    sources: tuple[str, ...]
    uploads: tuple[int, ...]  # uploads the commune figures came in
    units: int  # communes in scope
    without: int  # communes in scope without a figure

    def words(self) -> str:
        """«LLLĐ trong độ tuổi năm 2026, nguồn: Cục Thống kê, tải lên số 12», or why there is none."""
        if self.basis == NONE:
            return (f"không có mẫu số: {fmt.number(self.without)}/{fmt.number(self.units)} xã, phường chưa có số "
                    f"lực lượng lao động năm {self.year} hoặc năm trước đó")
        years = "–".join(str(y) for y in sorted({min(self.years), max(self.years)}))
        when = f"năm {years}"
        if max(self.years) < self.year or len(set(self.years)) > 1:
            when += f" (năm gần nhất đến {self.year} có số liệu)"
        if self.basis == PROVINCE:
            return f"LLLĐ trong độ tuổi toàn tỉnh {when}, nguồn: {'; '.join(self.sources)}, số ghi trong kế hoạch"
        uploads = ", ".join(str(u) for u in self.uploads)
        return f"LLLĐ trong độ tuổi {when}, nguồn: {'; '.join(self.sources)}, tải lên số {uploads}"


@dataclass(frozen=True)
class Coverage:
    total: float
    voluntary: float
    denominator: Denominator

    @property
    def coverage(self) -> float:
        return _share(self.total, self.denominator.people)

    @property
    def voluntary_coverage(self) -> float:
        return _share(self.voluntary, self.denominator.people)

    def caption(self, voluntary: bool = False) -> str:
        """«60,5 % của 1.620.000 người (LLLĐ trong độ tuổi năm 2026, nguồn: …)», or «không có mẫu số: …»."""
        if self.denominator.basis == NONE:
            return self.denominator.words()
        value = self.voluntary_coverage if voluntary else self.coverage
        return f"{fmt.percent(value)} của {fmt.number(self.denominator.people)} người ({self.denominator.words()})"


def _share(people: float, of: float) -> float:
    return people / of if of == of and of > 0 and people == people else math.nan


def province_labour(settings: Settings, year: int) -> tuple[int, int] | None:
    """(year, figure) of the plan file's province labour force for ``year`` or the latest earlier year, or None."""
    years = [y for y in settings.labour_force if y <= year]
    return (max(years), settings.labour_force[max(years)]) if years else None


def of_rows(rows: pd.DataFrame, year: int, settings: Settings, whole_province: bool) -> Coverage:
    """The coverage of the communes in ``rows`` (standing.commune_table rows of a scope) for the span's ``year``;
    ``whole_province`` lets the plan file's province figure stand in when commune figures are incomplete."""
    total = float(rows["total"].sum()) if rows["total"].notna().any() else math.nan
    voluntary = float(rows["voluntary"].sum()) if rows["voluntary"].notna().any() else math.nan
    known = rows[rows["labour_force"].notna()]
    base = dict(year=year, units=len(rows), without=len(rows) - len(known))
    if len(rows) and len(known) == len(rows):
        denominator = Denominator(float(known["labour_force"].sum()), COMMUNES,
                                  years=tuple(sorted(int(y) for y in known["labour_year"].unique())),
                                  sources=tuple(sorted(known["labour_source"].unique())),
                                  uploads=tuple(sorted(int(u) for u in known["labour_upload"].unique())), **base)
    elif whole_province and (found := province_labour(settings, year)) is not None:
        denominator = Denominator(float(found[1]), PROVINCE, years=(found[0],),
                                  sources=(settings.labour_force_source,), uploads=(), **base)
    else:
        denominator = Denominator(math.nan, NONE, years=(), sources=(), uploads=(), **base)
    return Coverage(total, voluntary, denominator)


@cache.shared(max_entries=32)
def of_scope(con: Connection, settings: Settings, span: str, codes: list[str] | None = None) -> Coverage:
    """The coverage of a scope (None: the province) in a month, quarter or year."""
    table = standing.commune_table(con, settings, span)
    rows = table if codes is None else table[table["code"].isin(codes)]
    return of_rows(rows, int(span[:4]), settings, codes is None)


@cache.shared(max_entries=8)
def by_group(con: Connection, settings: Settings, span: str) -> pd.DataFrame:
    """Per former district: participants, voluntary, the labour force, both coverages and the denominator's words."""
    table = standing.commune_table(con, settings, span)
    out = []
    for group, rows in table.dropna(subset=["former_district"]).groupby("former_district", sort=True):
        found = of_rows(rows, int(span[:4]), settings, False)
        out.append({"group": group, "total": found.total, "voluntary": found.voluntary,
                    "labour_force": found.denominator.people, "coverage": found.coverage,
                    "voluntary_coverage": found.voluntary_coverage, "denominator": found.denominator.words()})
    return pd.DataFrame(out, columns=["group", "total", "voluntary", "labour_force", "coverage",
                                      "voluntary_coverage", "denominator"])


@cache.shared(max_entries=2)
def headline_check(con: Connection, settings: Settings) -> tuple[Denominator, list[str]] | None:
    """The province's labour force for the plan's final year (or the latest earlier year known), and what the
    headline counts are as shares of it; None when no labour force is known."""
    rows = standing.commune_units(con)[["code"]].assign(total=math.nan, voluntary=math.nan)
    rows = rows.merge(reads.labour_for(con, settings.target_year), on="code", how="left")
    found = of_rows(rows, settings.target_year, settings, True).denominator
    return None if found.basis == NONE else (found, headline.against(settings.headline, found.people))
