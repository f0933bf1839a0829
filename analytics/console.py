"""A SQL console for analysts over three documented, read-only tables and nothing else.

DuckDB has no permissions: any connection to the database file can read every table
in it, users' password hashes and the audit log included, and temporary views cannot
hide them. So the console never gets a connection to the file. ``open_console`` reads
the documented views through fixed queries, copies their rows into a fresh in-memory
database, and locks that database down: external access (files, URLs, ATTACH,
extensions) off from the first instant, Python variable scans off, memory, threads
and spilling bounded, then the configuration locked so no query can loosen it.
``run_query`` also parses the text first and runs only a single SELECT, inside a
read-only transaction, with a row cap and a timer that interrupts it.
"""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pandas as pd

from analytics import db, fmt, metrics, store
from analytics.errors import QueryFailed, QueryRefused, QueryTimeout

MEMORY_LIMIT = "512MB"
THREADS = 2
ROW_LIMIT = 10_000
TIME_LIMIT_S = 5.0

_CONFIG = {
    "enable_external_access": False,
    "python_enable_replacements": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    "allow_persistent_secrets": False,
    "memory_limit": MEMORY_LIMIT,
    "threads": THREADS,
    "temp_directory": "",  # nothing spills to the server's disk
}

VIEWS_DOC = {
    "v_thang": {
        "description": "Số liệu hằng tháng đang có hiệu lực của từng xã, phường (bản tải lên mới nhất, "
                       "không tính bản đã rút). Số người là số có tại cuối tháng.",
        "columns": {
            "period": "Tháng, dạng NNNN-TT (ví dụ 2026-05)",
            "code": "Mã đơn vị hành chính",
            "name": "Tên xã, phường",
            "total": "Tổng số người tham gia BHXH",
            "compulsory": "Số người tham gia bắt buộc (có thể trống)",
            "voluntary": "Số người tham gia tự nguyện",
            "labour_force": "Lực lượng lao động trong độ tuổi (có thể trống)",
        },
    },
    "v_xa": {
        "description": "Danh mục xã, phường với huyện, tỉnh cũ và chỉ tiêu năm kế hoạch.",
        "columns": {
            "code": "Mã đơn vị hành chính",
            "name": "Tên xã, phường",
            "former_district": "Huyện cũ trước sắp xếp",
            "former_province": "Tỉnh cũ trước sắp xếp",
            "target": "Chỉ tiêu tổng số người tham gia",
            "voluntary_min": "Chỉ tiêu tối thiểu tham gia tự nguyện",
        },
    },
    "v_tai_len": {
        "description": "Các lần tải số liệu lên (cả bản đã rút).",
        "columns": {
            "id": "Số thứ tự lần tải lên",
            "kind": "Loại số liệu",
            "file_name": "Tên tệp",
            "uploaded_by": "Người tải lên",
            "uploaded_at": "Thời điểm tải lên",
            "periods": "Các tháng có trong tệp",
            "rows_read": "Số dòng đọc được",
            "rows_stored": "Số dòng lưu",
            "is_demo": "Là dữ liệu minh hoạ",
            "note": "Ghi chú",
            "withdrawn_at": "Thời điểm rút (trống nếu còn hiệu lực)",
            "withdrawn_by": "Người rút",
        },
    },
}
_TABLES = ", ".join(VIEWS_DOC)


def _views(con) -> dict[str, pd.DataFrame]:
    """The documented columns of each view, and only those, read with the project's own queries."""
    units = metrics.communes(con)
    frames = {
        "v_thang": store.monthly(con).merge(units[["code", "name"]], on="code", how="left"),
        "v_xa": units,
        "v_tai_len": store.uploads(con),
    }
    return {name: frames[name][list(doc["columns"])] for name, doc in VIEWS_DOC.items()}


