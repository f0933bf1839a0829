"""Reading the per-commune counts people send, whatever the file looks like.

CSV or XLSX, title rows, one- or two-row headers, headers worded many ways, and
three shapes (one month, long, one column per month). Cells come out as written,
each with its file row and header, so the validator can point at the exact cell;
judging the values is not done here. Annual-target files (``kind="annual"``) go
through the same steps with their own fields and header wordings, long shape only.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from numbers import Real
from pathlib import PurePath

import openpyxl
import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException

from analytics.names import fold, nfc

FIELDS = ("period", "code", "commune", "total", "compulsory", "voluntary", "labour_force")
IDENTITY = ("code", "commune")
MEASURES = ("total", "compulsory", "voluntary", "labour_force")
REQUIRED_MEASURES = ("total", "voluntary")

LABELS = {
    "period": "Kỳ báo cáo", "code": "Mã xã", "commune": "Tên xã/phường",
    "total": "Tổng số người tham gia", "compulsory": "BHXH bắt buộc", "voluntary": "BHXH tự nguyện",
    "labour_force": "Lực lượng lao động trong độ tuổi",
}

# Header wordings seen in real files; compared by _key, so case, accents, brackets
# and filler words ("số người tham gia", "BHXH") do not matter. Extend here.
ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("Mã xã", "Mã xã/phường", "Mã đơn vị", "Mã ĐVHC", "Mã đơn vị hành chính", "Mã", "code",
             "commune code", "unit code"),
    "commune": ("Tên xã/phường", "Xã/phường", "Xã, phường", "Xã", "Phường", "Tên xã", "Tên đơn vị", "Đơn vị",
                "Đơn vị hành chính", "Tên", "commune", "name", "commune name", "unit"),
    "total": ("Tổng số", "Tổng số người tham gia", "Tổng", "Tổng số người tham gia BHXH", "total",
              "participants", "total participants"),
    "compulsory": ("Bắt buộc", "BHXH bắt buộc", "Số người tham gia BHXH bắt buộc", "compulsory"),
    "voluntary": ("Tự nguyện", "BHXH tự nguyện", "Số người tham gia BHXH tự nguyện", "voluntary"),
    "labour_force": ("Lực lượng lao động", "Lực lượng lao động trong độ tuổi", "LLLĐ", "LLLĐ trong độ tuổi",
                     "labour force", "labor force"),
    "period": ("Kỳ", "Tháng", "Kỳ báo cáo", "Tháng báo cáo", "Tháng/năm", "period", "month"),
}
ANNUAL_FIELDS = ("year", "code", "commune", "total_target", "voluntary_min")
ANNUAL_LABELS = {"year": "Năm", "code": "Mã xã", "commune": "Tên xã, phường", "total_target": "Chỉ tiêu chung",
                 "voluntary_min": "Chỉ tiêu tự nguyện tối thiểu"}
ANNUAL_ALIASES: dict[str, tuple[str, ...]] = {
    "year": ("Năm", "year"),
    "code": ALIASES["code"],
    "commune": ALIASES["commune"],
    "total_target": ("Chỉ tiêu chung", "Chỉ tiêu tổng", "Chỉ tiêu", "target"),
    "voluntary_min": ("Chỉ tiêu tự nguyện", "Chỉ tiêu tự nguyện tối thiểu", "Chỉ tiêu BHXH tự nguyện tối thiểu",
                      "voluntary target"),
}
_FILLER = {"so", "nguoi", "tham", "gia", "bhxh"}
TOTAL_ROW_MARKERS = ("Tổng", "Tổng cộng", "Cộng", "Toàn tỉnh", "Tổng toàn tỉnh", "Cộng toàn tỉnh", "Total",
                     "Grand total")
HEADER_SEARCH_ROWS = 20
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")


@dataclass(frozen=True)
class Problem:
    row: int | None  # file row as the person sees it (1-based); None = whole file
    column: str | None  # header as written; None = whole row or file
    message: str
    severity: str = "error"  # "error" blocks the upload, "warning" needs confirmation


@dataclass
class RawTable:
    frame: pd.DataFrame  # FIELDS + _row, one row per (commune, period), cells as written, None where absent
    columns: dict[str, str]  # field -> header as written (month columns joined by ", ")
    problems: list[Problem]
    sheet: str | None
    cell_columns: dict[tuple[int, str], str] = field(default_factory=dict)  # (frame index, field) -> header


@dataclass(frozen=True)
class Layout:
    """What one kind of file holds: its fields, their labels and the headers that name them."""

    fields: tuple[str, ...]
    labels: dict[str, str]
    aliases: dict[str, tuple[str, ...]]
    measures: tuple[str, ...]
    required: tuple[str, ...]  # measures a file must have
    when: str  # the field saying when a figure applies
    month_columns: bool  # whether a header cell may name a month (one column per month)

    @cached_property
    def keys(self) -> dict[str, str]:
        """Header key (see _key) -> field."""
        return {_key(alias): name for name, aliases in self.aliases.items() for alias in aliases}


@dataclass(frozen=True)
class _Column:
    index: int
    field: str
    label: str
    period: str | None = None  # the month of a wide file's month column
    period_label: str | None = None  # the header cell that gave that month


class _Unreadable(Exception):
    """The file cannot be turned into rows; the message is for the person."""


def _key(text) -> str:
    """Accent- and case-free words of a header, without brackets and filler words."""
    text = re.sub(r"[\W_]+", " ", re.sub(r"\(.*?\)", " ", nfc(text)))
    # fold drops a leading Xã/Phường as a unit prefix; in a header that word is the meaning.
    return " ".join(w for w in fold("_ " + text).split() if w not in _FILLER)


MONTHLY = Layout(FIELDS, LABELS, ALIASES, MEASURES, REQUIRED_MEASURES, "period", True)
ANNUAL = Layout(ANNUAL_FIELDS, ANNUAL_LABELS, ANNUAL_ALIASES, ("total_target", "voluntary_min"),
                ("total_target", "voluntary_min"), "year", False)
LAYOUTS = {"monthly": MONTHLY, "annual": ANNUAL}
_TOTAL_KEYS = {_key(marker) for marker in TOTAL_ROW_MARKERS}


def accepted(name: str, layout: Layout = MONTHLY) -> str:
    """The header names accepted for a field, for messages."""
    return ", ".join(f"“{alias}”" for alias in layout.aliases[name])


# ---------------------------------------------------------------- values

_THOUSANDS = re.compile(r"\d{1,3}(?:([. ])\d{3})?(?:\1\d{3})*")
_PERIODS = (
    re.compile(r"(?P<y>\d{4})\s*[-/.]\s*(?P<m>\d{1,2})(?:[-/.]\d{1,2}(?:[ t][\d:.]+)?)?"),
    re.compile(r"(?:tháng|thang|th\.?|t)?\s*(?P<m>\d{1,2})\s*(?:[-/.]|\s(?:năm|nam)\s)\s*(?P<y>\d{4})"),
)


def parse_count(value) -> int:
    """A head count as written: '12.345', '1 234', 12345.0; ValueError says why not."""
    if isinstance(value, bool) or value is None or value != value:  # NaN is how pandas writes a blank
        raise ValueError("ô không có số")
    if isinstance(value, Real):
        if not isinstance(value, int) and not float(value).is_integer():
            raise ValueError(f"{value} không phải số nguyên; số người phải là số nguyên")
        number = int(value)
    else:
        text = re.sub(r"\s+", " ", str(value)).strip()
        if not text:
            raise ValueError("ô không có số")
        if re.fullmatch(r"[-\u2212] ?\d[\d. ]*", text):
            raise ValueError(f"“{text}” là số âm; số người phải từ 0 trở lên")
        if "," in text:
            raise ValueError(f"“{text}” có dấu phẩy; số người là số nguyên, tách nghìn bằng dấu chấm: 12.345")
        if text.isdecimal():
            return int(text)
        if not _THOUSANDS.fullmatch(text):
            raise ValueError(f"“{text}” không phải là số nguyên; hãy ghi số người, ví dụ 12345 hoặc 12.345")
        number = int(re.sub(r"[. ]", "", text))
    if number < 0:
        raise ValueError(f"{number} là số âm; số người phải từ 0 trở lên")
    return number


def parse_period(value) -> str:
    """'YYYY-MM' from the ways people write a month; ValueError says why not."""
    if isinstance(value, date):
        return f"{value.year:04d}-{value.month:02d}"
    text = nfc(value).lower() if isinstance(value, str) else ""
    for pattern in _PERIODS:
        if found := pattern.fullmatch(text):
            year, month = int(found["y"]), int(found["m"])
            if 1 <= month <= 12:
                return f"{year:04d}-{month:02d}"
            raise ValueError(f"“{value}”: tháng {month} không có; tháng phải từ 1 đến 12")
    raise ValueError(f"“{value}” không phải là tháng; hãy ghi theo dạng 2026-01 hoặc 01/2026")


def parse_year(value) -> int:
    """A year as written: 2027, 2027.0, '2027', 'Năm 2027'; ValueError says why not."""
    if isinstance(value, Real) and not isinstance(value, bool) and float(value).is_integer():
        value = str(int(value))
    text = nfc(value).lower() if isinstance(value, str) else ""
    if found := re.fullmatch(r"(?:năm|nam)?\s*(\d{4})", text):
        return int(found[1])
    raise ValueError(f"“{value}” không phải là năm; hãy ghi năm bằng bốn chữ số, ví dụ 2027")


# ---------------------------------------------------------------- files to rows

def _cell(value):
    if isinstance(value, str):
        return nfc(value) or None
    return value


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1258")  # tone marks come apart; every cell goes through nfc


def _delimiter(text: str) -> str:
    """The separator that splits the most lines into the same number of cells."""
    sample = text.splitlines()[:30]

    def consistency(delimiter):
        widths = Counter(len(r) for r in csv.reader(sample, delimiter=delimiter) if len(r) > 1)
        return max(((count, width) for width, count in widths.items()), default=(0, 0))

    return max(",;\t", key=consistency)


def _csv_rows(data: bytes) -> list[tuple[int, list]]:
    try:
        text = _decode(data)
    except UnicodeDecodeError as exc:
        raise _Unreadable("Không đọc được bảng mã của tệp CSV; hãy lưu lại dạng CSV UTF-8.") from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    rows, line = [], 1
    try:
        for record in reader:
            rows.append((line, [_cell(c) for c in record]))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise _Unreadable(f"Tệp CSV bị lỗi ở dòng {line}: {exc}. Hãy mở bằng Excel và lưu lại.") from exc
    return rows


def _workbook(data: bytes, read_only: bool = False):
    try:
        return openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=read_only)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise _Unreadable("Không mở được tệp Excel (tệp hỏng hoặc không phải .xlsx); "
                          "hãy mở bằng Excel và lưu lại dạng .xlsx.") from exc


def _xlsx_rows(data: bytes, sheet: str | None) -> tuple[list[tuple[int, list]], set, str]:
    book = _workbook(data)
    if sheet is not None and sheet not in book.sheetnames:
        names = ", ".join(f"“{n}”" for n in book.sheetnames)
        raise _Unreadable(f"Tệp không có trang tính “{sheet}”; các trang có trong tệp: {names}.")
    ws = book[sheet] if sheet is not None else book.worksheets[0]
    grid = [[_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
    merged = set()
    for rng in ws.merged_cells.ranges:
        value = grid[rng.min_row - 1][rng.min_col - 1]
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if (r, c) != (rng.min_row, rng.min_col):
                    grid[r - 1][c - 1] = value
                    merged.add((r, c - 1))
    return list(enumerate(grid, start=1)), merged, ws.title


def _rows(data: bytes, filename: str, sheet: str | None):
    suffix = PurePath(filename).suffix.lower()
    if not data:
        raise _Unreadable("Tệp rỗng; hãy chọn lại tệp có số liệu.")
    if suffix in EXCEL_SUFFIXES:
        return _xlsx_rows(data, sheet)
    if suffix in TEXT_SUFFIXES:
        return _csv_rows(data), set(), None
    if suffix == ".xls":
        raise _Unreadable("Chưa đọc được tệp .xls (Excel 97–2003); hãy mở bằng Excel và lưu lại dạng .xlsx.")
    raise _Unreadable(f"Không nhận dạng được loại tệp “{filename}”; hãy tải lên tệp .xlsx hoặc .csv.")


def sheet_names(data: bytes, filename: str) -> list[str]:
    """The sheets to offer for choosing; none for CSV or an unreadable file.

    Read from the workbook part alone, behind the upload limits, so a bomb is never opened in the server.
    """
    from analytics.settings import load_settings
    from analytics.upload_checks import sheet_names as listed  # it needs nothing from this module

    return listed(data, filename, load_settings().upload_max_mb)


# ---------------------------------------------------------------- header

def _field(value, layout: Layout) -> str | None:
    return layout.keys.get(_key(value)) if isinstance(value, str) else None


def _month(value, layout: Layout) -> str | None:
    """The month a header names ('Tháng 1/2026 (người)', a date); None for any other header."""
    if not layout.month_columns:
        return None
    if isinstance(value, str):
        value = re.sub(r"\(.*?\)", "", value).strip()
    try:
        return parse_period(value) if isinstance(value, (str, date)) else None
    except ValueError:
        return None


def _label(value) -> str:
    return f"{value.month:02d}/{value.year}" if isinstance(value, date) else str(value)


def _column(index: int, upper, lower, layout: Layout) -> _Column | None:
    """What one header column holds, from its upper and (in a two-row header) lower cell."""
    upper_field, lower_field = _field(upper, layout), _field(lower, layout)
    upper_month, lower_month = _month(upper, layout), _month(lower, layout)
    if upper_month and lower_field in layout.measures:
        return _Column(index, lower_field, f"{_label(upper)} – {_label(lower)}", upper_month, _label(upper))
    if lower_month and upper_field in layout.measures:
        return _Column(index, upper_field, f"{_label(upper)} – {_label(lower)}", lower_month, _label(lower))
    if lower_field:
        return _Column(index, lower_field, _label(lower))
    if lower_month:
        return _Column(index, "total", _label(lower), lower_month, _label(lower))
    if lower is None and upper_month:
        return _Column(index, "total", _label(upper), upper_month, _label(upper))
    if lower is None and upper_field:
        return _Column(index, upper_field, _label(upper))
    return None


def _carry_right(upper: list, lower: list, layout: Layout) -> list:
    """A parent header left blank over its sub-headers (CSV, no merge) spans them."""
    out, carry = [], None
    for up, low in zip(upper, lower):
        if up is not None:
            carry = None if _field(up, layout) in (*IDENTITY, layout.when) else up
        out.append(up if up is not None or low is None else carry)
    return out


def _header(rows, merged, i, layout: Layout) -> tuple[list[_Column], int]:
    """The columns if row i starts the header, and how many rows the header takes."""
    number, upper = rows[i]
    lower = rows[i + 1][1] if i + 1 < len(rows) else []
    width = max(len(upper), len(lower))
    upper, lower = upper + [None] * (width - len(upper)), lower + [None] * (width - len(lower))

    def names(value):
        return _field(value, layout) or _month(value, layout)

    two_rows = any(names(v) for v in upper) and any(
        (upper[c] is None or (number, c) in merged) and names(lower[c]) for c in range(width))
    if not two_rows:
        return [col for c in range(width) if (col := _column(c, upper[c], None, layout))], 1
    upper = _carry_right(upper, lower, layout)
    return [col for c in range(width) if (col := _column(c, upper[c], lower[c], layout))], 2


def _find_header(rows, merged, layout: Layout) -> tuple[int, list[_Column], int] | None:
    """The first row naming a commune column and another field; failing that, any row naming two.

    A form line such as "Kỳ báo cáo: | Tháng 03/2026" above the table names two things too, so a
    row that also names the code or name column wins over it.
    """
    candidates = []
    for i in range(min(HEADER_SEARCH_ROWS, len(rows))):
        columns, height = _header(rows, merged, i, layout)
        found = {c.field for c in columns} | ({"month"} if any(c.period for c in columns) else set())
        if len(found) >= 2:
            if found & set(IDENTITY):
                return i, columns, height
            candidates.append((i, columns, height))
    return candidates[0] if candidates else None


def _dedupe(columns: list[_Column], row: int, layout: Layout) -> tuple[list[_Column], list[Problem]]:
    """The first of two columns meaning the same is kept; the person is told to fix the other."""
    unique, problems = {}, []
    for col in columns:
        first = unique.setdefault((col.field, col.period), col)
        if first is not col:
            problems.append(Problem(row, col.label, f"Cột “{first.label}” và cột “{col.label}” cùng là "
                                    f"{layout.labels[col.field]}; hãy xoá hoặc đổi tên một cột."))
    return list(unique.values()), problems


def _missing(fields: set, wanted, row: int, layout: Layout) -> list[Problem]:
    return [Problem(row, None, f"Thiếu cột “{layout.labels[f]}”. Tên cột được chấp nhận: {accepted(f, layout)}.")
            for f in wanted if f not in fields]


def _header_problems(columns: list[_Column], row: int, layout: Layout) -> list[Problem]:
    problems = []
    fields = {c.field for c in columns}
    months = list(dict.fromkeys(c.period for c in columns if c.period))
    if not fields & set(IDENTITY):
        problems.append(Problem(row, None, "Thiếu cột mã xã hoặc tên xã/phường (cần ít nhất một). "
                                f"Tên cột được chấp nhận: {accepted('code')}; hoặc {accepted('commune')}."))
    if not layout.month_columns:  # the file must say when: no month to choose on upload
        return problems + _missing(fields, (layout.when, *layout.required), row, layout)
    if months and "period" in fields:
        problems.append(Problem(row, None, "Tệp vừa có cột kỳ báo cáo vừa có cột theo từng tháng; "
                                "hãy giữ một cách ghi tháng."))
    if not months:
        problems += _missing(fields, REQUIRED_MEASURES, row, layout)
    elif any(c.period and c.field != "total" for c in columns):
        for month in months:
            label = next(c.period_label for c in columns if c.period == month)
            have = {c.field for c in columns if c.period == month}
            problems += [Problem(row, label, f"Tháng “{label}” thiếu cột “{LABELS[f]}”. "
                                 f"Tên cột được chấp nhận: {accepted(f)}.")
                         for f in REQUIRED_MEASURES if f not in have]
    else:
        problems.append(Problem(row, None, "Các cột theo tháng chỉ có tổng số người tham gia, thiếu số "
                                "BHXH tự nguyện. Hãy ghi tháng ở dòng tiêu đề trên và Tổng số / Bắt buộc / "
                                "Tự nguyện ở dòng dưới, hoặc dùng mẫu tải về."))
    return problems


# ---------------------------------------------------------------- rows to records

def _is_numbering(cells: list, columns: list[_Column]) -> bool:
    """The '(1) (2) (3)' or 'A B 1 2' row many reports put under the header."""
    short = [re.fullmatch(r"\(?[A-Za-z0-9]{1,2}\)?", str(v)) for v in cells if v is not None]
    identity = [cells[c.index] for c in columns if c.field in IDENTITY]
    return len(short) >= 2 and all(short) and bool(identity) and all(v is not None for v in identity)


def _total_label(cells: list, columns: list[_Column], layout: Layout) -> str | None:
    measures = {c.index for c in columns if c.field in layout.measures}
    return next((v for i, v in enumerate(cells)
                 if i not in measures and isinstance(v, str) and _key(v) in _TOTAL_KEYS), None)


def _records(rows, start: int, columns: list[_Column], layout: Layout):
    """One record per commune row (per filled month in a wide file) and the header of each cell."""
    fixed = [c for c in columns if c.period is None]
    months = list(dict.fromkeys(c.period for c in columns if c.period))
    width = max(c.index for c in columns) + 1
    records, labels, problems, first = [], [], [], True
    for number, cells in rows[start:]:
        cells = cells + [None] * (width - len(cells))
        if all(v is None for v in cells):
            continue
        if first and _is_numbering(cells, columns):
            continue
        first = False
        if marker := _total_label(cells, columns, layout):
            problems.append(Problem(number, None, f"Dòng tổng “{marker}” đã được bỏ qua; tổng được tính lại "
                                    "từ các xã/phường.", "warning"))
            continue
        base = dict.fromkeys(layout.fields) | {"_row": number} | {c.field: cells[c.index] for c in fixed}
        base_labels = {c.field: c.label for c in fixed}
        for month in months or [None]:
            record, label = dict(base), dict(base_labels)
            if month:
                month_columns = [c for c in columns if c.period == month]
                if all(cells[c.index] is None for c in month_columns):
                    continue  # a month not filled in yet
                record |= {"period": month} | {c.field: cells[c.index] for c in month_columns}
                label |= {"period": month_columns[0].period_label} | {c.field: c.label for c in month_columns}
            records.append(record)
            labels.append(label)
    return records, labels, problems


def _fill_period(records: list[dict], labels: list[dict], period: str | None) -> list[Problem]:
    """The chosen month stands in where the file gives none."""
    missing = [n for n, r in enumerate(records) if r["period"] is None]
    if not missing or (period is None and len(missing) < len(records)):
        return []  # blank cells in a period column are the validator's to name
    if period is None:
        return [Problem(None, None, "Tệp không ghi kỳ báo cáo; hãy chọn tháng của số liệu rồi tải lên lại.")]
    try:
        month = parse_period(period)
    except ValueError as exc:
        return [Problem(None, None, f"Tháng đã chọn không hợp lệ: {exc}.")]
    for n in missing:
        records[n]["period"] = month
        labels[n].pop("period", None)
    return []


def _empty(problems: list[Problem], sheet: str | None, layout: Layout) -> RawTable:
    return RawTable(pd.DataFrame([], columns=[*layout.fields, "_row"], dtype=object), {}, problems, sheet)


def read_table(data: bytes, filename: str, *, sheet: str | None = None, period: str | None = None,
               kind: str = "monthly") -> RawTable:
    """Rows of one upload as written, with every reading problem; never raises on a bad file.

    ``kind`` is "monthly" (results; ``period`` fills a missing month) or "annual" (targets per year).
    """
    layout = LAYOUTS[kind]
    try:
        rows, merged, sheet_name = _rows(data, filename, sheet)
    except _Unreadable as exc:
        return _empty([Problem(None, None, str(exc))], sheet, layout)
    if not any(any(v is not None for v in cells) for _, cells in rows):
        return _empty([Problem(None, None, "Tệp không có dữ liệu; hãy chọn lại tệp có số liệu.")], sheet_name,
                      layout)
    found = _find_header(rows, merged, layout)
    if found is None:
        first = layout.measures[0]
        message = (f"Không tìm thấy dòng tiêu đề trong {HEADER_SEARCH_ROWS} dòng đầu. "
                   f"Cần cột {LABELS['code']} ({accepted('code')}) hoặc {LABELS['commune']} "
                   f"({accepted('commune')}), và cột số liệu như {accepted(first, layout)}.")
        return _empty([Problem(None, None, message)], sheet_name, layout)
    i, columns, height = found
    header_row = rows[i][0]
    columns, problems = _dedupe(columns, header_row, layout)
    problems += _header_problems(columns, header_row, layout)
    records, labels, row_problems = _records(rows, i + height, columns, layout)
    if not records:
        problems.append(Problem(None, None, "Không có dòng số liệu nào dưới dòng tiêu đề."))
    if layout.month_columns:
        problems += _fill_period(records, labels, period)
    problems += row_problems
    frame = pd.DataFrame(records, columns=[*layout.fields, "_row"], dtype=object)
    frame["_row"] = frame["_row"].astype(int)
    named: dict[str, list[str]] = {}
    for col in columns:
        named.setdefault(col.field, []).append(col.label)
        if col.period:
            named.setdefault("period", []).append(col.period_label)
    cell_columns = {(n, f): text for n, label in enumerate(labels) for f, text in label.items()}
    return RawTable(frame, {f: ", ".join(dict.fromkeys(v)) for f, v in named.items()}, problems, sheet_name,
                    cell_columns)
