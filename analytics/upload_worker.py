"""Reading an uploaded file in a confined child process, after the limits of analytics.upload_checks.

Even a bomb nobody foresaw only kills the child (analytics.sandbox: memory and time limits);
the server gets back the rows as JSON, or one problem saying which limit the file broke.
JSON, not pickle: the child has parsed hostile bytes and is not trusted to send code.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import PurePath

import pandas as pd

from analytics import fmt, sandbox, upload_checks
from analytics.errors import MemoryLimitExceeded, TimeLimitExceeded, WorkerFailed
from analytics.readers import LAYOUTS, Problem, RawTable, read_table

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


def _encoded(raw: RawTable) -> bytes:
    return json.dumps({
        "rows": [[_cell(v) for v in row] for row in raw.frame.itertuples(index=False, name=None)],
        "columns": raw.columns, "sheet": raw.sheet,
        "problems": [[p.row, p.column, p.message, p.severity] for p in raw.problems],
        "cells": [[n, f, text] for (n, f), text in raw.cell_columns.items()],
    }).encode()


def _decoded(body: bytes, kind: str) -> RawTable:
    found = json.loads(body)
    frame = pd.DataFrame([[_value(v) for v in row] for row in found["rows"]],
                         columns=[*LAYOUTS[kind].fields, "_row"], dtype=object)
    frame["_row"] = frame["_row"].astype(int)
    return RawTable(frame, found["columns"], [Problem(*p) for p in found["problems"]], found["sheet"],
                    {(n, f): text for n, f, text in found["cells"]})


def _read(data: bytes, filename: str, sheet: str | None, period: str | None, kind: str) -> tuple[dict, bytes]:
    """The child's work: the XML limits, then the reader."""
    if PurePath(filename).suffix.lower() in upload_checks.EXCEL_SUFFIXES and (
            refused := upload_checks.xml_refusal(data)):
        return {"refused": refused}, b""
    try:
        return {}, _encoded(read_table(data, filename, sheet=sheet, period=period, kind=kind))
    except csv.Error:
        return {"refused": f"Tệp CSV có một ô dài quá {fmt.number(csv.field_size_limit())} ký tự hoặc bị hỏng. "
                           "Hãy mở bằng Excel, kiểm tra lại các ô rồi lưu lại dạng CSV UTF-8."}, b""


def read_upload(data: bytes, filename: str, *, max_mb: int, sheet: str | None = None, period: str | None = None,
                kind: str = "monthly", limits: sandbox.Limits = LIMITS) -> RawTable:
    """``readers.read_table`` behind the upload limits and in a confined child; never raises on a bad file."""
    refused = upload_checks.refusal(data, filename, max_mb)
    if refused is None:
        try:
            header, body = sandbox.run(_read, (data, filename, sheet, period, kind), limits)
        except TimeLimitExceeded:
            refused = (f"Đọc tệp mất quá {limits.seconds()} giây nên đã dừng: tệp quá lớn hoặc bất thường. "
                       "Hãy chép riêng bảng số liệu sang một tệp mới, hoặc chia thành nhiều tệp.")
        except MemoryLimitExceeded:
            refused = (f"Đọc tệp cần quá {fmt.number(limits.memory_mb)} MB bộ nhớ nên đã dừng: tệp quá lớn hoặc "
                       "bất thường. Hãy chép riêng bảng số liệu sang một tệp mới, hoặc chia thành nhiều tệp.")
        except WorkerFailed:
            refused = "Không đọc được tệp (tệp hỏng hoặc không đúng định dạng). Hãy mở bằng Excel và lưu lại."
        else:
            refused = header.get("refused")
            if refused is None:
                return _decoded(body, kind)
    return RawTable(pd.DataFrame([], columns=[*LAYOUTS[kind].fields, "_row"], dtype=object), {},
                    [Problem(None, None, refused)], sheet)