def open_console(source: str | Path | duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A locked in-memory database holding a snapshot of the views.

    ``source`` is the database path, opened read-only just for the copy and closed, or an
    open connection to it (a process that already holds the file cannot open it again with
    another configuration).
    """
    if isinstance(source, duckdb.DuckDBPyConnection):
        frames = _views(source)
    else:
        con = db.connect(source, read_only=True)
        try:
            frames = _views(con)
        finally:
            con.close()
    console = duckdb.connect(":memory:", config=_CONFIG)
    for name, frame in frames.items():
        console.register("_frame", frame)
        console.execute(f"CREATE TABLE {name} AS SELECT * FROM _frame")  # name: a VIEWS_DOC key
        console.unregister("_frame")
    console.execute("SET lock_configuration = true")
    return console


def _single_select(console, sql: str):
    """The one SELECT statement in ``sql``; anything else is refused before it runs."""
    try:
        statements = console.extract_statements(sql)
    except duckdb.Error as exc:
        raise _translated(exc, 0) from exc
    if not statements:
        raise QueryRefused("Chưa có câu lệnh nào. Chỉ cho phép một câu lệnh SELECT, ví dụ: "
                           "SELECT * FROM v_xa LIMIT 10")
    if len(statements) > 1:
        raise QueryRefused(f"Chỉ cho phép một câu lệnh SELECT mỗi lần chạy; văn bản có {len(statements)} câu "
                           "lệnh. Hãy xoá các câu lệnh sau dấu chấm phẩy.")
    if statements[0].type != duckdb.StatementType.SELECT:
        raise QueryRefused(f"Chỉ cho phép một câu lệnh SELECT (đọc dữ liệu); câu lệnh {statements[0].type.name} "
                           f"bị từ chối. Hãy viết truy vấn SELECT trên các bảng {_TABLES}.")
    return statements[0]


def _translated(exc: duckdb.Error, time_limit_s: float) -> Exception:
    """DuckDB's error as a named project error whose Vietnamese message says how to fix the query."""
    detail = str(exc).splitlines()[0]
    if isinstance(exc, duckdb.InterruptException):
        seconds = fmt.number(time_limit_s, 0 if float(time_limit_s).is_integer() else 1)
        return QueryTimeout(f"Truy vấn vượt quá thời gian cho phép {seconds} giây và đã bị dừng. "
                            "Hãy lọc bớt (WHERE), bớt phép nối hoặc gộp nhóm (GROUP BY).")
    if isinstance(exc, duckdb.PermissionException):
        return QueryRefused(f"Không được đọc tệp, địa chỉ mạng hay phần mở rộng trên máy chủ. "
                            f"Chỉ truy vấn được các bảng {_TABLES}.")
    if isinstance(exc, duckdb.TransactionException):
        return QueryRefused("Không được thay đổi dữ liệu; bảng điều khiển chỉ cho phép đọc.")
    if isinstance(exc, duckdb.OutOfMemoryException):
        return QueryFailed(f"Truy vấn cần quá nhiều bộ nhớ (giới hạn {MEMORY_LIMIT}). "
                           "Hãy lọc bớt dữ liệu hoặc gộp nhóm (GROUP BY) trước khi lấy kết quả.")
    if isinstance(exc, duckdb.CatalogException):
        return QueryFailed(f"Không có bảng hoặc hàm được nhắc đến; chỉ dùng được các bảng {_TABLES} "
                           f"và các hàm SQL thông thường. ({detail})")
    if isinstance(exc, duckdb.BinderException):
        return QueryFailed(f"Tên cột hoặc kiểu dữ liệu không đúng; xem danh sách cột của từng bảng. ({detail})")
    if isinstance(exc, duckdb.ParserException):
        return QueryFailed(f"Câu lệnh SQL sai cú pháp. ({detail})")
    return QueryFailed(f"Truy vấn không chạy được. ({detail})")


def run_query(console, sql: str, row_limit: int = ROW_LIMIT, time_limit_s: float = TIME_LIMIT_S) -> pd.DataFrame:
    """At most ``row_limit`` rows of one SELECT; ``attrs["truncated"]`` says whether more were left.

    Each query has its own cursor, so the timer interrupts only it when several sessions share the console.
    """
    statement = _single_select(console, sql)
    cursor = console.cursor()
    timer = threading.Timer(time_limit_s, cursor.interrupt)
    chunks, count = [], 0
    try:
        cursor.execute("BEGIN TRANSACTION READ ONLY")
        timer.start()
        cursor.execute(statement)
        # The result streams: fetching stops one chunk past the limit, so the rest is never computed.
        while not chunks or (len(chunks[-1]) and count <= row_limit):
            chunks.append(cursor.fetch_df_chunk())
            count += len(chunks[-1])
    except duckdb.Error as exc:
        raise _translated(exc, time_limit_s) from exc
    finally:
        timer.cancel()
        cursor.close()
    frame = (pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]).iloc[:row_limit]
    frame.attrs["truncated"] = count > row_limit
    return frame
