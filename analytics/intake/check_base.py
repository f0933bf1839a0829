"""What every check of commune rows shares (analytics.intake.checks, arrears_checks): the result, problems of many
rows at once, the month, the commune, the counts and one row per commune and time.

Each helper declares the codes it gives (``raises``); a check declares its helpers' codes and its own,
and the tests compare both with what the fixtures make it give.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analytics.figures.spans import month_index
from analytics.intake.fields import AMOUNT, COUNT_VI, Kind
from analytics.intake.problem import Problem, raises
from analytics.intake.reading import Reading
from analytics.intake.rows import stated_problems
from analytics.intake.units import SILENT, Units
from analytics.intake.values import by_distinct, parse_amount, parse_count, reasons, written
from analytics.settings import Settings
from analytics.units.names import Match

TEXT = dict.fromkeys(("code", "written_name", "match_method"), "str")  # columnar text: stored at once, not cell by cell
CELL_CODES = frozenset(("no_number", "unreadable_number", "not_whole", "negative_count", "comma_in_count",
                        "not_a_count", "not_an_amount", "negative_amount"))  # a count or amount that is not one


@dataclass
class Checked:
    table: pd.DataFrame  # the kind's columns, one row per valid (time, commune)
    problems: list[Problem]
    names: dict[str, Match] = field(default_factory=dict)  # every distinct written name and its match

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def unsettled(self) -> dict[str, Match]:
        """Written names a person should settle: unmatched, ambiguous or matched only fuzzily."""
        return {n: m for n, m in self.names.items() if m.method not in SILENT}


class Problems:
    """Problems of many rows at once: a mask of rows, the column they are in, a code and the parameters per row."""

    def __init__(self, reading: Reading, records: pd.DataFrame | None = None):
        self.reading = reading
        self.records = reading.records if records is None else records
        self.found: list[tuple[int, int, Problem]] = []  # (file row, order, problem)

    def add(self, mask: pd.Series, field: str | None, code, params: Any = None, severity: str = "error") -> None:
        """``code``: one for all or a Series by record; ``params``: one dict for all, a Series of dicts by record,
        or a function of the failing records giving either."""
        if not mask.any():
            return
        failing = self.records[mask]
        rows = failing["_row"]
        labels = [self.reading.label(i, field) if field else None for i in rows.index]
        if callable(params):
            params = params(failing)
        codes = code.reindex(rows.index) if isinstance(code, pd.Series) else [code] * len(rows)
        given = params.reindex(rows.index) if isinstance(params, pd.Series) else [params or {}] * len(rows)
        for row, label, one, said in zip(rows, labels, codes, given):
            self.found.append((int(row), len(self.found), Problem(int(row), label if isinstance(label, str) else None,
                                                                   one, said, severity)))

    def add_bad(self, mask: pd.Series, field: str, bad: pd.Series, **extra) -> None:
        """A BadValue per record (``bad``) as the problem at its cell."""
        failing = bad.reindex(mask.index)[mask]
        self.add(mask, field, failing.map(lambda b: b.code), failing.map(lambda b: b.params | extra))

    def sorted(self) -> list[Problem]:
        return [p for _, _, p in sorted(self.found, key=lambda f: (f[0], f[1]))]


def row_params(*fields: str):
    """A function of some records: each record's ``fields`` as a problem's parameters."""
    def params(records: pd.DataFrame) -> pd.Series:
        return pd.Series([dict(zip(fields, r)) for r in records[list(fields)].itertuples(index=False)],
                         index=records.index, dtype=object)
    return params


def refused(reading: Reading, columns: list[str]) -> Checked | None:
    """An empty result carrying the reading's problems when the reading already failed or found no row."""
    if any(p.severity == "error" for p in reading.problems) or reading.records.empty:
        return Checked(pd.DataFrame(columns=columns), list(reading.problems))
    return None


@raises("unknown_code", "missing_commune", "ambiguous_name", "unknown_commune", "fuzzy_match")
def identity(records: pd.DataFrame, units: Units, problems: Problems, names: dict[str, Match]) -> pd.DataFrame:
    """code, written_name, match_method, match_score per record; missing code where it failed."""
    out = pd.DataFrame(index=records.index, columns=["code", "written_name", "match_method", "match_score"],
                       dtype=object)
    has_code = written(records["code"])
    primary = records["_code"]
    out.loc[has_code, "code"] = primary[has_code]
    out.loc[has_code, ["match_method", "match_score"]] = ["code", 100.0]
    problems.add(has_code & primary.isna(), "code", "unknown_code", row_params("code"))
    has_name = ~has_code & written(records["commune"])
    problems.add(~has_code & ~has_name, "commune", "missing_commune")
    if not has_name.any():
        return out
    names_written = records["commune"].where(has_name)
    names.update(units.matches(names_written))
    matched = {n: m for n, m in names.items() if m.code is not None}
    out.loc[has_name, "code"] = names_written[has_name].map({n: m.code for n, m in matched.items()})
    out.loc[has_name, "written_name"] = names_written[has_name].map(lambda n: str(n)) if len(matched) else None
    out.loc[has_name, "match_method"] = names_written[has_name].map({n: m.method for n, m in matched.items()})
    out.loc[has_name, "match_score"] = names_written[has_name].map({n: m.score for n, m in matched.items()})
    for name, match in names.items():
        if match.method in SILENT:
            continue
        rows = has_name & (names_written == name)
        first = rows & (records.index == rows.idxmax())
        said = {"name": name, "rows": records.loc[rows, "_row"].tolist()[1:]}
        if match.code is None:
            code = "ambiguous_name" if match.ambiguous else "unknown_commune"
            problems.add(first, "commune", code, said | {"suggestions": list(match.suggestions)})
        else:
            problems.add(first, "commune", "fuzzy_match", said | {
                "unit": units.names[match.code], "code": match.code, "method": match.method, "score": match.score},
                "warning")
    out.loc[has_name & out["code"].isna(), "written_name"] = None
    return out


