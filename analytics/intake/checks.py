"""Checking the commune rows of a reading: every problem with its file row and column, set-based; and the checker
of every kind of file (``CHECKERS``), so a new kind registers its check here.

Each check runs over whole columns at once; only the rows that fail become Problems one by
one. Names are matched once per distinct written name (units.Units). Errors block an upload,
warnings need a person's confirmation; the thresholds come from the plan settings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd

import analytics.intake.check_base as base
from analytics.figures.spans import month_index
from analytics.intake.arrears_checks import check_arrears, check_employers
from analytics.intake.check_base import TEXT, Checked, Problems, row_params
from analytics.intake.fields import COUNT_VI
from analytics.intake.problem import Problem, raises
from analytics.intake.reading import Reading
from analytics.intake.units import Units
from analytics.intake.values import by_distinct
from analytics.settings import Settings
from analytics.storage import db, reads
from analytics.storage.db import Connection

TABLE_COLUMNS = ["period", "code", "total", "compulsory", "voluntary", "labour_force",
                 "source_row", "written_name", "match_method", "match_score"]
ANNUAL_COLUMNS = ["year", "code", "total_target", "voluntary_min", "source_row", "written_name", "match_method",
                  "match_score"]
LABOUR_COLUMNS = ["year", "code", "labour_force", "source_row", "written_name", "match_method", "match_score"]


@raises("missing_year", "not_a_year", "year_outside_plan")
def _when_annual(records: pd.DataFrame, settings: Settings, problems: Problems) -> pd.Series:
    parsed = base.when(records, "year", "missing_year", problems)
    first, last = int(settings.baseline_month[:4]), settings.target_year
    outside = parsed.notna() & ~parsed.map(lambda y: y is not None and first <= y <= last)
    problems.add(outside, "year", "year_outside_plan", lambda r: parsed[r.index].map(
        lambda y: {"year": y, "first": first, "last": last}))
    return parsed.where(~outside)


@raises("compulsory_exceeds_total", "voluntary_exceeds_total", "parts_differ_from_total",
        "total_exceeds_labour_force")
def _rules_monthly(records: pd.DataFrame, ok: pd.Series, problems: Problems) -> pd.Series:
    t, c, v, lf = (records[m] for m in ("total", "compulsory", "voluntary", "labour_force"))
    negative = ok & v.notna() & (v < 0)  # worked out as total − compulsory
    problems.add(negative, "compulsory", "compulsory_exceeds_total", row_params("compulsory", "total"))
    above = ok & ~negative & v.notna() & t.notna() & (v > t)
    problems.add(above, "voluntary", "voluntary_exceeds_total", row_params("voluntary", "total"))
    differs = ok & ~negative & ~above & c.notna() & v.notna() & (c + v != t)
    problems.add(differs, "total", "parts_differ_from_total", lambda r: row_params("sum", "total")(
        r.assign(sum=r["compulsory"] + r["voluntary"])))
    ok = ok & ~negative & ~above & ~differs
    over = ok & lf.notna() & (t > lf)
    problems.add(over, "total", "total_exceeds_labour_force", row_params("total", "labour_force"), "warning")
    return ok


@raises(base.when_monthly.raises, base.identity.raises, base.counts.raises, _rules_monthly.raises,
        base.duplicates.raises, base.stated_warnings.raises, "commune_not_reported", "communes_not_reported",
        "total_jump")
def check_monthly(reading: Reading, units: Units, settings: Settings, today: dt.date,
                  previous: pd.DataFrame | None = None) -> Checked:
    """Every commune row of a monthly reading checked; the valid rows as the table to store."""
    if (refused := base.refused(reading, TABLE_COLUMNS)) is not None:
        return refused
    records, problems, names = reading.records, Problems(reading), {}
    period = base.when_monthly(records, settings, today, problems)
    identity = base.identity(records, units, problems, names)
    required = ("total",) if reading.missing else ("total", "voluntary")
    ok = base.counts(records, reading.kind, required, reading, problems)
    ok = _rules_monthly(records, ok, problems) & period.notna() & identity["code"].notna()
    key = base.keys(records["_when_index"], identity["code"], units)
    frame = records.assign(period=period, code=identity["code"], match_method=identity["match_method"], _key=key)
    ok = base.duplicates(frame, "period", ok, units, problems)
    table = pd.DataFrame({
        "period": period[ok], "code": identity["code"][ok],
        **{m: records.loc[ok, m].astype("Int64") for m in ("total", "compulsory", "voluntary", "labour_force")},
        "source_row": records.loc[ok, "_row"], "written_name": identity["written_name"][ok],
        "match_method": identity["match_method"][ok], "match_score": identity["match_score"][ok].astype(float),
    }, columns=TABLE_COLUMNS).reset_index(drop=True).astype(TEXT | {"period": "str"})
    found = problems.sorted()
    if not table.empty:
        found += _missing_communes(table, units.names) + _jumps(
            table, key[ok].to_numpy(), previous if previous is not None else table.iloc[0:0],
            float(settings.thresholds.get("monthly_change_warn_pct", 20)), units)
    return Checked(table, list(reading.problems) + found + base.stated_warnings(reading), names)


def _missing_communes(table: pd.DataFrame, names: dict) -> list[Problem]:
    """One warning per month listing every commune the file leaves out of it."""
    out = []
    counts = table.groupby("period").size()  # one row per commune and month: duplicates are already refused
    for period in counts.index[counts < len(names)]:
        codes = table.loc[table["period"] == period, "code"]
        missing = [(names[code], code) for code in sorted(set(names) - set(codes))]
        if len(missing) == 1:
            (unit, code), = missing
            out.append(Problem(None, None, "commune_not_reported", {"unit": unit, "code": code, "period": period},
                               "warning"))
        elif missing:
            out.append(Problem(None, None, "communes_not_reported",
                               {"count": len(missing), "period": period, "units": missing}, "warning"))
    return out


def _jumps(table: pd.DataFrame, keys: np.ndarray, previous: pd.DataFrame, limit_pct: float,
           units: Units) -> list[Problem]:
    """A commune's total that moved more than the threshold since the month before (stored or in this file)."""
    stored = base.keys(by_distinct(previous["period"], month_index, -1, np.int64).astype(float), previous["code"],
                       units)
    known = pd.concat([pd.Series(previous["total"].to_numpy(dtype="float64", na_value=np.nan), index=stored),
                       pd.Series(table["total"].to_numpy(dtype="float64", na_value=np.nan), index=keys)])
    known = known[~known.index.duplicated(keep="last")]
    earlier = known.reindex(keys - 1_000_000).to_numpy()
    totals = table["total"].to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.abs(totals - earlier) / np.where(earlier > 0, earlier, np.nan) * 100
    jumps = table.assign(before=earlier)[change > limit_pct].sort_values("source_row")
    return [Problem(int(r.source_row), None, "total_jump", {
        "unit": units.names[r.code], "period": r.period, "total": r.total, "before": int(r.before),
        "change": int(r.total - r.before), "limit": limit_pct}, "warning") for r in jumps.itertuples()]


