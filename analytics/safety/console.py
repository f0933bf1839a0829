"""A SQL console for analysts over three documented, read-only tables and nothing else.

DuckDB has no permissions: any connection to the database file can read every table in it,
users' password hashes and the audit log included. So the console never gets the file.
``open_console`` reads the documented views through fixed queries and keeps their rows as
Arrow bytes. ``run_query`` hands those bytes and the query text to a confined child process
(analytics.safety.sandbox: memory and wall-clock limits, empty working folder and HOME, no
environment), which copies them into a fresh in-memory database locked down from the first
instant (no files, URLs, ATTACH or extensions; memory and threads bounded; configuration
locked), parses the text with DuckDB's own parser and runs only a single SELECT that reads
nothing but the views, the query's own WITH tables and a few pure table functions, and calls
no function revealing the host or the engine, inside a read-only transaction, and answers at
most ``row_limit`` rows as Arrow bytes. A runaway query is killed with its process; the server
never notices. The text is parsed in the child, not the server: a parser fed a bomb must not
take the server's memory.

Anything else in the engine's catalog (pg_settings, information_schema, duckdb_logs, the
duckdb_*() functions) would show the child's settings, folders and limits, and a list of
those can never be complete; so names are allowed, not denied.

Messages quote at most one refused name, cut to 50 characters; DuckDB's own explanation,
which may quote the query, goes in the error's notes for the page to show as literal text.
"""

from __future__ import annotations

import io
import json
import string
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from analytics.errors import MemoryLimitExceeded, QueryFailed, QueryRefused, QueryTimeout, TimeLimitExceeded
from analytics.figures import standing
from analytics.safety import sandbox
from analytics.storage import db, reads
from analytics.storage.db import Connection
from analytics.text import fmt, usertext

sandbox.preload(__name__)

MEMORY_MB = 512
THREADS = 2
ROW_LIMIT = 10_000
TIME_LIMIT_S = 5.0
SQL_LIMIT = 20_000  # characters of query text
ANSWER_MB = 32

# Table functions that compute rows from their arguments alone; every other one (read_csv, duckdb_settings(),
# query(), ...) is refused.
PURE_TABLE_FUNCTIONS = ("range", "generate_series", "unnest")

# Scalar functions that read the engine's settings, version or catalog (the macros run a query of their own),
# or hand SQL text to the engine past the checks below. A test keeps the catalog macros listed.
HIDDEN = frozenset({
    "current_setting", "getenv", "version", "write_log", "json_serialize_sql", "json_deserialize_sql",
    "json_serialize_plan", "get_block_size", "format_type", "pg_get_constraintdef", "pg_get_viewdef",
})

# Table references whose parts the walk below checks in turn; any other kind is refused.
_SOURCES = frozenset({"JOIN", "SUBQUERY", "EMPTY", "EXPRESSION_LIST", "PIVOT", "SHOW_REF"})
# DuckDB compares names case-insensitively in ASCII only; str.lower would also fold some other letters.
_FOLD = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
SHOWN_NAME = 50  # characters of a refused name that a message quotes

