"""Validation of an uploaded monthly or annual-target table: every problem with its file row and column.

Errors block an upload; warnings need an explicit confirmation. The thresholds
come from the plan settings. Both kinds share the commune matching and the
parsing of head counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from analytics import db, fmt, labels
from analytics.communes import code_map, matcher
from analytics.periods import add_months, month_index
from analytics.readers import Problem, RawTable, parse_count, parse_period, parse_year
from analytics.settings import Settings

COUNTS = ("total", "compulsory", "voluntary", "labour_force")
REQUIRED_COUNTS = ("total", "voluntary")
COUNT_VI = {"total": "tổng số người tham gia", "compulsory": "số tham gia bắt buộc",
            "voluntary": "số tham gia tự nguyện", "labour_force": "lực lượng lao động"}
TABLE_COLUMNS = ["period", "code", "total", "compulsory", "voluntary", "labour_force",
                 "source_row", "written_name", "match_method", "match_score"]
ANNUAL_COUNT_VI = {"total_target": "chỉ tiêu chung", "voluntary_min": "chỉ tiêu tự nguyện tối thiểu"}
ANNUAL_COLUMNS = ["year", "code", "total_target", "voluntary_min", "source_row", "written_name", "match_method",
                  "match_score"]


@dataclass
class Checked:
    table: pd.DataFrame  # TABLE_COLUMNS, one row per valid (period, code)
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == ""


class _Rows:
    """What checking any uploaded table needs: problem collection, commune matching, head counts."""

    def __init__(self, raw: RawTable, con, settings: Settings):
        self.raw, self.settings = raw, settings
        self.problems = list(raw.problems)
        self.codes = code_map(con)
        self.names = dict(db.rows(con, "SELECT code, name FROM communes"))
        self.matcher = matcher(con, settings)

    def column(self, index, field: str) -> str | None:
        return self.raw.cell_columns.get((index, field)) or self.raw.columns.get(field)

    def add(self, row, index, field, message, severity="error"):
        column = self.column(index, field) if field else None
        self.problems.append(Problem(row, column, message, severity))

    def parsed(self, index, row, field: str, value, parse, missing: str):
        """``parse(value)``, or None with the problem at its cell: ``missing`` for a blank, else the parser's."""
        if _blank(value):
            self.add(row, index, field, missing)
            return None
        try:
            return parse(value)
        except ValueError as exc:
            self.add(row, index, field, str(exc))
            return None

    def commune(self, index, row, code, name):
        if not _blank(code):
            written = str(code).strip()
            written = written.zfill(5) if written.isdigit() else written
            if written in self.codes:
                return self.codes[written], None, "code", 100.0
            self.add(row, index, "code", f"Mã «{code}» không có trong danh mục đơn vị hành chính của tỉnh.")
            return None, None, None, None
        if _blank(name):
            self.add(row, index, "commune", "Thiếu mã hoặc tên xã, phường.")
            return None, None, None, None
        m = self.matcher.match(str(name))
        if m.code is None:
            if m.ambiguous:
                text = f"Tên «{name}» khớp với nhiều đơn vị: {', '.join(m.suggestions)}. Hãy ghi mã xã."
            else:
                text = f"Không tìm thấy xã, phường «{name}». Tên gần nhất: {', '.join(m.suggestions)}."
            self.add(row, index, "commune", text)
            return None, None, None, None
        if m.method != "exact":
            self.add(row, index, "commune",
                     f"Tên «{name}» được khớp với {self.names[m.code]} ({m.code}) theo cách "
                     f"{labels.MATCH_METHOD[m.method]}, điểm {fmt.number(m.score, 1)}. Hãy kiểm tra.", "warning")
        return m.code, str(name), m.method, m.score

    def count(self, index, row, field: str, value, label: str, required: bool) -> tuple[bool, int | None]:
        """(ok, number): a blank is fine unless required; a malformed count is an error on its cell."""
        if _blank(value):
            if required:
                self.add(row, index, field, f"Thiếu {label}.")
            return not required, None
        try:
            return True, parse_count(value)
        except ValueError as exc:
            self.add(row, index, field, str(exc))
            return False, None


    def collect(self, key_field: str, when, values, duplicate, skip=lambda record: False) -> list[dict]:
        """Each row checked once: its time key (``when``), commune and values; the second of two same rows refused.

        ``duplicate(name, key)`` words the refusal; ``skip`` passes over rows nobody filled in.
        """
        rows, seen = [], {}
        for index, record in self.raw.frame.iterrows():
            if skip(record):
                continue
            row = int(record["_row"]) if not _blank(record.get("_row")) else None
            key = when(index, row, record.get(key_field))
            code, written, method, score = self.commune(index, row, record.get("code"), record.get("commune"))
            checked = values(index, row, record)
            if key is None or code is None or checked is None:
                continue
            if (key, code) in seen:
                self.add(row, index, "code" if method == "code" else "commune",
                         f"{duplicate(self.names[code], key)} đã có ở dòng {seen[(key, code)]}.")
                continue
            seen[(key, code)] = row
            rows.append({key_field: key, "code": code, **checked, "source_row": row, "written_name": written,
                         "match_method": method, "match_score": score})
        return rows


