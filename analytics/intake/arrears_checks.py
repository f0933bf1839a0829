"""Checking arrears files: monthly figures per commune, and the list of employers paying late or evading.

Both kinds share the monthly checks of month and commune (analytics.intake.check_base); what is
theirs: at least one figure per row, sums of money as decimals, and for the employer list its
texts: a name, a tax code with a valid check digit (analytics.intake.taxcode), a status in words, and
one row per employer (tax code with its branch suffix) and month.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

import analytics.intake.check_base as base
import analytics.intake.taxcode as taxcode
from analytics.intake.check_base import TEXT, Checked, Problems
from analytics.intake.problem import BadValue, Problem, raises
from analytics.intake.reading import Reading
from analytics.intake.units import Units
from analytics.intake.values import written
from analytics.intake.words import words
from analytics.settings import Settings

ARREARS_COLUMNS = ["period", "code", "employers_late", "workers_affected", "amount_owed", "employers_evading",
                   "source_row", "written_name", "match_method", "match_score"]
EMPLOYER_COLUMNS = ["period", "code", "employer", "tax_code", "taxpayer", "unit_code", "months_late", "amount_owed",
                    "status", "source_row", "written_name", "match_method", "match_score"]
# Words of a status cell (without accents) -> status code; the first phrase found decides.
STATUS_WORDS = (("tron", "evading"), ("evading", "evading"), ("cham", "late"), ("late", "late"),
                ("no dong", "owing"), ("no", "owing"), ("owing", "owing"))


def status_of(value) -> str | None:
    """'Chậm đóng' -> late, 'Trốn đóng' -> evading, 'Nợ đọng' -> owing; None for other words."""
    text = f" {words(value)} " if isinstance(value, str) else ""
    return next((code for phrase, code in STATUS_WORDS if f" {phrase} " in text), None)


def _filled(records: pd.DataFrame, kind) -> pd.Series:
    """Rows that give any figure (a readable one or not): a template's rows left blank are no report."""
    given = pd.concat([records[m].notna() | records[f"{m}_bad"] for m in kind.measures], axis=1)
    return given.any(axis=1)


def _common(reading: Reading, units: Units, settings: Settings, today: dt.date, required: tuple[str, ...]):
    """The month, commune and figures of every row: (records, problems, names, period, identity, ok)."""
    records, names = reading.records, {}
    problems = Problems(reading, records)
    period = base.when_monthly(records, settings, today, problems)
    identity = base.identity(records, units, problems, names)
    ok = base.counts(records, reading.kind, required, reading, problems) & period.notna() & identity["code"].notna()
    return problems, names, period, identity, ok


def _detail(records: pd.DataFrame, identity: pd.DataFrame, ok: pd.Series) -> dict:
    return {"source_row": records.loc[ok, "_row"], "written_name": identity["written_name"][ok],
            "match_method": identity["match_method"][ok], "match_score": identity["match_score"][ok].astype(float)}


_COMMON = (base.when_monthly.raises, base.identity.raises, base.counts.raises, base.stated_warnings.raises)


@raises(*_COMMON, base.duplicates.raises, "no_arrears_figures")
def check_arrears(reading: Reading, units: Units, settings: Settings, today: dt.date) -> Checked:
    """Every row of a monthly arrears file checked; rows with no figure at all are not stored (a template's
    communes left blank), a file with none is refused."""
    if (refused := base.refused(reading, ARREARS_COLUMNS)) is not None:
        return refused
    filled = _filled(reading.records, reading.kind)
    if not filled.any():
        return Checked(pd.DataFrame(columns=ARREARS_COLUMNS), list(reading.problems) + [
            Problem(None, None, "no_arrears_figures")])
    reading.records = reading.records[filled]
    records = reading.records
    problems, names, period, identity, ok = _common(reading, units, settings, today, ())
    frame = records.assign(period=period, code=identity["code"], match_method=identity["match_method"],
                           _key=base.keys(records["_when_index"], identity["code"], units))
    ok = base.duplicates(frame, "period", ok, units, problems)
    counts = ("employers_late", "workers_affected", "employers_evading")
    table = pd.DataFrame({"period": period[ok], "code": identity["code"][ok],
                          **{m: records.loc[ok, m].astype("Int64") for m in counts},
                          "amount_owed": records.loc[ok, "amount_owed"].astype(float),
                          **_detail(records, identity, ok)},
                         columns=ARREARS_COLUMNS).reset_index(drop=True).astype(TEXT | {"period": "str"})
    return Checked(table, list(reading.problems) + problems.sorted() + base.stated_warnings(reading), names)


