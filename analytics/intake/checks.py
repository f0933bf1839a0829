"""Checking the commune rows of a reading: every problem with its file row and column, set-based.

Each check runs over whole columns at once; only the rows that fail become Problems one by
one. Names are matched once per distinct written name (units.Units). Errors block an upload,
warnings need a person's confirmation; the thresholds come from the plan settings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.figures.periods import month_index
from analytics.intake.fields import AMOUNT, COUNT_VI, Kind
from analytics.intake.problem import Problem
from analytics.intake.reading import Reading
from analytics.intake.rows import stated_problems
from analytics.intake.units import SILENT, Units
from analytics.intake.values import by_distinct, parse_amount, parse_count, reasons, written
from analytics.settings import Settings
from analytics.storage import db
from analytics.text import fmt, labels
from analytics.units.names import Match

TABLE_COLUMNS = ["period", "code", "total", "compulsory", "voluntary", "labour_force",
                 "source_row", "written_name", "match_method", "match_score"]
ANNUAL_COLUMNS = ["year", "code", "total_target", "voluntary_min", "source_row", "written_name", "match_method",
                  "match_score"]
LABOUR_COLUMNS = ["year", "code", "labour_force", "source_row", "written_name", "match_method", "match_score"]
TEXT = dict.fromkeys(("code", "written_name", "match_method"), "str")  # columnar text: stored at once, not cell by cell
NOT_PEOPLE = ("employers_late", "employers_evading", "months_late")
REQUIRED_VI = {"total": "tổng số người tham gia", "compulsory": "số tham gia bắt buộc",
               "voluntary": "số tham gia tự nguyện", "labour_force": "lực lượng lao động",
               "total_target": "chỉ tiêu chung", "voluntary_min": "chỉ tiêu tự nguyện tối thiểu",
               "amount_owed": "số tiền nợ"}


@dataclass
class Checked:
    table: pd.DataFrame  # TABLE_COLUMNS (ANNUAL_COLUMNS), one row per valid (time, commune)
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


class _Problems:
    """Problems of many rows at once: a mask of rows, the column they are in, and the message per row."""

    def __init__(self, reading: Reading, records: pd.DataFrame | None = None):
        self.reading = reading
        self.records = reading.records if records is None else records
        self.found: list[tuple[int, int, Problem]] = []  # (file row, order, problem)

    def add(self, mask: pd.Series, field: str | None, messages, severity: str = "error") -> None:
        """``messages``: one text for all, a Series by record, or a function of the failing records."""
        if not mask.any():
            return
        failing = self.records[mask]
        rows = failing["_row"]
        labels = pd.Series([self.reading.label(i, field) if field else None for i in rows.index], index=rows.index)
        if callable(messages):
            messages = messages(failing)
        texts = messages.reindex(rows.index) if isinstance(messages, pd.Series) else pd.Series(messages,
                                                                                               index=rows.index)
        for row, label, text in zip(rows, labels, texts):
            self.found.append((int(row), len(self.found), Problem(int(row), label if isinstance(label, str) else None,
                                                                   text, severity)))

    def sorted(self) -> list[Problem]:
        return [p for _, _, p in sorted(self.found, key=lambda f: (f[0], f[1]))]


def _identity(records: pd.DataFrame, units: Units, problems: _Problems, names: dict[str, Match]) -> pd.DataFrame:
    """code, written_name, match_method, match_score per record; missing code where it failed."""
    out = pd.DataFrame(index=records.index, columns=["code", "written_name", "match_method", "match_score"],
                       dtype=object)
    has_code = written(records["code"])
    primary = records["_code"]
    out.loc[has_code, "code"] = primary[has_code]
    out.loc[has_code, ["match_method", "match_score"]] = ["code", 100.0]
    problems.add(has_code & primary.isna(), "code",
                 lambda r: r["code"].map(lambda c: f"Mã «{c}» không có trong danh mục đơn vị hành chính của tỉnh."))
    has_name = ~has_code & written(records["commune"])
    problems.add(~has_code & ~has_name, "commune", "Thiếu mã hoặc tên xã, phường.")
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
        more = records.loc[rows, "_row"].tolist()[1:]
        also = f" Tên này còn ở dòng {', '.join(map(str, more))}." if more else ""
        if match.code is None:
            if match.ambiguous:
                text = f"Tên «{name}» khớp với nhiều đơn vị: {', '.join(match.suggestions)}. Hãy ghi mã xã."
            else:
                text = f"Không tìm thấy xã, phường «{name}». Tên gần nhất: {', '.join(match.suggestions)}."
            problems.add(rows & (records.index == rows.idxmax()), "commune", text + also)
        else:
            problems.add(rows & (records.index == rows.idxmax()), "commune", (
                f"Tên «{name}» được khớp với {units.names[match.code]} ({match.code}) theo cách "
                f"{labels.MATCH_METHOD[match.method]}, điểm {fmt.number(match.score, 1)}. Hãy kiểm tra.{also}"),
                "warning")
    out.loc[has_name & out["code"].isna(), "written_name"] = None
    return out


def _counts(records: pd.DataFrame, kind: Kind, required: tuple[str, ...], reading: Reading,
            problems: _Problems) -> pd.Series:
    """Whether every count of each record is usable; each bad or missing count is an error at its cell."""
    ok = pd.Series(True, index=records.index)
    for measure in kind.measures:
        bad = records[f"{measure}_bad"]
        if bad.any():
            parse = parse_amount if kind.type_of(measure) == AMOUNT else parse_count
            said = reasons(records.loc[bad, f"{measure}_raw"], parse)
            if measure in NOT_PEOPLE:  # counts of employers or months: the count messages speak of people
                said = said.str.replace("số người", "số", regex=False)
            problems.add(bad, measure, said.reindex(records.index))
        given = reading.given(measure).reindex(records.index)
        missing = records[measure].isna() & ~bad
        if measure in required:
            problems.add(missing & given, measure, f"Thiếu {REQUIRED_VI[measure]}.")
            sources = [m for m in kind.measures if reading.derived.get(measure, "").find(COUNT_VI[m]) >= 0]
            derived_missing = missing & ~given & (pd.concat([reading.given(m) for m in sources], axis=1).all(axis=1)
                                                  .reindex(records.index) if sources else False)
            for source in sources:
                problems.add(derived_missing & records[source].isna() & ~records[f"{source}_bad"], source,
                             f"Thiếu {REQUIRED_VI[source]} (cần để tính {REQUIRED_VI[measure]}).")
            ok &= ~(missing & (given | derived_missing))
        ok &= ~bad
    return ok


def _when(records: pd.DataFrame, field: str, missing: str, problems: _Problems) -> pd.Series:
    """The parsed month or year of each record; a blank or unreadable cell is an error at its cell."""
    has = records["_when"].notna() | records["_when_error"].notna()
    problems.add(~has, field, missing)
    error = records["_when_error"]
    problems.add(has & error.notna(), field, error)
    return records["_when"].where(has)


def _when_monthly(records: pd.DataFrame, settings: Settings, today: dt.date, problems: _Problems) -> pd.Series:
    parsed = _when(records, "period", "Thiếu kỳ báo cáo (tháng).", problems)
    index = records["_when_index"]
    early = index < month_index(settings.baseline_month)
    problems.add(early, "period", lambda r: parsed[r.index].map(
        lambda p: f"Kỳ {fmt.month(p)} trước tháng gốc của kế hoạch ({fmt.month(settings.baseline_month)})."))
    late = index > month_index(f"{today.year:04d}-{today.month:02d}")
    problems.add(late, "period", lambda r: parsed[r.index].map(lambda p: f"Kỳ {fmt.month(p)} là tháng trong "
                                                                         "tương lai."))
    return parsed.where(~early & ~late)


def _when_annual(records: pd.DataFrame, settings: Settings, problems: _Problems) -> pd.Series:
    parsed = _when(records, "year", "Thiếu năm.", problems)
    first, last = int(settings.baseline_month[:4]), settings.target_year
    outside = parsed.notna() & ~parsed.map(lambda y: y is not None and first <= y <= last)
    problems.add(outside, "year", lambda r: parsed[r.index].map(
        lambda y: f"Năm {y} nằm ngoài thời kỳ của kế hoạch ({first}–{last})."))
    return parsed.where(~outside)


def _rules_monthly(records: pd.DataFrame, ok: pd.Series, problems: _Problems) -> pd.Series:
    t, c, v, lf = (records[m] for m in ("total", "compulsory", "voluntary", "labour_force"))
    negative = ok & v.notna() & (v < 0)  # worked out as total − compulsory
    problems.add(negative, "compulsory", fmt_rows("Số bắt buộc ({compulsory}) lớn hơn tổng số ({total})."))
    above = ok & ~negative & v.notna() & t.notna() & (v > t)
    problems.add(above, "voluntary", fmt_rows("Số tự nguyện ({voluntary}) lớn hơn tổng số ({total})."))
    differs = ok & ~negative & ~above & c.notna() & v.notna() & (c + v != t)
    problems.add(differs, "total", lambda r: fmt_rows("Bắt buộc + tự nguyện = {_sum}, khác tổng số {total}.")(
        r.assign(_sum=r["compulsory"] + r["voluntary"])))
    ok = ok & ~negative & ~above & ~differs
    over = ok & lf.notna() & (t > lf)
    problems.add(over, "total", fmt_rows("Số tham gia ({total}) lớn hơn lực lượng lao động ({labour_force})."),
                 "warning")
    return ok


def fmt_rows(template: str):
    """A function of some records: ``template`` filled per record with its counts in Vietnamese format."""
    def messages(records: pd.DataFrame) -> pd.Series:
        fields = [f for f in records.columns if "{" + f + "}" in template]
        return pd.Series([template.format(**{f: fmt.number(v) if pd.notna(v) else "—" for f, v in zip(fields, r)})
                          for r in records[fields].itertuples(index=False)], index=records.index, dtype=object)
    return messages


def _duplicates(records: pd.DataFrame, key: str, ok: pd.Series, units: Units, problems: _Problems, said) -> pd.Series:
    """The second of two rows for the same commune and time is refused, naming the first."""
    frame = records.loc[ok, [key, "code", "_row", "match_method", "_key"]]
    later = frame["_key"].duplicated(keep="first")
    if later.any():
        first = frame[~later].set_index([key, "code"])["_row"]
        dup = frame[later]
        messages = pd.Series([f"{said(units.names[c], k)} đã có ở dòng {first[(k, c)]}."
                              for k, c in zip(dup[key], dup["code"])], index=dup.index)
        field = dup["match_method"].map(lambda m: "code" if m == "code" else "commune")
        for name in ("code", "commune"):
            mask = records.index.isin(dup.index[field == name])
            problems.add(pd.Series(mask, index=records.index), name, messages.reindex(records.index))
        ok = ok & ~records.index.isin(dup.index)
    return ok


def stated_warnings(reading: Reading) -> list[Problem]:
    """A warning at its row and column for each total or subtotal the file states that its rows do not add up to;
    the file's figures are never changed."""
    return [Problem(row, column, text, "warning") for row, column, text in
            stated_problems(reading.aside, reading.columns)]