# ---------------------------------------------------------------- annual targets

@raises("voluntary_target_exceeds_total")
def _target_rule(records: pd.DataFrame, problems: Problems):
    """The annual targets' own rule: the voluntary minimum within the total target."""
    def rule(ok: pd.Series) -> pd.Series:
        above = ok & (records["voluntary_min"] > records["total_target"])
        problems.add(above, "voluntary_min", "voluntary_target_exceeds_total",
                     row_params("voluntary_min", "total_target"))
        return ok & ~above
    return rule


@raises(_when_annual.raises, base.identity.raises, base.counts.raises, base.duplicates.raises,
        _target_rule.raises, "no_targets", "target_above_final", "target_decreases")
def check_annual(reading: Reading, units: Units, settings: Settings, con,
                 previous: pd.DataFrame | None = None) -> Checked:
    """Every row of an annual-target reading checked; rows with both targets blank are not filled in yet."""
    if (refused := base.refused(reading, ANNUAL_COLUMNS)) is not None:
        return refused
    records, names = reading.records, {}
    filled = records[["total_target", "voluntary_min"]].notna().any(axis=1) | records["total_target_bad"] | \
        records["voluntary_min_bad"]
    if not filled.any():
        return Checked(pd.DataFrame(columns=ANNUAL_COLUMNS), list(reading.problems) + [
            Problem(None, None, "no_targets")])
    records = records[filled]
    problems = Problems(reading, records)
    table = _yearly(records, reading, units, settings, problems, names, _target_rule(records, problems),
                    ANNUAL_COLUMNS)
    found = problems.sorted()
    if not table.empty:
        final = db.query(con, "SELECT code, sum(total_target) AS total_target, sum(voluntary_min) AS voluntary_min "
                            "FROM targets WHERE target_year = ? GROUP BY code", [settings.target_year])
        headers = reading.headers
        found += _above_plan(table, final, settings.target_year, units.names, headers)
        empty = pd.DataFrame(columns=["year", "code", "total_target", "voluntary_min"])
        found += _decreases(table, previous if previous is not None else empty, units.names, headers)
    return Checked(table, list(reading.problems) + found, names)


def _yearly(records: pd.DataFrame, reading: Reading, units: Units, settings: Settings, problems: Problems,
            names: dict, rule, columns: list[str]) -> pd.DataFrame:
    """The checks every per-year kind shares (year in the plan's span, commune, counts, ``rule`` of the kind, one
    row per commune and year); the valid rows in ``columns``."""
    year = _when_annual(records, settings, problems)
    identity = base.identity(records, units, problems, names)
    ok = rule(base.counts(records, reading.kind, reading.kind.required, reading, problems))
    ok = ok & year.notna() & identity["code"].notna()
    frame = records.assign(year=year, code=identity["code"], match_method=identity["match_method"],
                           _key=base.keys(records["_when_index"], identity["code"], units))
    ok = base.duplicates(frame, "year", ok, units, problems)
    return pd.DataFrame({
        "year": year[ok].astype(int), "code": identity["code"][ok],
        **{m: records.loc[ok, m].astype("Int64") for m in reading.kind.measures},
        "source_row": records.loc[ok, "_row"], "written_name": identity["written_name"][ok],
        "match_method": identity["match_method"][ok], "match_score": identity["match_score"][ok].astype(float),
    }, columns=columns).reset_index(drop=True).astype(TEXT)


