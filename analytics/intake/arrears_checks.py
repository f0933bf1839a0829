"""Checking arrears files: monthly figures per commune, and the list of employers paying late or evading.

Both kinds share the monthly checks of month and commune (analytics.intake.checks); what is
theirs: at least one figure per row, sums of money as decimals, and for the employer list its
texts: a name, a tax code with a valid check digit (analytics.intake.taxcode), a status in words, and
one row per employer (tax code with its branch suffix) and month.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

import analytics.intake.taxcode as taxcode
from analytics.intake.checks import (
    TEXT,
    Checked,
    _counts,
    _duplicates,
    _identity,
    _keys,
    _Problems,
    _when_monthly,
    stated_warnings,
)
from analytics.intake.problem import Problem
from analytics.intake.reading import Reading
from analytics.intake.units import Units
from analytics.intake.values import written
from analytics.intake.words import words
from analytics.settings import Settings
from analytics.text import fmt, labels

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
    problems = _Problems(reading, records)
    period = _when_monthly(records, settings, today, problems)
    identity = _identity(records, units, problems, names)
    ok = _counts(records, reading.kind, required, reading, problems) & period.notna() & identity["code"].notna()
    return problems, names, period, identity, ok


def _detail(records: pd.DataFrame, identity: pd.DataFrame, ok: pd.Series) -> dict:
    return {"source_row": records.loc[ok, "_row"], "written_name": identity["written_name"][ok],
            "match_method": identity["match_method"][ok], "match_score": identity["match_score"][ok].astype(float)}


def _refused(reading: Reading, columns: list[str]) -> Checked | None:
    if any(p.severity == "error" for p in reading.problems) or reading.records.empty:
        return Checked(pd.DataFrame(columns=columns), list(reading.problems))
    return None


def check_arrears(reading: Reading, units: Units, settings: Settings, today: dt.date) -> Checked:
    """Every row of a monthly arrears file checked; rows with no figure at all are not stored (a template's
    communes left blank), a file with none is refused."""
    if (refused := _refused(reading, ARREARS_COLUMNS)) is not None:
        return refused
    filled = _filled(reading.records, reading.kind)
    if not filled.any():
        return Checked(pd.DataFrame(columns=ARREARS_COLUMNS), list(reading.problems) + [Problem(
            None, None, "Chưa có dòng nào ghi số liệu nợ, chậm đóng; hãy điền ít nhất một cột số liệu.")])
    reading.records = reading.records[filled]
    records = reading.records
    problems, names, period, identity, ok = _common(reading, units, settings, today, ())
    frame = records.assign(period=period, code=identity["code"], match_method=identity["match_method"],
                           _key=_keys(records["_when_index"], identity["code"], units))
    ok = _duplicates(frame, "period", ok, units, problems, lambda name, p: f"{name} kỳ {fmt.month(p)}")
    counts = ("employers_late", "workers_affected", "employers_evading")
    table = pd.DataFrame({"period": period[ok], "code": identity["code"][ok],
                          **{m: records.loc[ok, m].astype("Int64") for m in counts},
                          "amount_owed": records.loc[ok, "amount_owed"].astype(float),
                          **_detail(records, identity, ok)},
                         columns=ARREARS_COLUMNS).reset_index(drop=True).astype(TEXT | {"period": "str"})
    return Checked(table, list(reading.problems) + problems.sorted() + stated_warnings(reading), names)


def _tax_codes(records: pd.DataFrame, problems: _Problems) -> pd.DataFrame:
    """Each row's tax code as stored and its kind (enterprise, branch, personal); missing where it is wrong."""
    out = pd.DataFrame({"tax_code": None, "taxpayer": None}, index=records.index, dtype=object)
    errors = pd.Series(None, index=records.index, dtype=object)
    for index, value in records["tax_code"].items():
        try:
            code = taxcode.parse(value)
        except ValueError as exc:
            errors[index] = str(exc)[0].upper() + str(exc)[1:] + "."
        else:
            out.loc[index] = [code.code, code.kind]
    problems.add(errors.notna(), "tax_code", errors)
    return out


def _repeated(frame: pd.DataFrame, ok: pd.Series, problems: _Problems) -> pd.Series:
    """The same employer (tax code with its branch suffix) twice in one month: each later row is refused, naming
    the first."""
    rows = frame[ok]
    later = rows.duplicated(["period", "tax_code"], keep="first")
    if later.any():
        first = rows[~later].set_index(["period", "tax_code"])["_row"]
        dup = rows[later]
        messages = pd.Series([f"Mã số thuế {t} đã có ở dòng {first[(p, t)]} cùng kỳ {fmt.month(p)}; mỗi đơn vị chỉ "
                              f"ghi một dòng mỗi tháng (dòng {first[(p, t)]} và dòng {r})."
                              for p, t, r in zip(dup["period"], dup["tax_code"], dup["_row"])], index=dup.index)
        problems.add(pd.Series(frame.index.isin(dup.index), index=frame.index), "tax_code",
                     messages.reindex(frame.index))
        ok = ok & ~frame.index.isin(dup.index)
    return ok


def check_employers(reading: Reading, units: Units, settings: Settings, today: dt.date) -> Checked:
    """Every row of an employer list checked: name, tax code, commune, months late, amount owed, status."""
    if (refused := _refused(reading, EMPLOYER_COLUMNS)) is not None:
        return refused
    records = reading.records
    problems, names, period, identity, ok = _common(reading, units, settings, today, ("amount_owed",))
    named = written(records["employer"].astype(object))
    problems.add(~named, "employer", "Thiếu tên đơn vị.")
    taxes = _tax_codes(records, problems)
    status = records["status"].map(status_of)
    problems.add(status.isna(), "status", records["status"].map(
        lambda v: f"Tình trạng «{v}» không rõ; hãy ghi {', '.join(f'«{w}»' for w in labels.EMPLOYER_STATUS.values())}."
        if isinstance(v, str) and v.strip() else "Thiếu tình trạng (chậm đóng, trốn đóng hoặc nợ đọng)."))
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
    return Checked(table, list(reading.problems) + problems.sorted() + stated_warnings(reading), names)