def check_monthly(reading: Reading, units: Units, settings: Settings, today: dt.date,
                  previous: pd.DataFrame | None = None) -> Checked:
    """Every commune row of a monthly reading checked; the valid rows as the table to store."""
    records, problems, names = reading.records, _Problems(reading), {}
    if any(p.severity == "error" for p in reading.problems) or records.empty:
        return Checked(pd.DataFrame(columns=TABLE_COLUMNS), list(reading.problems))
    period = _when_monthly(records, settings, today, problems)
    identity = _identity(records, units, problems, names)
    required = ("total",) if reading.missing else ("total", "voluntary")
    ok = _counts(records, reading.kind, required, reading, problems)
    ok = _rules_monthly(records, ok, problems) & period.notna() & identity["code"].notna()
    key = _keys(records["_when_index"], identity["code"], units)
    frame = records.assign(period=period, code=identity["code"], match_method=identity["match_method"], _key=key)
    ok = _duplicates(frame, "period", ok, units, problems, lambda name, p: f"{name} kỳ {fmt.month(p)}")
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
    return Checked(table, list(reading.problems) + found + stated_warnings(reading), names)


def _missing_communes(table: pd.DataFrame, names: dict) -> list[Problem]:
    """One warning per month listing every commune the file leaves out of it."""
    out = []
    counts = table.groupby("period").size()  # one row per commune and month: duplicates are already refused
    for period in counts.index[counts < len(names)]:
        codes = table.loc[table["period"] == period, "code"]
        missing = [f"{names[code]} ({code})" for code in sorted(set(names) - set(codes))]
        if len(missing) == 1:
            out.append(Problem(None, None, f"{missing[0]} không có số liệu {fmt.month(period)} "
                                           f"trong khi các xã khác có.", "warning"))
        elif missing:
            out.append(Problem(None, None, f"{fmt.number(len(missing))} xã, phường không có số liệu "
                                           f"{fmt.month(period)}: {', '.join(missing)}.", "warning"))
    return out