@raises("missing_tax_code", "tax_code_not_digits", "tax_code_length", "branch_code_invalid",
        "tax_code_no_check_digit", "tax_code_check_digit")
def _tax_codes(records: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    """Each row's tax code as stored and its kind (enterprise, branch, personal); missing where it is wrong."""
    out = pd.DataFrame({"tax_code": None, "taxpayer": None}, index=records.index, dtype=object)
    errors = pd.Series(None, index=records.index, dtype=object)
    for index, value in records["tax_code"].items():
        try:
            code = taxcode.parse(value)
        except BadValue as exc:
            errors[index] = exc
        else:
            out.loc[index] = [code.code, code.kind]
    problems.add_bad(errors.notna(), "tax_code", errors)
    return out


@raises("duplicate_employer")
def _repeated(frame: pd.DataFrame, ok: pd.Series, problems: Problems) -> pd.Series:
    """The same employer (tax code with its branch suffix) twice in one month: each later row is refused, naming
    the first."""
    rows = frame[ok]
    later = rows.duplicated(["period", "tax_code"], keep="first")
    if later.any():
        first = rows[~later].set_index(["period", "tax_code"])["_row"]
        dup = rows[later]
        params = pd.Series([{"tax_code": t, "first": first[(p, t)], "period": p, "row": r}
                            for p, t, r in zip(dup["period"], dup["tax_code"], dup["_row"])], index=dup.index)
        problems.add(pd.Series(frame.index.isin(dup.index), index=frame.index), "tax_code", "duplicate_employer",
                     params)
        ok = ok & ~frame.index.isin(dup.index)
    return ok


@raises(*_COMMON, _tax_codes.raises, _repeated.raises, "missing_employer", "unknown_status", "missing_status")
def check_employers(reading: Reading, units: Units, settings: Settings, today: dt.date) -> Checked:
    """Every row of an employer list checked: name, tax code, commune, months late, amount owed, status."""
    if (refused := base.refused(reading, EMPLOYER_COLUMNS)) is not None:
        return refused
    records = reading.records
    problems, names, period, identity, ok = _common(reading, units, settings, today, ("amount_owed",))
    named = written(records["employer"].astype(object))
    problems.add(~named, "employer", "missing_employer")
    taxes = _tax_codes(records, problems)
    status = records["status"].map(status_of)
    said = records["status"].map(lambda v: isinstance(v, str) and bool(v.strip()))
    problems.add(status.isna(), "status", said.map({True: "unknown_status", False: "missing_status"}),
                 records["status"].map(lambda v: {"value": v}))
    ok = ok & named & taxes["tax_code"].notna() & status.notna()
    ok = _repeated(records.assign(period=period, tax_code=taxes["tax_code"]), ok, problems)
    unit = records["unit_code"].map(lambda v: None if v is None or v != v or not str(v).strip()
                                    else str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip())
    table = pd.DataFrame({"period": period[ok], "code": identity["code"][ok],
                          "employer": records.loc[ok, "employer"].map(lambda v: str(v).strip()),
                          "tax_code": taxes.loc[ok, "tax_code"], "taxpayer": taxes.loc[ok, "taxpayer"],
                          "unit_code": unit[ok], "months_late": records.loc[ok, "months_late"].astype("Int64"),
                          "amount_owed": records.loc[ok, "amount_owed"].astype(float), "status": status[ok],
                          **_detail(records, identity, ok)},
                         columns=EMPLOYER_COLUMNS).reset_index(drop=True)
    table = table.astype(TEXT | dict.fromkeys(("period", "employer", "tax_code", "taxpayer", "status"), "str"))
    return Checked(table, list(reading.problems) + problems.sorted() + base.stated_warnings(reading), names)