class _Checker(_Rows):
    def __init__(self, raw: RawTable, con, settings: Settings, today: dt.date):
        super().__init__(raw, con, settings)
        self.latest_allowed = f"{today.year:04d}-{today.month:02d}"

    def period(self, index, row, value):
        period = self.parsed(index, row, "period", value, parse_period, "Thiếu kỳ báo cáo (tháng).")
        if period is None:
            return None
        if month_index(period) < month_index(self.settings.baseline_month):
            self.add(row, index, "period", f"Kỳ {fmt.month(period)} trước tháng gốc của kế hoạch "
                                           f"({fmt.month(self.settings.baseline_month)}).")
            return None
        if month_index(period) > month_index(self.latest_allowed):
            self.add(row, index, "period", f"Kỳ {fmt.month(period)} là tháng trong tương lai.")
            return None
        return period

    def counts(self, index, row, record) -> dict | None:
        values, ok = {}, True
        for field in COUNTS:
            good, values[field] = self.count(index, row, field, record.get(field), COUNT_VI[field],
                                             field in REQUIRED_COUNTS)
            ok &= good
        if not ok:
            return None
        if values["voluntary"] > values["total"]:
            self.add(row, index, "voluntary", f"Số tự nguyện ({fmt.number(values['voluntary'])}) lớn hơn tổng số "
                                              f"({fmt.number(values['total'])}).")
            return None
        if values["compulsory"] is not None and values["compulsory"] + values["voluntary"] != values["total"]:
            both = values["compulsory"] + values["voluntary"]
            self.add(row, index, "total",
                     f"Bắt buộc + tự nguyện = {fmt.number(both)}, khác tổng số {fmt.number(values['total'])}.")
            return None
        if values["labour_force"] is not None and values["total"] > values["labour_force"]:
            self.add(row, index, "total", f"Số tham gia ({fmt.number(values['total'])}) lớn hơn lực lượng lao động "
                                          f"({fmt.number(values['labour_force'])}).", "warning")
        return values

    def run(self) -> pd.DataFrame:
        rows = self.collect("period", self.period, self.counts, lambda name, p: f"{name} kỳ {fmt.month(p)}")
        return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def _missing_communes(table: pd.DataFrame, names: dict, problems: list[Problem]) -> None:
    """One warning per month listing every commune the file leaves out of it."""
    for period, group in table.groupby("period"):
        missing = [f"{names[code]} ({code})" for code in sorted(set(names) - set(group["code"]))]
        if len(missing) == 1:
            problems.append(Problem(None, None, f"{missing[0]} không có số liệu {fmt.month(period)} "
                                                f"trong khi các xã khác có.", "warning"))
        elif missing:
            problems.append(Problem(None, None, f"{fmt.number(len(missing))} xã, phường không có số liệu "
                                                f"{fmt.month(period)}: {', '.join(missing)}.", "warning"))


def _jumps(table: pd.DataFrame, previous: pd.DataFrame, limit_pct: float, names: dict,
           problems: list[Problem]) -> None:
    known = {(r.period, r.code): r.total for r in previous.itertuples()}
    known.update({(r.period, r.code): r.total for r in table.itertuples()})
    for r in table.itertuples():
        before = known.get((add_months(r.period, -1), r.code))
        if before and abs(r.total - before) / before * 100 > limit_pct:
            problems.append(Problem(r.source_row, None,
                                    f"{names[r.code]}: tổng số {fmt.month(r.period)} là {fmt.number(r.total)}, "
                                    f"so với {fmt.number(before)} tháng trước ({fmt.signed(r.total - before)}, "
                                    f"vượt ngưỡng {fmt.number(limit_pct)} %).", "warning"))


def validate_monthly(raw: RawTable, con, settings: Settings, today: dt.date,
                     previous: pd.DataFrame | None = None) -> Checked:
    """Check a read table against the registry, the plan and the stored months before it."""
    checker = _Checker(raw, con, settings, today)
    if any(p.severity == "error" for p in raw.problems):
        return Checked(pd.DataFrame(columns=TABLE_COLUMNS), checker.problems)
    table = checker.run()
    problems = checker.problems
    if not table.empty:
        _missing_communes(table, checker.names, problems)
        _jumps(table, previous if previous is not None else table.iloc[0:0],
               settings.thresholds["monthly_change_warn_pct"], checker.names, problems)
    return Checked(table, problems)