def _above_plan(table: pd.DataFrame, final: pd.DataFrame, target_year: int, names: dict,
                labels: dict) -> list[Problem]:
    """A yearly target above the commune's target for the plan's final year."""
    both = table.merge(final, on="code", suffixes=("", "_final"))
    out = []
    for r in both.itertuples():
        for measure in ("total_target", "voluntary_min"):
            final_value = getattr(r, measure + "_final")
            if pd.notna(final_value) and getattr(r, measure) > final_value:
                out.append(Problem(int(r.source_row), labels.get(measure), "target_above_final", {
                    "unit": names[r.code], "measure": COUNT_VI[measure], "year": r.year,
                    "value": getattr(r, measure), "target_year": target_year, "final": final_value}, "warning"))
    return sorted(out, key=lambda p: p.row)


def _decreases(table: pd.DataFrame, previous: pd.DataFrame, names: dict, labels: dict) -> list[Problem]:
    """A target lower than the one of the year before, counting targets already in force; shown on the file's row."""
    known = pd.concat([previous[["year", "code", "total_target", "voluntary_min"]].assign(source_row=pd.NA),
                       table[["year", "code", "total_target", "voluntary_min", "source_row"]]]) \
        .drop_duplicates(["year", "code"], keep="last").sort_values(["code", "year"]).reset_index(drop=True)
    prior = known.groupby("code")[["year", "total_target", "voluntary_min", "source_row"]].shift(1)
    out = []
    for i in known.index[prior["year"].notna()]:
        row = known.at[i, "source_row"] if pd.notna(known.at[i, "source_row"]) else prior.at[i, "source_row"]
        if pd.isna(row):
            continue
        for measure in ("total_target", "voluntary_min"):
            low, high = known.at[i, measure], prior.at[i, measure]
            if low < high:
                out.append(Problem(int(row), labels.get(measure), "target_decreases", {
                    "unit": names[known.at[i, "code"]], "measure": COUNT_VI[measure],
                    "year": int(known.at[i, "year"]), "value": low, "prior_year": int(prior.at[i, "year"]),
                    "prior": high}, "warning"))
    return out


# ---------------------------------------------------------------- labour force

@raises(_when_annual.raises, base.identity.raises, base.counts.raises, base.duplicates.raises,
        "participants_exceed_labour_force")
def check_labour(reading: Reading, units: Units, settings: Settings, participants: pd.DataFrame) -> Checked:
    """Every row of a labour-force reading checked; a commune whose participants (``participants``: the monthly
    values in force) at its last month of the year exceed its labour force gets a warning."""
    if (refused := base.refused(reading, LABOUR_COLUMNS)) is not None:
        return refused
    records, names = reading.records, {}
    problems = Problems(reading, records)
    table = _yearly(records, reading, units, settings, problems, names, lambda ok: ok, LABOUR_COLUMNS)
    found = problems.sorted()
    if not table.empty and not participants.empty:
        found += _above_labour(table, participants, units.names, reading.headers.get("labour_force"))
    return Checked(table, list(reading.problems) + found, names)


def _above_labour(table: pd.DataFrame, participants: pd.DataFrame, names: dict, header: str | None) -> list[Problem]:
    last = (participants.assign(year=participants["period"].str[:4].astype(int)).sort_values("period")
            .drop_duplicates(["year", "code"], keep="last")[["year", "code", "period", "total"]])
    both = table.merge(last, on=["year", "code"])
    over = both[both["total"] > both["labour_force"]].sort_values("source_row")
    return [Problem(int(r.source_row), header, "participants_exceed_labour_force", {
        "unit": names[r.code], "period": r.period, "total": r.total, "year": r.year,
        "labour_force": r.labour_force}, "warning") for r in over.itertuples()]


# (reading, units, settings, connection, today) -> the checked rows to store and every problem found
Checker = Callable[[Reading, Units, Settings, Connection, dt.date], Checked]

CHECKERS: dict[str, Checker] = {
    "monthly": lambda reading, units, settings, con, today: check_monthly(
        reading, units, settings, today, previous=reads.monthly(con)),
    "annual": lambda reading, units, settings, con, today: check_annual(
        reading, units, settings, con, previous=reads.annual(con)),
    "labour": lambda reading, units, settings, con, today: check_labour(reading, units, settings, reads.monthly(con)),
    "arrears": lambda reading, units, settings, con, today: check_arrears(reading, units, settings, today),
    "employers": lambda reading, units, settings, con, today: check_employers(reading, units, settings, today),
}
