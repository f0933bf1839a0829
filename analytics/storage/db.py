"""DuckDB storage: one file, migrations applied on open, errors translated at one boundary.

Analytics reads through ``query``, ``frame``, ``rows`` and ``value`` and writes inside ``transaction``; each turns a
``duckdb.Error`` into a named error of ``analytics.errors`` whose message says what to do (``translated``).
"""

from __future__ import annotations

import hashlib
import os
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from analytics.errors import (
    DatabaseError,
    DatabaseLocked,
    DatabaseUnavailable,
    SchemaMismatch,
    SchemaTooNew,
    StorageFailed,
    WriteConflict,
)
from analytics.settings import db_path
from analytics.storage.schema import MIGRATIONS

Connection = duckdb.DuckDBPyConnection


def connect(path: str | Path | None = None, read_only: bool = False, verify: bool = True) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the database and bring its schema up to date. ``verify``: read every table first
    (a damaged file fails here); a replica's snapshot, copied by the writer from a file it verified, skips it."""
    path = str(path or db_path())
    if path != ":memory:":
        _check_folder(Path(path), read_only)
    try:
        con = duckdb.connect(path, read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DatabaseLocked(
                f"Cơ sở dữ liệu {path} đang được một tiến trình khác sử dụng. "
                "Hãy đóng tiến trình đó rồi thử lại."
            ) from exc
        raise DatabaseUnavailable(_restore_hint(path, exc)) from exc
    except duckdb.Error as exc:
        raise DatabaseUnavailable(_restore_hint(path, exc)) from exc
    if verify:
        _read_everything(con, path)
    if not read_only:
        migrate(con)
    return con


def _check_folder(path: Path, read_only: bool) -> None:
    """DuckDB writes a .wal beside the file: an unwritable folder must fail now, not at the first save."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseUnavailable(f"Không tạo được thư mục {path.parent} cho cơ sở dữ liệu ({exc}). "
                                  "Hãy chọn đường dẫn khác bằng biến môi trường BHXH_DB.") from exc
    if not read_only and not os.access(path.parent, os.W_OK | os.X_OK, effective_ids=True):
        raise DatabaseUnavailable(f"Không ghi được vào thư mục {path.parent} chứa cơ sở dữ liệu {path.name}. "
                                  "Hãy cấp quyền ghi cho thư mục hoặc đặt BHXH_DB sang thư mục khác.")


def _read_everything(con: Connection, path: str) -> None:
    """Read every table once, so a damaged file fails here with the restore path, not mid-page."""
    try:
        for name in table_names(con):
            value(con, f'SELECT max(hash(t)) FROM "{name}" t')
    except DatabaseError as exc:
        con.close()
        raise DatabaseUnavailable(_restore_hint(path, exc.__cause__ or exc)) from exc


RESTORE = ("khôi phục từ bản sao lưu bằng `python -m analytics backup restore THƯ_MỤC`, hoặc xoá tệp và chạy "
           "`python -m analytics build` để dựng lại từ data/")


def _restore_hint(path: str, exc: BaseException) -> str:
    return f"Không mở được cơ sở dữ liệu {path} ({exc}). Hãy {RESTORE}."


def translated(exc: duckdb.Error) -> DatabaseError:
    """DuckDB's error as a named project error whose Vietnamese message says how to fix the problem."""
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, duckdb.IOException | duckdb.PermissionException):
        return StorageFailed(f"Không đọc hoặc ghi được tệp cơ sở dữ liệu ({detail}). Hãy kiểm tra chỗ trống trên "
                             f"đĩa và quyền ghi thư mục rồi thử lại; nếu tệp bị hỏng, {RESTORE}.")
    if isinstance(exc, duckdb.TransactionException):
        return WriteConflict(f"Một thao tác khác đang ghi cùng dữ liệu nên thao tác này đã được huỷ, không có gì "
                             f"thay đổi ({detail}). Hãy thử lại sau giây lát.")
    if isinstance(exc, duckdb.CatalogException | duckdb.BinderException):
        return SchemaMismatch(f"Cơ sở dữ liệu thiếu bảng hoặc cột mà chương trình cần ({detail}). Hãy khởi động lại "
                              "ứng dụng để cập nhật lược đồ, hoặc dựng lại bằng "
                              "`python -m analytics build --force`.")
    if isinstance(exc, duckdb.ConnectionException):
        return DatabaseError(f"Kết nối tới cơ sở dữ liệu đã đóng ({detail}). Hãy tải lại trang; nếu vẫn lỗi, "
                             "khởi động lại ứng dụng.")
    return DatabaseError(f"Cơ sở dữ liệu không thực hiện được thao tác, không có gì thay đổi ({detail}). Hãy thử "
                         "lại; nếu lỗi lặp lại, báo quản trị hệ thống kèm nội dung này.")


