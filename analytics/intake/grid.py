"""An uploaded file as grids of cells: one per sheet, every cell as written, indexed by its file row.

Nothing is judged here. A CSV goes through pyarrow's reader when its rows all have the same
width (a national file of 200,000 rows reads in tens of milliseconds); a file with title lines,
ragged rows or line breaks inside cells goes through the csv module, which keeps the file row of
every record. An XLSX is read with openpyxl, and a merged cell's value is copied into every cell
it covers, remembering which ones were copies.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePath

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from openpyxl.utils.exceptions import InvalidFileException

from analytics.intake.problem import BadValue, raises

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")


class Unreadable(BadValue):
    """The file cannot be turned into cells: why, by code (analytics.text.messages)."""


@dataclass(frozen=True)
class Grid:
    cells: pd.DataFrame  # columns 0..n-1, index the file row (1-based); a blank cell is missing
    sheet: str | None  # None for a CSV
    merged: frozenset = field(default_factory=frozenset)  # (file row, column) cells copied from a merge

    def row(self, number: int) -> list:
        """The cells of one file row, blanks as None."""
        return [None if _blank(v) else v for v in self.cells.loc[number].tolist()]


def _blank(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value) or (
        isinstance(value, str) and not value.strip())


def decode(data: bytes) -> tuple[str, bytes]:
    """The text, and the same as UTF-8 bytes: UTF-16 (Excel's "Unicode Text"), UTF-8 with or without BOM,
    else Windows-1258 (whose tone marks come apart; whoever compares text folds them)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
        return text, text.encode("utf-8")
    try:
        return data.decode("utf-8-sig"), data.removeprefix(b"\xef\xbb\xbf")
    except UnicodeDecodeError:
        text = data.decode("cp1258")
        return text, text.encode("utf-8")


def _delimiter(text: str) -> str:
    """The separator that splits the most lines into the same number of cells."""
    sample = text[:20_000].splitlines()[:30]

    def consistency(delimiter):
        widths = Counter(len(r) for r in csv.reader(sample, delimiter=delimiter) if len(r) > 1)
        return max(((count, width) for width, count in widths.items()), default=(0, 0))

    return max(",;\t", key=consistency)


def _fast_csv(text: str, utf8: bytes, delimiter: str) -> pd.DataFrame | None:
    """Every line one record of one width, read by pyarrow; None when the file is not that regular.

    ``utf8``: the same text as UTF-8 bytes (the file itself when it was UTF-8).
    """
    if text.count("\r") != text.count("\r\n"):
        return None  # a bare carriage return inside a cell
    try:
        table = pacsv.read_csv(
            io.BytesIO(utf8),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(strings_can_be_null=True, null_values=[""],
                                                 column_types=_all_text(text, delimiter)))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    body = text.rstrip("\r\n")
    if table.num_rows != body.count("\n") + 1:
        return None  # a line break inside a quoted cell: rows would no longer be lines
    frame = table.to_pandas()
    frame.columns = range(frame.shape[1])
    frame.index = range(1, len(frame) + 1)
    return frame


def _all_text(text: str, delimiter: str) -> dict:
    width = len(next(csv.reader([text.split("\n", 1)[0]], delimiter=delimiter), []))
    return {f"f{i}": pa.string() for i in range(max(width, 1))}


def _slow_csv(text: str, delimiter: str) -> pd.DataFrame:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, numbers, line = [], [], 1
    try:
        for record in reader:
            rows.append(record)
            numbers.append(line)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise Unreadable("csv_broken", line=line, reason=str(exc)) from exc
    width = max((len(r) for r in rows), default=0)
    frame = pd.DataFrame([r + [None] * (width - len(r)) for r in rows], index=numbers, dtype=object)
    return frame.where(frame.map(lambda v: v is not None and v != ""), None) if len(frame) else frame


def _csv(data: bytes) -> list[Grid]:
    try:
        text, utf8 = decode(data)
    except UnicodeDecodeError as exc:
        raise Unreadable("csv_encoding") from exc
    delimiter = _delimiter(text)
    frame = _fast_csv(text, utf8, delimiter)
    return [Grid(frame if frame is not None else _slow_csv(text, delimiter), None)]


def _workbook(data: bytes):
    try:
        return openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise Unreadable("excel_unopenable") from exc


def _sheet(ws) -> Grid:
    grid = [list(row) for row in ws.iter_rows(values_only=True)]
    merged = set()
    for rng in ws.merged_cells.ranges:
        value = grid[rng.min_row - 1][rng.min_col - 1]
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if (r, c) != (rng.min_row, rng.min_col):
                    grid[r - 1][c - 1] = value
                    merged.add((r, c - 1))
    frame = pd.DataFrame(grid, index=range(1, len(grid) + 1), dtype=object)
    if len(frame):
        frame = frame.where(~frame.map(_blank), None)
    return Grid(frame, ws.title, frozenset(merged))


@raises("empty_file", "xls_file", "unknown_file_type", "no_such_sheet", "csv_broken", "csv_encoding",
        "excel_unopenable")
def read_grids(data: bytes, filename: str, sheet: str | None = None) -> list[Grid]:
    """Every sheet of the file (only ``sheet`` when named), as cells; raises Unreadable with the reason."""
    suffix = PurePath(filename).suffix.lower()
    if not data:
        raise Unreadable("empty_file")
    if suffix in TEXT_SUFFIXES:
        return _csv(data)
    if suffix == ".xls":
        raise Unreadable("xls_file")
    if suffix not in EXCEL_SUFFIXES:
        raise Unreadable("unknown_file_type", file=filename)
    book = _workbook(data)
    if sheet is not None and sheet not in book.sheetnames:
        raise Unreadable("no_such_sheet", sheet=sheet, sheets=list(book.sheetnames))
    return [_sheet(ws) for ws in book.worksheets if sheet is None or ws.title == sheet]