class _AnnualChecker(_Rows):
    def year(self, index, row, value) -> int | None:
        year = self.parsed(index, row, "year", value, parse_year, "Thiếu năm.")
        if year is None:
            return None
        first, last = int(self.settings.baseline_month[:4]), self.settings.target_year
        if not first <= year <= last:
            self.add(row, index, "year", f"Năm {year} nằm ngoài thời kỳ của kế hoạch ({first}–{last}).")
            return None
        return year

    def targets(self, index, row, record) -> dict | None:
        values, ok = {}, True
        for field, label in ANNUAL_COUNT_VI.items():
            good, values[field] = self.count(index, row, field, record.get(field), label, True)
            ok &= good
        if not ok:
            return None
        if values["voluntary_min"] > values["total_target"]:
            self.add(row, index, "voluntary_min",
                     f"Chỉ tiêu tự nguyện ({fmt.number(values['voluntary_min'])}) lớn hơn chỉ tiêu chung "
                     f"({fmt.number(values['total_target'])}).")
            return None
        return values

    def run(self) -> pd.DataFrame:
        def blank(record) -> bool:  # a row not filled in (a year or commune without an official target yet)
            return all(_blank(record.get(f)) for f in ANNUAL_COUNT_VI)

        rows = self.collect("year", self.year, self.targets, lambda name, y: f"{name} năm {y}", skip=blank)
        if len(self.raw.frame) and self.raw.frame.apply(blank, axis=1).all():
            self.problems.append(Problem(None, None, "Chưa có dòng nào ghi chỉ tiêu; hãy điền chỉ tiêu chung và "
                                                     "chỉ tiêu tự nguyện tối thiểu."))
        return pd.DataFrame(rows, columns=ANNUAL_COLUMNS)

    def above_plan(self, table: pd.DataFrame, plan: dict) -> None:
        """A yearly target above the commune's target for the plan's final year."""
        for r in table.itertuples():
            for field in ANNUAL_COUNT_VI:
                final = plan.get(r.code, {}).get(field)
                if final is not None and getattr(r, field) > final:
                    self.add(r.source_row, None, field,
                             f"{self.names[r.code]}: {ANNUAL_COUNT_VI[field]} năm {r.year} "
                             f"({fmt.number(getattr(r, field))}) cao hơn chỉ tiêu năm {self.settings.target_year} "
                             f"({fmt.number(final)}).", "warning")

    def decreases(self, table: pd.DataFrame, previous: pd.DataFrame) -> None:
        """A target lower than the one of the year before, counting targets already in force."""
        new = {(r.year, r.code): r for r in table.itertuples()}
        known = {(r.year, r.code): r for r in previous.itertuples()} | new
        for code in sorted(set(table["code"])):
            years = sorted(y for y, c in known if c == code)
            for before, after in zip(years, years[1:]):
                shown = new.get((after, code)) or new.get((before, code))
                if shown is None:
                    continue
                for field in ANNUAL_COUNT_VI:
                    low, high = getattr(known[(after, code)], field), getattr(known[(before, code)], field)
                    if low < high:
                        self.add(shown.source_row, None, field,
                                 f"{self.names[code]}: {ANNUAL_COUNT_VI[field]} năm {after} ({fmt.number(low)}) "
                                 f"thấp hơn năm {before} ({fmt.number(high)}).", "warning")


def validate_annual(raw: RawTable, con, settings: Settings, previous: pd.DataFrame | None = None) -> Checked:
    """Check a read annual-target table against the registry, the plan's years and 2030 targets.

    ``previous``: the annual targets in force (year, code, total_target, voluntary_min), for the
    year-to-year comparison.
    """
    checker = _AnnualChecker(raw, con, settings)
    if any(p.severity == "error" for p in raw.problems):
        return Checked(pd.DataFrame(columns=ANNUAL_COLUMNS), checker.problems)
    table = checker.run()
    if not table.empty:
        final = db.rows(
            con, "SELECT code, sum(total_target), sum(voluntary_min) FROM targets WHERE target_year = ? GROUP BY code",
            [settings.target_year])
        checker.above_plan(table, {code: {"total_target": t, "voluntary_min": v} for code, t, v in final})
        empty = pd.DataFrame(columns=["year", "code", "total_target", "voluntary_min"])
        checker.decreases(table, previous if previous is not None else empty)
    return Checked(table, checker.problems)
