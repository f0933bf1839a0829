"""An upload read behind its limits: what the bytes and the zip directory show is judged in the server, the rest
in a confined child process that then parses the file.

Communes send files an attacker may have made, and a reader that trusts them can be made to allocate
gigabytes: a 1 MB XLSX whose shared strings unzip to a 1 GB string, a whitespace bomb, a billion-laughs
entity, a million rows. The server judges the size, the real type behind the suffix, password protection
and the unzipped size and ratio (``refusal``); the child streams the XML with defusedxml, so that no entity
is ever expanded (``xml_refusal``), then reads the cells. Even a bomb nobody foresaw only kills the child
(analytics.safety.sandbox: memory and time limits); the server gets back the file's cells, or the code of
the limit the file broke (worded in analytics.text.messages). The cells travel as data only, never as
pickled objects (the child has parsed hostile bytes): a regular CSV as one Arrow IPC stream of text columns,
so a national file of 200,000 rows costs milliseconds, and a workbook's cells as JSON with times tagged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
import zlib
from pathlib import PurePath

import pandas as pd
import pyarrow as pa
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring, iterparse

from analytics.errors import MemoryLimitExceeded, TimeLimitExceeded, WorkerFailed
from analytics.intake.grid import Grid, Unreadable, read_grids
from analytics.intake.problem import raises
from analytics.safety import sandbox

sandbox.preload(__name__)

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
MAX_ROWS = 250_000  # a five-year national file in long shape has 200,000
MAX_COLUMNS = 1_000
MAX_CELL = 32_767  # Excel's own limit on the characters of one cell
MAX_UNZIPPED_MB = 200
MAX_RATIO = 100  # a real workbook part compresses 5-30 times
MAX_PARTS = 1_000
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file of .xls and of password-protected .xlsx
_ENCRYPTED = "EncryptionInfo".encode("utf-16-le")
_ODS = b"application/vnd.oasis.opendocument"
REFUSALS = frozenset(("file_too_large", "csv_not_text", "too_many_lines", "encrypted_workbook", "renamed_xls",
                      "renamed_pdf", "renamed_ods", "zip_bomb", "cell_too_long", "too_many_columns",
                      "too_many_rows", "xml_entities"))  # the limits' codes, before and in the child


def _disguise(data: bytes) -> str | None:
    """The code of what the bytes really are when they are not what either suffix promises."""
    if data.startswith(_OLE):
        return "encrypted_workbook" if _ENCRYPTED in data else "renamed_xls"
    if data.startswith(b"%PDF"):
        return "renamed_pdf"
    if data.startswith(b"PK\x03\x04") and _ODS in data[:200]:
        return "renamed_ods"
    return None


Refusal = tuple[str, dict]  # a code of analytics.text.messages and its parameters


def refusal(data: bytes, filename: str, max_mb: int) -> Refusal | None:
    """Why the file is refused before any reading, or None; judged from its size, first bytes and zip directory."""
    if len(data) > max_mb * 2**20:
        return "file_too_large", {"size_mb": len(data) / 2**20, "max_mb": max_mb}
    suffix = PurePath(filename).suffix.lower()
    if suffix in TEXT_SUFFIXES and (data.startswith((_OLE, b"PK\x03\x04", b"%PDF"))):
        return "csv_not_text", {}
    if suffix in TEXT_SUFFIXES and data.count(b"\n") > MAX_ROWS:
        return "too_many_lines", {"limit": MAX_ROWS}
    if suffix not in EXCEL_SUFFIXES:
        return None
    if code := _disguise(data):
        return code, {}
    return _zip_refusal(data)


def _zip_refusal(data: bytes) -> Refusal | None:
    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None  # the reader says the file is damaged, in its own words
    unzipped = sum(p.file_size for p in parts)
    swollen = [p for p in parts if p.file_size > 2**20 and p.file_size > MAX_RATIO * max(p.compress_size, 1)]
    if len(parts) > MAX_PARTS or unzipped > MAX_UNZIPPED_MB * 2**20 or swollen:
        return "zip_bomb", {"unzipped_mb": unzipped / 2**20, "limit_mb": MAX_UNZIPPED_MB, "ratio": MAX_RATIO}
    return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _column_number(ref: str) -> int:
    number = 0
    letters = re.match(r"[A-Z]*", ref)
    assert letters is not None  # "*" matches, if only the empty text
    for letter in letters.group():
        number = number * 26 + ord(letter) - 64
    return number


def xml_refusal(data: bytes) -> Refusal | None:
    """Why the workbook's XML is refused, or None: entities, an over-long cell, too many rows or columns.

    Streams each part with defusedxml (a DTD is refused before any entity exists), clearing
    what it has read. A damaged zip or malformed XML is left for the reader to name in its own words.
    """
    try:
        return _scan(zipfile.ZipFile(io.BytesIO(data)))
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError, SyntaxError):
        return None


def _scan(book: zipfile.ZipFile) -> Refusal | None:
    for part in book.namelist():
        if not part.endswith(".xml") or not part.startswith("xl/"):
            continue
        rows = 0
        try:
            with book.open(part) as stream:
                for _, element in iterparse(stream, forbid_dtd=True):
                    tag = _local(element.tag)
                    if tag in ("t", "v", "f") and element.text and len(element.text) > MAX_CELL:
                        return "cell_too_long", {"limit": MAX_CELL}
                    if tag == "c" and _column_number(element.get("r") or "") > MAX_COLUMNS:
                        return "too_many_columns", {"limit": MAX_COLUMNS}
                    rows += tag == "row"
                    if tag in ("row", "si"):
                        element.clear()
                    if rows > MAX_ROWS:
                        return "too_many_rows", {"limit": MAX_ROWS}
        except DefusedXmlException:
            return "xml_entities", {}
    return None


def sheet_names(data: bytes, filename: str, max_mb: int) -> list[str]:
    """The sheets to offer for choosing, from the workbook part alone; none for CSV or a refused file."""
    if PurePath(filename).suffix.lower() not in EXCEL_SUFFIXES or refusal(data, filename, max_mb):
        return []
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        if book.getinfo("xl/workbook.xml").file_size > 2**20:
            return []
        root = fromstring(book.read("xl/workbook.xml"), forbid_dtd=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError, DefusedXmlException):
        return []
    return [name for e in root.iter() if _local(e.tag) == "sheet" and (name := e.get("name")) is not None]

LIMITS = sandbox.Limits(memory_mb=1024, time_s=60, answer_mb=256)
_TIMES = {"datetime": dt.datetime, "date": dt.date, "time": dt.time}


def _cell(value):
    """A cell as JSON: text and numbers as they are, times tagged."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, dt.timedelta):
        return {"timedelta": value.total_seconds()}
    for tag, kind in _TIMES.items():
        if type(value) is kind:
            return {tag: value.isoformat()}
    return str(value)