def _keys(when: pd.Series, codes: pd.Series, units: Units) -> pd.Series:
    """One integer per (month or year, commune): equal keys, same cell of the stored table."""
    ids = by_distinct(codes, units.position, -1, np.int64)
    return pd.Series(when.fillna(-1).to_numpy(dtype=np.int64) * 1_000_000 + ids.to_numpy(), index=when.index)


def _jumps(table: pd.DataFrame, keys: np.ndarray, previous: pd.DataFrame, limit_pct: float,
           units: Units) -> list[Problem]:
    """A commune's total that moved more than the threshold since the month before (stored or in this file)."""
    stored = _keys(by_distinct(previous["period"], month_index, -1, np.int64).astype(float), previous["code"], units)
    known = pd.concat([pd.Series(previous["total"].to_numpy(dtype="float64", na_value=np.nan), index=stored),
                       pd.Series(table["total"].to_numpy(dtype="float64", na_value=np.nan), index=keys)])
    known = known[~known.index.duplicated(keep="last")]
    earlier = known.reindex(keys - 1_000_000).to_numpy()
    totals = table["total"].to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.abs(totals - earlier) / np.where(earlier > 0, earlier, np.nan) * 100
    jumps = table.assign(before=earlier)[change > limit_pct].sort_values("source_row")
    return [Problem(int(r.source_row), None,
                    f"{units.names[r.code]}: tổng số {fmt.month(r.period)} là {fmt.number(r.total)}, so với "
                    f"{fmt.number(int(r.before))} tháng trước ({fmt.signed(int(r.total - r.before))}, vượt ngưỡng "
                    f"{fmt.number(limit_pct)} %).", "warning") for r in jumps.itertuples()]