@contextmanager
def _boundary():
    try:
        yield
    except duckdb.Error as exc:
        raise translated(exc) from exc


def query(con: Connection, sql: str, params: list | None = None) -> pd.DataFrame:
    """The rows of one read as a data frame."""
    with _boundary():
        return con.execute(sql, params or []).df()


_NULLABLE_INTEGERS = {pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(),
                      pa.int64(): pd.Int64Dtype()}


def frame(con: Connection, sql: str, params: list | dict | None = None, *,
          nullable_integers: bool = True) -> pd.DataFrame:
    """A query's rows through Arrow: many times faster than ``.df()`` where text columns are long.

    For queries of text, integers and floats: integer columns holding NULLs become pandas' nullable
    Int64, as ``.df()`` makes them, or with ``nullable_integers=False`` floats with NaN, as a pandas
    merge that leaves gaps makes them.
    """
    with _boundary():
        con.complete()  # a result left half-read by execute() would make con.sql refuse
        table = con.sql(sql, params=params).to_arrow_table()
    out = table.to_pandas()
    for name, column in zip(table.column_names, table.columns):
        if nullable_integers and column.null_count and column.type in _NULLABLE_INTEGERS:
            out[name] = column.to_pandas(types_mapper=_NULLABLE_INTEGERS.get)
    return out


def rows(con: Connection, sql: str, params: list | None = None) -> list[tuple]:
    """The rows of one read as tuples."""
    with _boundary():
        return con.execute(sql, params or []).fetchall()


def value(con: Connection, sql: str, params: list | None = None):
    """The first column of the first row of one read; None when there is no row."""
    with _boundary():
        row = con.execute(sql, params or []).fetchone()
    return None if row is None else row[0]


def schema_version(con: Connection) -> int:
    if not value(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"):
        return 0
    version = value(con, "SELECT coalesce(max(version), 0) FROM schema_version")
    assert version is not None  # coalesce(max(...), 0) always has its row and a number
    return version


def migrate(con: Connection) -> int:
    """Apply each migration not yet applied, each in its own transaction."""
    current = schema_version(con)
    if current > len(MIGRATIONS):
        raise SchemaTooNew(
            f"Cơ sở dữ liệu có phiên bản lược đồ {current}, mới hơn chương trình "
            f"({len(MIGRATIONS)}). Hãy cập nhật chương trình."
        )
    for version, step in enumerate(MIGRATIONS[current:], start=current + 1):
        with transaction(con):
            if callable(step):
                step(con)
            else:
                con.execute(step)
            con.execute("INSERT INTO schema_version VALUES (?)", [version])
    return len(MIGRATIONS)


@contextmanager
def transaction(con: Connection):
    """Every write is one transaction: all of it or none; a DuckDB failure comes out translated."""
    with _boundary():
        con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException as exc:
        with _boundary():
            con.execute("ROLLBACK")
        if isinstance(exc, duckdb.Error):
            raise translated(exc) from exc
        raise
    with _boundary():
        con.execute("COMMIT")


def table_names(con: Connection) -> list[str]:
    return [r[0] for r in rows(
        con, "SELECT table_name FROM information_schema.tables "
             "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name")]


def checksums(con: Connection) -> dict[str, str]:
    """A digest of every table's full, ordered contents: equal digests, equal data.

    The data version is left out: it names a state of the data (each write draws a new random token),
    so the same data written twice has two versions.
    """
    out = {}
    for name in table_names(con):
        if name == "data_version":
            continue
        found = rows(con, f'SELECT * FROM "{name}" ORDER BY ALL')
        out[name] = hashlib.sha256(repr(found).encode()).hexdigest()
    return out
