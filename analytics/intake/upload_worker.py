"""Reading an uploaded file in a confined child process, after the limits of analytics.intake.upload_checks.

Even a bomb nobody foresaw only kills the child (analytics.safety.sandbox: memory and time limits);
the server gets back the file's cells, or one sentence saying which limit the file broke. The
cells travel as data only, never as pickled objects (the child has parsed hostile bytes): a
regular CSV as one Arrow IPC stream of text columns, so a national file of 200,000 rows costs
milliseconds, and a workbook's cells as JSON with times tagged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import PurePath

import pandas as pd
import pyarrow as pa

import analytics.intake.upload_checks as upload_checks
from analytics.errors import MemoryLimitExceeded, TimeLimitExceeded, WorkerFailed
from analytics.intake.grid import Grid, Unreadable, read_grids
from analytics.intake.problem import raises
from analytics.safety import sandbox

sandbox.preload(__name__)

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
    if PurePath(filename).suffix.lower() in upload_checks.EXCEL_SUFFIXES and (
            refused := upload_checks.xml_refusal(data)):
        return {"refused": "file_refused", "params": {"reason": refused}}, b""
    try:
        grids = read_grids(data, filename, sheet)
    except Unreadable as exc:
        return {"refused": exc.code, "params": exc.params}, b""
    except csv.Error:
        grids = None
    if grids is None or any(_longest(g.cells) > upload_checks.MAX_CELL for g in grids if g.sheet is None):
        return {"refused": "csv_cell_too_long", "params": {"limit": upload_checks.MAX_CELL}}, b""
    if any(g.cells.shape[1] > upload_checks.MAX_COLUMNS for g in grids):
        return {"refused": "too_many_columns", "params": {"limit": upload_checks.MAX_COLUMNS}}, b""
    return _encoded(grids)


def _longest(cells: pd.DataFrame) -> int:
    """The most characters in one cell (a CSV read by pyarrow has no cell limit of its own)."""
    return max((int(cells[c].str.len().max()) for c in cells.columns
                if isinstance(cells[c].dtype, pd.StringDtype) and cells[c].notna().any()), default=0)


def confined(max_mb: int, limits: sandbox.Limits = LIMITS):
    """A reader of grids (``read_grids``'s signature) behind the upload limits and in a confined child; it raises
    Unreadable with the reason a file is refused."""
    @raises(read_grids.raises, "file_refused", "csv_cell_too_long", "too_many_columns", "read_timeout",
            "read_memory", "read_failed")
    def read(data: bytes, filename: str, sheet: str | None = None) -> list[Grid]:
        if (refused := upload_checks.refusal(data, filename, max_mb)) is not None:
            raise Unreadable("file_refused", reason=refused)
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
