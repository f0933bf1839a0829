"""Backup and restore of the whole database as a directory of Parquet files.

``python -m analytics backup export THƯ_MỤC`` and ``python -m analytics backup restore THƯ_MỤC [--force]``.

DuckDB lets one process at a time open the file, and the web app is its only
writer: while the server runs, these commands get DatabaseLocked, so stop it
first (or export from inside the app through ``export``). A restore is built in
a temporary file next to the database, checked (row counts, schema version),
and only then renamed over it, so the database is either the old one or the
complete restored one, never half of each.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import duckdb

from analytics import db
from analytics.errors import BackupError, DatabaseError, DatabaseUnavailable, SchemaTooNew
from analytics.schema import MIGRATIONS
from analytics.settings import db_path

MANIFEST = "manifest.json"


def _row_counts(con) -> dict[str, int]:
    return {t: db.value(con, f'SELECT count(*) FROM "{t}"') for t in db.table_names(con)}


def export(con, directory: str | Path) -> dict:
    """Write every table and sequence to ``directory`` (new or empty) with a manifest; returns the manifest.

    The export is one snapshot; it is written under a temporary name and renamed when complete,
    so a directory with a manifest is always a whole backup.
    """
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise BackupError(f"Thư mục {directory} đã có nội dung; hãy chọn một thư mục mới hoặc trống.")
    partial = directory.with_name(f".{directory.name}.dang-xuat-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.parent.mkdir(parents=True, exist_ok=True)
    try:
        with db.transaction(con):
            manifest = {"schema_version": db.schema_version(con), "tables": _row_counts(con),
                        "exported_at": dt.datetime.now().isoformat(timespec="seconds"),
                        "duckdb": duckdb.__version__}
            con.execute(f"EXPORT DATABASE '{_sql_path(partial)}' (FORMAT parquet)")
        (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(partial, directory)
    except (OSError, duckdb.Error, DatabaseError) as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise BackupError(f"Không xuất được cơ sở dữ liệu vào {directory}: {exc}") from exc
    return manifest


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _read_manifest(directory: Path) -> dict:
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        return {"schema_version": int(manifest["schema_version"]), "tables": dict(manifest["tables"])}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"Thư mục {directory} không phải một bản sao lưu đầy đủ "
                          f"(không đọc được {MANIFEST}: {exc}).") from exc


def _holds_data(path: Path) -> bool:
    """Whether ``path`` holds any row besides the schema version; a file that cannot be opened counts as data.

    Raises DatabaseLocked when another process (the web app) has it open: it must not be replaced under it.
    """
    if not path.exists() or path.stat().st_size == 0:
        return False
    try:
        con = db.connect(path, read_only=True)
    except DatabaseUnavailable:
        return True
    try:
        return any(n for t, n in _row_counts(con).items() if t != "schema_version")
    finally:
        con.close()


def restore(directory: str | Path, path: str | Path | None = None, *, force: bool = False) -> dict:
    """Rebuild the database at ``path`` (default: the app's) from an export; returns the manifest.

    Refuses to replace a database holding data unless ``force``.
    """
    directory, target = Path(directory), Path(path or db_path())
    manifest = _read_manifest(directory)
    if manifest["schema_version"] > len(MIGRATIONS):
        raise SchemaTooNew(f"Bản sao lưu có phiên bản lược đồ {manifest['schema_version']}, mới hơn chương trình "
                           f"({len(MIGRATIONS)}). Hãy cập nhật chương trình trước khi khôi phục.")
    if _holds_data(target) and not force:
        raise BackupError(f"Cơ sở dữ liệu {target} đã có dữ liệu. Thêm --force để thay thế nó bằng bản sao lưu.")
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.dang-khoi-phuc-{os.getpid()}")
    _remove(temp)
    try:
        _import_checked(directory, temp, manifest)
        _remove(Path(f"{target}.wal"))  # a stale log does not match the new file; DuckDB would refuse to open it
        os.replace(temp, target)
    except BaseException:
        _remove(temp)
        raise
    _sync_directory(target.parent)
    return manifest


def _import_checked(directory: Path, temp: Path, manifest: dict) -> None:
    """Import into a fresh file, compare with the manifest, bring the schema up to date, close (checkpoint)."""
    con = duckdb.connect(str(temp))
    try:
        con.execute(f"IMPORT DATABASE '{_sql_path(directory)}'")
        found = db.schema_version(con)
        if found != manifest["schema_version"] or _row_counts(con) != manifest["tables"]:
            raise BackupError(f"Bản sao lưu {directory} không khớp với {MANIFEST} của nó "
                              "(phiên bản lược đồ hoặc số dòng); không khôi phục.")
        db.migrate(con)
    except (duckdb.Error, DatabaseError) as exc:
        raise BackupError(f"Không khôi phục được từ {directory}: {exc}") from exc
    finally:
        con.close()


def _remove(path: Path) -> None:
    for p in (path, Path(f"{path}.wal")):
        p.unlink(missing_ok=True)


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

if __name__ == "__main__":
    from analytics.aliases import run_as

    run_as("backup")
