"""DuckDB storage: one file, migrations applied on open, errors translated at one boundary."""

from __future__ import annotations

import hashlib
import os
from contextlib import contextmanager
from pathlib import Path

import duckdb

from analytics.errors import DatabaseLocked, DatabaseUnavailable, SchemaTooNew
from analytics.schema import MIGRATIONS
from analytics.settings import db_path


def connect(path: str | Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the database and bring its schema up to date."""
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


def _read_everything(con, path: str) -> None:
    """Read every table once, so a damaged file fails here with the restore path, not mid-page."""
    try:
        for name in table_names(con):
            con.execute(f'SELECT max(hash(t)) FROM "{name}" t').fetchone()
    except duckdb.Error as exc:
        con.close()
        raise DatabaseUnavailable(_restore_hint(path, exc)) from exc


def _restore_hint(path: str, exc: Exception) -> str:
    return (
        f"Không mở được cơ sở dữ liệu {path} ({exc}). Khôi phục từ bản sao lưu bằng "
        "`python -m analytics.backup restore THƯ_MỤC`, hoặc xoá tệp và chạy "
        "`python -m analytics.build` để dựng lại từ data/."
    )


def schema_version(con) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchone()[0]
    if not exists:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


def migrate(con) -> int:
    """Apply each migration not yet applied, each in its own transaction."""
    current = schema_version(con)
    if current > len(MIGRATIONS):
        raise SchemaTooNew(
            f"Cơ sở dữ liệu có phiên bản lược đồ {current}, mới hơn chương trình "
            f"({len(MIGRATIONS)}). Hãy cập nhật chương trình."
        )
    for version, sql in enumerate(MIGRATIONS[current:], start=current + 1):
        with transaction(con):
            con.execute(sql)
            con.execute("INSERT INTO schema_version VALUES (?)", [version])
    return len(MIGRATIONS)


@contextmanager
def transaction(con):
    """Every write is one transaction: all of it or none."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def table_names(con) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name"
    ).fetchall()]


def checksums(con) -> dict[str, str]:
    """A digest of every table's full, ordered contents: equal digests, equal data."""
    out = {}
    for name in table_names(con):
        rows = con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall()
        out[name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return out