@raises(CELL_CODES, "missing_value", "missing_source_value")
def counts(records: pd.DataFrame, kind: Kind, required: tuple[str, ...], reading: Reading,
           problems: Problems) -> pd.Series:
    """Whether every count of each record is usable; each bad or missing count is an error at its cell."""
    ok = pd.Series(True, index=records.index)
    for measure in kind.measures:
        bad = records[f"{measure}_bad"]
        if bad.any():
            parse = parse_amount if kind.type_of(measure) == AMOUNT else parse_count
            problems.add_bad(bad, measure, reasons(records.loc[bad, f"{measure}_raw"], parse), measure=measure)
        given = reading.given(measure).reindex(records.index)
        missing = records[measure].isna() & ~bad
        if measure in required:
            problems.add(missing & given, measure, "missing_value", {"field": measure})
            sources = [m for m in kind.measures if reading.derived.get(measure, "").find(COUNT_VI[m]) >= 0]
            derived_missing = missing & ~given & (pd.concat([reading.given(m) for m in sources], axis=1).all(axis=1)
                                                  .reindex(records.index) if sources else False)
            for source in sources:
                problems.add(derived_missing & records[source].isna() & ~records[f"{source}_bad"], source,
                             "missing_source_value", {"field": source, "measure": measure})
            ok &= ~(missing & (given | derived_missing))
        ok &= ~bad
    return ok


def when(records: pd.DataFrame, field: str, missing: str, problems: Problems) -> pd.Series:
    """The parsed month or year of each record; a blank cell is ``missing`` at its cell, an unreadable one says
    why (reading._parsed)."""
    has = records["_when"].notna() | records["_when_error"].notna()
    problems.add(~has, field, missing)
    error = records["_when_error"]
    problems.add_bad(has & error.notna(), field, error)
    return records["_when"].where(has)


@raises("missing_month", "month_out_of_range", "not_a_month", "before_baseline", "future_month")
def when_monthly(records: pd.DataFrame, settings: Settings, today: dt.date, problems: Problems) -> pd.Series:
    """The month of each record, within the plan's months up to this one."""
    parsed = when(records, "period", "missing_month", problems)
    index = records["_when_index"]
    early = index < month_index(settings.baseline_month)
    problems.add(early, "period", "before_baseline", lambda r: parsed[r.index].map(
        lambda p: {"period": p, "baseline": settings.baseline_month}))
    late = index > month_index(f"{today.year:04d}-{today.month:02d}")
    problems.add(late, "period", "future_month", lambda r: parsed[r.index].map(lambda p: {"period": p}))
    return parsed.where(~early & ~late)


def keys(when: pd.Series, codes: pd.Series, units: Units) -> pd.Series:
    """One integer per (month or year, commune): equal keys, same cell of the stored table."""
    ids = by_distinct(codes, units.position, -1, np.int64)
    return pd.Series(when.fillna(-1).to_numpy(dtype=np.int64) * 1_000_000 + ids.to_numpy(), index=when.index)


@raises("duplicate_commune_month", "duplicate_commune_year")
def duplicates(records: pd.DataFrame, key: str, ok: pd.Series, units: Units, problems: Problems) -> pd.Series:
    """The second of two rows for the same commune and time (``key``: period or year) is refused, naming the
    first."""
    frame = records.loc[ok, [key, "code", "_row", "match_method", "_key"]]
    later = frame["_key"].duplicated(keep="first")
    if later.any():
        first = frame[~later].set_index([key, "code"])["_row"]
        dup = frame[later]
        params = pd.Series([{"unit": units.names[c], key: k, "first": first[(k, c)]}
                            for k, c in zip(dup[key], dup["code"])], index=dup.index)
        code = "duplicate_commune_month" if key == "period" else "duplicate_commune_year"
        field = dup["match_method"].map(lambda m: "code" if m == "code" else "commune")
        for name in ("code", "commune"):
            mask = records.index.isin(dup.index[field == name])
            problems.add(pd.Series(mask, index=records.index), name, code, params)
        ok = ok & ~records.index.isin(dup.index)
    return ok


@raises(stated_problems.raises)
def stated_warnings(reading: Reading) -> list[Problem]:
    """A warning at its row and column for each total or subtotal the file states that its rows do not add up to;
    the file's figures are never changed."""
    return stated_problems(reading.aside, reading.columns)