_CONFIG = {
    "enable_external_access": False,
    "python_enable_replacements": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    "allow_persistent_secrets": False,
    "max_temp_directory_size": "0B",  # nothing spills to disk
    "threads": THREADS,
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


@dataclass(frozen=True)
class Console:
    """A snapshot of the views as Arrow IPC bytes, and the limits every query runs under."""

    views: dict[str, bytes]
    memory_mb: int = MEMORY_MB


def _ipc(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _views(con: Connection) -> dict[str, bytes]:
    """The documented columns of each view, and only those, read with the project's own queries."""
    units = standing.commune_units(con)
    frames = {
        "v_thang": reads.monthly(con).merge(units[["code", "name"]], on="code", how="left"),
        "v_xa": units,
        "v_tai_len": reads.uploads(con),
    }
    return {name: _ipc(pa.Table.from_pandas(frames[name][list(doc["columns"])], preserve_index=False))
            for name, doc in VIEWS_DOC.items()}


def open_console(source: str | Path | duckdb.DuckDBPyConnection, memory_mb: int = MEMORY_MB) -> Console:
    """A snapshot of the views for queries to run on.

    ``source`` is the database path, opened read-only just for the copy and closed, or an
    open connection to it (a process that already holds the file cannot open it again with
    another configuration).
    """
    if isinstance(source, duckdb.DuckDBPyConnection):
        return Console(_views(source), memory_mb)
    con = db.connect(source, read_only=True)
    try:
        return Console(_views(con), memory_mb)
    finally:
        con.close()


# ---------------------------------------------------------------- in the child process

def locked_database(views: dict[str, bytes], memory_mb: int) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory database holding the views, refusing files, extensions and any change of settings."""
    console = duckdb.connect(":memory:", config=_CONFIG | {"memory_limit": f"{max(memory_mb // 2, 16)}MB"})
    for name, data in views.items():
        console.register("_frame", pa.ipc.open_stream(data).read_all())
        console.execute(f"CREATE TABLE {name} AS SELECT * FROM _frame")  # name: a VIEWS_DOC key
        console.unregister("_frame")
    console.execute("SET enable_progress_bar = false")
    console.execute("SET lock_configuration = true")
    return console


class _Refused(Exception):
    """The query is refused before it runs: why (a _REFUSALS key) and the figure or name the message quotes."""

    def header(self) -> dict:
        reason, about = (*self.args, None)[:2]
        return {"refused": reason, "about": about}


def _single_select(console, sql: str):
    """The one SELECT statement in ``sql``; anything else is refused before it runs."""
    statements = console.extract_statements(sql)
    if not statements:
        raise _Refused("empty")
    if len(statements) > 1:
        raise _Refused("several", len(statements))
    if statements[0].type != duckdb.StatementType.SELECT:
        raise _Refused("not_select", statements[0].type.name)
    try:
        tree = json.loads(console.execute("SELECT json_serialize_sql(?)", [statements[0].query]).fetchone()[0])
        if tree.get("error"):
            raise _Refused("unchecked")
        _check(tree, frozenset())
    except RecursionError:  # nested deeper than Python's stack, as no query written by hand is
        raise _Refused("unchecked") from None
    return statements[0]


def _folded(name: str) -> str:
    return name.translate(_FOLD)


def _dotted(*parts: str) -> str:
    return ".".join(part for part in parts if part)


def _check(tree, scope: frozenset[str]) -> None:
    """Refuse whatever in a serialised statement reaches past the views; ``scope``: the WITH names in force here.

    A WITH table is seen by the query it belongs to and by the WITH tables after it, never by its own
    definition (there ``WITH pg_settings AS (SELECT * FROM pg_settings)`` reads the real one) nor outside
    its query, except the recursive part of a WITH RECURSIVE, which sees itself; this is how DuckDB binds.
    """
    if isinstance(tree, list):
        for item in tree:
            _check(item, scope)
        return
    if not isinstance(tree, dict):
        return
    if isinstance(tree.get("function_name"), str):
        _check_function(tree)
    if "sample" in tree and "alias" in tree and "class" not in tree:  # a table reference (FROM, JOIN)
        _check_source(tree, scope)
    for cte in (tree.get("cte_map") or {}).get("map", []):
        _check(cte["value"], scope)
        scope = scope | {_folded(cte["key"])}
    for key, value in tree.items():
        recursive = key == "right" and tree.get("type") == "RECURSIVE_CTE_NODE"
        if key != "cte_map":
            _check(value, scope | {_folded(tree["cte_name"])} if recursive else scope)


def _check_function(node: dict) -> None:
    name = _dotted(node.get("catalog", ""), node.get("schema", ""), node["function_name"])
    if name != node["function_name"]:
        raise _Refused("qualified", name)
    if _folded(name) in HIDDEN:
        raise _Refused("hidden", name)


def _check_source(ref: dict, scope: frozenset[str]) -> None:
    """A table reference names a view or a WITH table in scope, calls a pure table function, or is refused."""
    kind = ref["type"]
    if kind == "TABLE_FUNCTION":
        function = ref["function"]
        name = _dotted(function.get("catalog", ""), function.get("schema", ""), function["function_name"])
        if _folded(name) not in PURE_TABLE_FUNCTIONS:
            raise _Refused("table_function", name)
    elif kind == "BASE_TABLE" or kind == "SHOW_REF" and ref["table_name"]:
        # SHOW name looks in the catalog, past any WITH; DESCRIBE and SUMMARIZE hold a query, checked as any other.
        _check_table(ref, scope if kind == "BASE_TABLE" else frozenset())
    elif kind not in _SOURCES:
        raise _Refused("unchecked")


def _check_table(ref: dict, scope: frozenset[str]) -> None:
    """A qualified name (main.v_xa, system.main.x) never means a WITH table, so only bare names pass."""
    name = _dotted(ref["catalog_name"], ref["schema_name"], ref["table_name"])
    if name != ref["table_name"] or _folded(name) not in scope | set(VIEWS_DOC):
        raise _Refused("table", name)


def _run(views: dict[str, bytes], sql: str, row_limit: int, memory_mb: int) -> tuple[dict, bytes]:
    """The child's work: (header, Arrow bytes of at most ``row_limit`` rows) or (header naming the failure, b"")."""
    console = locked_database(views, memory_mb)
    try:
        statement = _single_select(console, sql)
        console.execute("BEGIN TRANSACTION READ ONLY")
        console.execute(statement)
        chunks, count = [], 0
        # The result streams: fetching stops one chunk past the limit, so the rest is never computed.
        while not chunks or (len(chunks[-1]) and count <= row_limit):
            chunks.append(console.fetch_df_chunk())
            count += len(chunks[-1])
        frame = (pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]).iloc[:row_limit]
        body = _ipc(pa.Table.from_pandas(frame, preserve_index=False))
    except _Refused as exc:
        return exc.header(), b""
    except duckdb.Error as exc:
        return {"failed": type(exc).__name__, "detail": str(exc).splitlines()[0][:500]}, b""
    if len(body) > ANSWER_MB * 2**20:
        return {"refused": "too_large"}, b""
    return {"truncated": count > row_limit}, body


# ---------------------------------------------------------------- in the server

_REFUSALS = {
    "empty": "Chưa có câu lệnh nào. Chỉ cho phép một câu lệnh SELECT, ví dụ: SELECT * FROM v_xa LIMIT 10",
    "several": "Chỉ cho phép một câu lệnh SELECT mỗi lần chạy; văn bản có {} câu lệnh. "
               "Hãy xoá các câu lệnh sau dấu chấm phẩy.",
    "not_select": "Chỉ cho phép một câu lệnh SELECT (đọc dữ liệu); câu lệnh {} bị từ chối. "
                  f"Hãy viết truy vấn SELECT trên các bảng {_TABLES}.",
    "unchecked": "Không kiểm tra được câu lệnh này nên không chạy. Hãy viết một truy vấn SELECT đơn giản hơn "
                 f"trên các bảng {_TABLES}.",
    "table": f"Chỉ được đọc các bảng {_TABLES} và các bảng đặt tên bằng WITH trong chính truy vấn; "
             "“{}” không thuộc số đó.",
    "table_function": f"Trong FROM chỉ dùng được các bảng {_TABLES} và các hàm {', '.join(PURE_TABLE_FUNCTIONS)}; "
                      "“{}” không thuộc số đó (các hàm bảng khác đọc tệp, chạy SQL từ một chuỗi hoặc cho biết "
                      "cấu hình hoặc phiên bản của máy chủ).",
    "qualified": "Hàm “{}” được gọi kèm tên cơ sở dữ liệu hoặc lược đồ; hãy gọi hàm bằng tên ngắn của nó.",
    "hidden": "Hàm “{}” cho biết cấu hình hoặc phiên bản của máy chủ, đọc danh mục của nó hoặc chạy SQL từ một chuỗi, "
              f"nên không dùng được ở đây. Chỉ truy vấn được các bảng {_TABLES} bằng các hàm SQL thông thường.",
    "too_large": f"Kết quả lớn hơn {ANSWER_MB} MB. Hãy chọn ít cột hơn, lọc bớt (WHERE) hoặc thêm LIMIT.",
}
_MEMORY = ("Truy vấn cần quá nhiều bộ nhớ (giới hạn {} MB) và đã bị dừng. "
           "Hãy lọc bớt dữ liệu hoặc gộp nhóm (GROUP BY) trước khi lấy kết quả.")
_FAILURES = {  # DuckDB's exception class -> (error, message)
    "PermissionException": (QueryRefused, "Không được đọc tệp, địa chỉ mạng hay phần mở rộng trên máy chủ. "
                                          f"Chỉ truy vấn được các bảng {_TABLES}."),
    "TransactionException": (QueryRefused, "Không được thay đổi dữ liệu; bảng điều khiển chỉ cho phép đọc."),
    "IOException": (QueryFailed, _MEMORY),  # nothing but spilling touches a file, and spilling is refused
    "OutOfMemoryException": (QueryFailed, _MEMORY),
    "CatalogException": (QueryFailed, f"Không có bảng hoặc hàm được nhắc đến; chỉ dùng được các bảng {_TABLES} "
                                      "và các hàm SQL thông thường."),
    "BinderException": (QueryFailed, "Tên cột, hàm hoặc kiểu dữ liệu không đúng; xem danh sách cột của từng bảng."),
    "ParserException": (QueryFailed, "Câu lệnh SQL sai cú pháp."),
}


def _error(header: dict, memory_mb: int) -> Exception:
    """The child's account of a failure as a named project error whose Vietnamese message says how to fix it."""
    if "refused" in header:
        found = QueryRefused(_REFUSALS[header["refused"]].format(_shown(header.get("about"))))
    else:
        error, message = _FAILURES.get(header["failed"], (QueryFailed, "Truy vấn không chạy được."))
        found = error(message.format(memory_mb))
    if header.get("detail"):
        found.add_note(header["detail"])  # words that may quote the query: the page shows them literally
    return found


def _shown(about) -> str:
    """A figure or a name from the query for a message: control characters out, cut short."""
    text = usertext.clean(about)
    return text if len(text) <= SHOWN_NAME else text[:SHOWN_NAME - 1] + "…"


def run_query(console: Console, sql: str, row_limit: int = ROW_LIMIT,
              time_limit_s: float = TIME_LIMIT_S) -> pd.DataFrame:
    """At most ``row_limit`` rows of one SELECT; ``attrs["truncated"]`` says whether more were left.

    Each query runs in its own process, so a slow or hungry one never holds up another session.
    """
    if len(sql) > SQL_LIMIT:
        raise QueryRefused(f"Câu lệnh dài quá {fmt.number(SQL_LIMIT)} ký tự. Hãy viết truy vấn ngắn gọn hơn.")
    limits = sandbox.Limits(console.memory_mb, time_limit_s, ANSWER_MB + 1)
    try:
        header, body = sandbox.run(_run, (console.views, sql, row_limit, console.memory_mb), limits)
    except TimeLimitExceeded as exc:
        raise QueryTimeout(f"Truy vấn vượt quá thời gian cho phép {limits.seconds()} giây và đã bị dừng. "
                           "Hãy lọc bớt (WHERE), bớt phép nối hoặc gộp nhóm (GROUP BY).") from exc
    except MemoryLimitExceeded as exc:
        raise _error({"failed": "OutOfMemoryException"}, console.memory_mb) from exc
    if "truncated" not in header:
        raise _error(header, console.memory_mb)
    frame = pa.ipc.open_stream(body).read_all().to_pandas()
    frame.attrs["truncated"] = header["truncated"]
    return frame