# ---------------------------------------------------------------- annual targets

def check_annual(reading: Reading, units: Units, settings: Settings, con,
                 previous: pd.DataFrame | None = None) -> Checked:
    """Every row of an annual-target reading checked; rows with both targets blank are not filled in yet."""
    records, names = reading.records, {}
    if any(p.severity == "error" for p in reading.problems) or records.empty:
        return Checked(pd.DataFrame(columns=ANNUAL_COLUMNS), list(reading.problems))
    filled = records[["total_target", "voluntary_min"]].notna().any(axis=1) | records["total_target_bad"] | \
        records["voluntary_min_bad"]
    if not filled.any():
        return Checked(pd.DataFrame(columns=ANNUAL_COLUMNS), list(reading.problems) + [Problem(
            None, None, "Chưa có dòng nào ghi chỉ tiêu; hãy điền chỉ tiêu chung và chỉ tiêu tự nguyện tối thiểu.")])
    records = records[filled]
    problems = _Problems(reading, records)

    def rule(ok: pd.Series) -> pd.Series:
        above = ok & (records["voluntary_min"] > records["total_target"])
        problems.add(above, "voluntary_min", fmt_rows("Chỉ tiêu tự nguyện ({voluntary_min}) lớn hơn chỉ tiêu chung "
                                                      "({total_target})."))
        return ok & ~above

    table = _yearly(records, reading, units, settings, problems, names, rule, ANNUAL_COLUMNS)
    found = problems.sorted()
    if not table.empty:
        final = db.query(con, "SELECT code, sum(total_target) AS total_target, sum(voluntary_min) AS voluntary_min "
                            "FROM targets WHERE target_year = ? GROUP BY code", [settings.target_year])
        headers = reading.headers
        found += _above_plan(table, final, settings.target_year, units.names, headers)
        empty = pd.DataFrame(columns=["year", "code", "total_target", "voluntary_min"])
        found += _decreases(table, previous if previous is not None else empty, units.names, headers)
    return Checked(table, list(reading.problems) + found, names)


