"""Backup and restore of the whole database as a directory of Parquet files.

``python -m analytics backup export THƯ_MỤC`` and ``python -m analytics backup restore THƯ_MỤC [--force]``.

DuckDB lets one process at a time open the file, and the web app is its only
writer: while the server runs, these commands get DatabaseLocked. The running
server backs itself up instead (``online``: from the Quản trị page, and daily,
see analytics.storage.backup_schedule) through its own connection: one Parquet file per
table, written inside one transaction, reads one snapshot, so sessions go on
writing and the backup holds exactly the data committed when it began. Both
kinds are the same format.

A backup holds no key to the house: never the session key nor the sessions, and
the password hashes (``accounts/users.parquet``) only when asked for. The
server's own backups have them, since they never leave it; a ZIP to download has
them only when the administrator ticks the box; ``backup export`` never.

A restore is built in a temporary file next to the database, checked (every part,
row counts, schema version: analytics.storage.restore), and only then renamed over it, so
the database is either the old one or the complete restored one, never half of each.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from analytics.errors import BackupBusy, BackupError, DatabaseError, DatabaseUnavailable, SchemaTooNew
from analytics.settings import Settings, db_path
from analytics.storage import db, snapshots
from analytics.storage.db import Connection
from analytics.storage.restore import ACCOUNTS, KEY_TABLES, MANIFEST, USERS, load, member
from analytics.storage.schema import MIGRATIONS

MAX_RATIO = 20  # a backup's ZIP stores Parquet, compressed already: a member that unzips 20 times larger is a bomb
ON_DEMAND, DAILY = "on_demand", "daily"  # the two kinds of the server's own backups
SUFFIX = {ON_DEMAND: "theo-yeu-cau", DAILY: "hang-ngay"}  # how each kind's folder name ends
_RUNNING = threading.Lock()  # one backup at a time in the server, daily or on demand


def _row_counts(con: Connection) -> dict[str, int]:
    counts: dict[str, int] = {}
    for t in db.table_names(con):
        count = db.value(con, f'SELECT count(*) FROM "{t}"')
        assert count is not None  # count(*) always has its row
        counts[t] = count
    return counts


def export(con: Connection, directory: str | Path, *, with_accounts: bool = False) -> dict:
    """Write every table but the session key and sessions, the accounts only ``with_accounts``, and each
    sequence's value to ``directory`` (new or empty) with a manifest; returns the manifest.

    The export is one snapshot; it is written under a temporary name and renamed when complete,
    so a directory with a manifest is always a whole backup.
    """
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise BackupError(f"Thư mục {directory} đã có nội dung; hãy chọn một thư mục mới hoặc trống.")
    partial = directory.with_name(f".{directory.name}.dang-xuat-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        (partial / ACCOUNTS).mkdir(parents=True)
        with db.transaction(con):
            counts = {t: n for t, n in _row_counts(con).items()
                      if t not in KEY_TABLES and (with_accounts or t != USERS)}
            manifest = {"schema_version": db.schema_version(con), "tables": counts,
                        "sequences": dict(db.rows(con, "SELECT sequence_name, coalesce(last_value, 0) "
                                                       "FROM duckdb_sequences()")),
                        "exported_at": dt.datetime.now().isoformat(timespec="seconds"),
                        "duckdb": duckdb.__version__}
            for table in counts:
                con.execute(f"""COPY "{table}" TO '{_sql_path(partial / member(table))}' (FORMAT parquet)""")
        if not with_accounts:
            (partial / ACCOUNTS).rmdir()
        (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(partial, directory)
    except (OSError, duckdb.Error, DatabaseError) as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise BackupError(f"Không xuất được cơ sở dữ liệu vào {directory}: {exc}") from exc
    return manifest


@dataclass(frozen=True)
class Made:
    """One backup the server made: where, how much, how long."""

    directory: Path
    tables: int
    rows: int
    size_bytes: int
    seconds: float


def folder(settings: Settings, database: str | Path | None = None) -> Path:
    """Where the server's backups go: the plan's folder, a relative one beside the database file."""
    return Path(database or db_path()).parent / settings.backup_folder


def _database_file(con: Connection) -> Path:
    path = db.value(con, "SELECT path FROM duckdb_databases() WHERE database_name = current_database()")
    assert path is not None  # the current database is always listed
    return snapshots.database_of(Path(path))  # a replica's backup goes beside the database, not its snapshot


def online(con: Connection, settings: Settings, kind: str = ON_DEMAND, now: dt.datetime | None = None) -> Made:
    """A backup of the running database through the server's own connection, while sessions go on writing;
    refused while another backup runs. ``kind`` (ON_DEMAND, DAILY) ends the backup's name. Through
    analytics.storage.writes.make_backup, which checks the role and audits it."""
    if not _RUNNING.acquire(blocking=False):
        raise BackupBusy("Đang có một bản sao lưu khác; hãy thử lại sau ít phút.")
    try:
        now = now or dt.datetime.now()
        started = time.perf_counter()
        directory = folder(settings, _database_file(con)) / f"bhxh-{now:%Y-%m-%d-%H%M%S}-{SUFFIX[kind]}"
        manifest = export(con, directory, with_accounts=True)  # it stays on the server, beside the database
        made = Made(directory, len(manifest["tables"]), sum(manifest["tables"].values()), _size(directory),
                    time.perf_counter() - started)
    finally:
        _RUNNING.release()
    return made


def _size(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


def made_at(directory: Path) -> dt.datetime | None:
    """When one of the server's backups was made, read from its name; None for anything else."""
    try:
        return dt.datetime.strptime(directory.name[len("bhxh-"):len("bhxh-YYYY-MM-DD-HHMMSS")], "%Y-%m-%d-%H%M%S")
    except ValueError:
        return None


