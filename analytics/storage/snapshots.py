"""Published snapshots: what the server's replicas read while one writer process owns the database.

DuckDB lets one process open a file for writing, and no other process may open it then, even to read. So after
each write the writer checkpoints its database (everything in the main file, nothing left in the write-ahead log)
and copies the file, under the write lock, into a new numbered snapshot; one symbolic link, ``current``, is then
switched to it with a rename, which is atomic. A reader opens what ``current`` names, read-only: a snapshot is never
written again, so any number of processes read it at once, and none sees half of a write. Old snapshots are
deleted once newer ones stand; a reader still holding one keeps reading it (the file lives on until closed).
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

from analytics.errors import DatabaseUnavailable, WriterUnavailable
from analytics.storage import db
from analytics.storage.db import Connection

KEEP = 4  # snapshots kept besides the current one: readers of a recent one finish their run on it
LINK = "current"


def folder_for(database: Path) -> Path:
    """Where the snapshots of ``database`` live: ``<name>.snapshots/`` beside it."""
    return database.with_name(f"{database.name}.snapshots")


def database_of(path: Path) -> Path:
    """The database file a snapshot at ``path`` was copied from (what a replica's connection names); any other
    path as it is."""
    folder = path.parent
    return folder.with_name(folder.name.removesuffix(".snapshots")) if folder.name.endswith(".snapshots") else path


def current(database: Path) -> Path | None:
    """The snapshot readers open now; None before the writer has published one."""
    link = folder_for(database) / LINK
    try:
        return link.parent / os.readlink(link)
    except FileNotFoundError:
        return None


def _number(path: Path) -> int:
    return int(path.stem)


def publish(con: Connection, database: Path) -> Path:
    """A snapshot of what ``con`` (the writer's connection to ``database``) holds now, made current. The caller
    holds the write lock, so no write runs between the checkpoint and the copy."""
    folder = folder_for(database)
    folder.mkdir(exist_ok=True)
    numbered = sorted(folder.glob("*.duckdb"), key=_number)
    target = folder / f"{_number(numbered[-1]) + 1 if numbered else 1}.duckdb"
    con.execute("CHECKPOINT")
    partial = target.with_suffix(".partial")
    shutil.copyfile(database, partial)
    partial.rename(target)
    link = folder / f"{LINK}.new"
    link.unlink(missing_ok=True)
    link.symlink_to(target.name)
    link.rename(folder / LINK)
    for old in numbered[:-KEEP] if len(numbered) > KEEP else []:
        old.unlink(missing_ok=True)
    return target


class Reader:
    """A replica's connection to the newest snapshot: opened read-only once per snapshot, a cursor per run. The
    connection of an older snapshot is let go, not closed: a run still reading it keeps its cursor to the end."""

    def __init__(self, database: Path):
        self.database = database
        self._lock = threading.Lock()
        self._opened: tuple[Path, Connection] | None = None

    def cursor(self) -> Connection:
        for _ in range(KEEP):  # a snapshot pruned between reading the link and opening it: read the link again
            newest = current(self.database)
            if newest is None:
                break
            with self._lock:
                if self._opened is None or self._opened[0] != newest:
                    try:
                        self._opened = newest, db.connect(newest, read_only=True, verify=False)
                    except DatabaseUnavailable:
                        continue
                return self._opened[1].cursor()
        raise WriterUnavailable("Tiến trình ghi dữ liệu chưa công bố bản dữ liệu nào để đọc. Hãy tải lại trang "
                                "sau giây lát; nếu vẫn lỗi, báo quản trị hệ thống khởi động lại ứng dụng.")