def _yearly(records: pd.DataFrame, reading: Reading, units: Units, settings: Settings, problems: _Problems,
            names: dict, rule, columns: list[str]) -> pd.DataFrame:
    """The checks every per-year kind shares (year in the plan's span, commune, counts, ``rule`` of the kind, one
    row per commune and year); the valid rows in ``columns``."""
    year = _when_annual(records, settings, problems)
    identity = _identity(records, units, problems, names)
    ok = rule(_counts(records, reading.kind, reading.kind.required, reading, problems))
    ok = ok & year.notna() & identity["code"].notna()
    frame = records.assign(year=year, code=identity["code"], match_method=identity["match_method"],
                           _key=_keys(records["_when_index"], identity["code"], units))
    ok = _duplicates(frame, "year", ok, units, problems, lambda name, y: f"{name} năm {y}")
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
                out.append(Problem(int(r.source_row), labels.get(measure), (
                    f"{names[r.code]}: {COUNT_VI[measure]} năm {r.year} ({fmt.number(getattr(r, measure))}) cao hơn "
                    f"chỉ tiêu năm {target_year} ({fmt.number(final_value)})."), "warning"))
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
                out.append(Problem(int(row), labels.get(measure), (
                    f"{names[known.at[i, 'code']]}: {COUNT_VI[measure]} năm {int(known.at[i, 'year'])} "
                    f"({fmt.number(low)}) thấp hơn năm {int(prior.at[i, 'year'])} ({fmt.number(high)})."), "warning"))
    return out


# ---------------------------------------------------------------- labour force

def check_labour(reading: Reading, units: Units, settings: Settings, participants: pd.DataFrame) -> Checked:
    """Every row of a labour-force reading checked; a commune whose participants (``participants``: the monthly
    values in force) at its last month of the year exceed its labour force gets a warning."""
    records, names = reading.records, {}
    if any(p.severity == "error" for p in reading.problems) or records.empty:
        return Checked(pd.DataFrame(columns=LABOUR_COLUMNS), list(reading.problems))
    problems = _Problems(reading, records)
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
    return [Problem(int(r.source_row), header, (
        f"{names[r.code]}: số tham gia {fmt.month(r.period)} ({fmt.number(r.total)}) lớn hơn lực lượng lao động "
        f"năm {r.year} ({fmt.number(r.labour_force)})."), "warning") for r in over.itertuples()]