def listed(settings: Settings, kind: str | None = None, database: str | Path | None = None) -> list[Path]:
    """The server's complete backups (of one kind, or both), oldest first."""
    found = [(when, p) for p in folder(settings, database).glob("bhxh-*") if p.is_dir() and (p / MANIFEST).exists()
             and (when := made_at(p)) is not None and _kind(p) in ((kind,) if kind else SUFFIX)]
    return [p for _, p in sorted(found, key=lambda pair: pair[0])]


def _kind(directory: Path) -> str | None:
    return next((kind for kind, suffix in SUFFIX.items() if directory.name.endswith(f"-{suffix}")), None)


def overview(settings: Settings) -> pd.DataFrame:
    """The backups for the admin page, newest first: name, kind, when, size in MB."""
    rows = [{"name": p.name, "kind": _kind(p), "made_at": made_at(p), "size_mb": _size(p) / 2**20}
            for p in reversed(listed(settings))]
    return pd.DataFrame(rows, columns=["name", "kind", "made_at", "size_mb"])


def prune(settings: Settings, database: str | Path | None = None) -> list[Path]:
    """Delete the oldest daily backups beyond the plan's ``keep``, and what a stopped server left half-written;
    those made on demand stay. The deleted backups."""
    daily = listed(settings, DAILY, database)
    gone = daily[:max(len(daily) - settings.backup_keep, 0)]
    left = [p for p in folder(settings, database).glob(".bhxh-*.dang-xuat-*") if not p.name.endswith(f"-{os.getpid()}")]
    for directory in gone + left:
        shutil.rmtree(directory)
    return gone


def zipped(directory: Path, *, with_accounts: bool = False) -> bytes:
    """A backup as one ZIP file to download; ``restore`` takes it as it is. The file leaves the server: the
    password hashes go in only ``with_accounts``."""
    manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    if not with_accounts:
        manifest["tables"].pop(USERS, None)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # Parquet is compressed already
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        for table in manifest["tables"]:
            archive.write(directory / member(table), member(table))
    return buffer.getvalue()


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _read_manifest(directory: Path) -> dict:
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        found = {"schema_version": int(manifest["schema_version"]),
                 "tables": {str(t): int(n) for t, n in manifest["tables"].items()},
                 "sequences": {str(s): int(n) for s, n in manifest.get("sequences", {}).items()}}
        if found["schema_version"] < 1:
            raise ValueError(f"phiên bản lược đồ {found['schema_version']}")
        return found
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BackupError(f"Thư mục {directory} không phải một bản sao lưu đầy đủ "
                          f"(không đọc được {MANIFEST}: {exc}).") from exc


def _holds_data(path: Path) -> bool:
    """Whether ``path`` holds any row besides the schema and data versions; a file that cannot be opened counts as data.

    Raises DatabaseLocked when another process (the web app) has it open: it must not be replaced under it.
    """
    if not path.exists() or path.stat().st_size == 0:
        return False
    try:
        con = db.connect(path, read_only=True)
    except DatabaseUnavailable:
        return True
    try:
        return any(n for t, n in _row_counts(con).items() if t not in ("schema_version", "data_version"))
    finally:
        con.close()


def restore(source: str | Path, path: str | Path | None = None, *, force: bool = False) -> dict:
    """Rebuild the database at ``path`` (default: the app's) from a backup, a folder or its ZIP; the manifest.

    Refuses to replace a database holding data unless ``force``.
    """
    source, target = Path(source), Path(path or db_path())
    if not source.is_file():
        return _restore(source, target, force)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{target.name}.giai-nen-") as unpacked:
        try:
            with zipfile.ZipFile(source) as archive:
                parts = archive.infolist()
                if strange := [p.filename for p in parts if _strange(p.filename)]:
                    raise BackupError(f"Tệp {source} có đường dẫn lạ bên trong («{strange[0]}») nên không phải một "
                                      "bản sao lưu.")
                if (any(p.file_size > MAX_RATIO * max(p.compress_size, 1024) for p in parts)
                        or sum(p.file_size for p in parts) > shutil.disk_usage(unpacked).free):
                    raise BackupError(f"Tệp {source} giải nén ra quá lớn so với chính nó hoặc với chỗ trống trên "
                                      "đĩa nên không được mở.")
                archive.extractall(unpacked)
        except (zipfile.BadZipFile, OSError) as exc:
            raise BackupError(f"Tệp {source} không phải một bản sao lưu nén ZIP đọc được ({exc}).") from exc
        return _restore(Path(unpacked), target, force)


def _strange(name: str) -> bool:
    """A member outside the backup's files and its accounts folder, or hidden: what a zip slip looks like."""
    parts = name.removesuffix("/").split("/")
    return (len(parts) > 2 or (len(parts) == 2 and parts[0] != ACCOUNTS)
            or any(not p or p.startswith(".") or "\\" in p for p in parts))


def _restore(directory: Path, target: Path, force: bool) -> dict:
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
        manifest["tables"] = load(directory, temp, manifest, target)
        _remove(Path(f"{target}.wal"))  # a stale log does not match the new file; DuckDB would refuse to open it
        os.replace(temp, target)
    except BaseException:
        _remove(temp)
        raise
    _sync_directory(target.parent)
    return manifest


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