def _value(cell):
    if not isinstance(cell, dict):
        return cell
    (tag, text), = cell.items()
    return dt.timedelta(seconds=text) if tag == "timedelta" else _TIMES[tag].fromisoformat(text)


def _texts(cells: pd.DataFrame) -> bool:
    return all(isinstance(dtype, pd.StringDtype) for dtype in cells.dtypes)


def _encoded(grids: list[Grid]) -> tuple[dict, bytes]:
    """(a header naming each grid's sheet, merged cells and how its cells travel, the cells themselves)."""
    described, parts = [], []
    for grid in grids:
        cells = grid.cells.copy()
        cells.columns = [str(c) for c in cells.columns]
        if _texts(cells):
            table = pa.Table.from_pandas(cells.assign(_row=cells.index.to_numpy()), preserve_index=False)
            sink = io.BytesIO()
            with pa.ipc.new_stream(sink, table.schema) as stream:
                stream.write_table(table)
            part, how = sink.getvalue(), "arrow"
        else:
            rows = [[_cell(v) for v in row] for row in cells.itertuples(index=False)]
            part, how = json.dumps({"rows": cells.index.tolist(), "cells": rows}).encode(), "json"
        described.append({"sheet": grid.sheet, "merged": sorted(grid.merged), "how": how, "size": len(part),
                          "width": len(cells.columns)})
        parts.append(part)
    return {"grids": described}, b"".join(parts)


def _decoded(header: dict, body: bytes) -> list[Grid]:
    grids, at = [], 0
    for found in header["grids"]:
        part = body[at:at + found["size"]]
        at += found["size"]
        if found["how"] == "arrow":
            frame = pa.ipc.open_stream(part).read_all().to_pandas()
            cells = frame.drop(columns="_row").set_axis(frame["_row"].to_numpy())
        else:
            rows = json.loads(part)
            cells = pd.DataFrame([[_value(v) for v in row] for row in rows["cells"]], index=rows["rows"],
                                 columns=range(found["width"]), dtype=object)
        cells.columns = range(found["width"])
        grids.append(Grid(cells, found["sheet"], frozenset(tuple(m) for m in found["merged"])))
    return grids


def _read(data: bytes, filename: str, sheet: str | None) -> tuple[dict, bytes]:
    """The child's work: the XML limits, then the cells of every sheet."""
    if PurePath(filename).suffix.lower() in EXCEL_SUFFIXES and (
            refused := xml_refusal(data)):
        return {"refused": refused[0], "params": refused[1]}, b""
    try:
        grids = read_grids(data, filename, sheet)
    except Unreadable as exc:
        return {"refused": exc.code, "params": exc.params}, b""
    except csv.Error:
        grids = None
    if grids is None or any(_longest(g.cells) > MAX_CELL for g in grids if g.sheet is None):
        return {"refused": "csv_cell_too_long", "params": {"limit": MAX_CELL}}, b""
    if any(g.cells.shape[1] > MAX_COLUMNS for g in grids):
        return {"refused": "too_many_columns", "params": {"limit": MAX_COLUMNS}}, b""
    return _encoded(grids)


def _longest(cells: pd.DataFrame) -> int:
    """The most characters in one cell (a CSV read by pyarrow has no cell limit of its own)."""
    return max((int(cells[c].str.len().max()) for c in cells.columns
                if isinstance(cells[c].dtype, pd.StringDtype) and cells[c].notna().any()), default=0)


def reader(max_mb: int, limits: sandbox.Limits = LIMITS):
    """A reader of grids (``read_grids``'s signature) behind the upload limits and in a confined child; it raises
    Unreadable with the reason a file is refused."""
    @raises(read_grids.raises, REFUSALS, "csv_cell_too_long", "read_timeout", "read_memory", "read_failed")
    def read(data: bytes, filename: str, sheet: str | None = None) -> list[Grid]:
        if (refused := refusal(data, filename, max_mb)) is not None:
            raise Unreadable(refused[0], **refused[1])
        try:
            header, body = sandbox.run(_read, (data, filename, sheet), limits)
        except TimeLimitExceeded as exc:
            raise Unreadable("read_timeout", seconds=limits.seconds()) from exc
        except MemoryLimitExceeded as exc:
            raise Unreadable("read_memory", memory_mb=limits.memory_mb) from exc
        except WorkerFailed as exc:
            raise Unreadable("read_failed") from exc
        if "refused" in header:
            raise Unreadable(header["refused"], **header["params"])
        return _decoded(header, body)
    return read
