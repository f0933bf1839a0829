"""The running server's backup of the national-scale database while another session writes.

The project's way (analytics.storage.backup.online: EXPORT DATABASE to Parquet inside one transaction, with its
manifest and audit entry) against a bare EXPORT DATABASE, and the way it was chosen over: COPY FROM DATABASE
into a new DuckDB file. Every backup is checked for consistency: the writer adds two rows per transaction
(an upload and its audit entry), so a backup holding one without the other would show it. Then the restore.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from pathlib import Path

import duckdb

from analytics.settings import load_settings
from analytics.storage import backup, db, writes


def _size_mib(path: Path) -> float:
    return sum(p.stat().st_size for p in ([path] if path.is_file() else path.rglob("*")) if p.is_file()) / 2**20


def _timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


class _Writer:
    """Another session: an audit entry and a marker row in one transaction, again and again, until stopped."""

    def __init__(self, con):
        self.cursor, self.writes, self._stop = con.cursor(), 0, threading.Event()
        self.cursor.execute("CREATE TABLE IF NOT EXISTS bench_marks (id INTEGER)")
        self._thread = threading.Thread(target=self._loop)

    def _loop(self):
        while not self._stop.is_set():
            with db.transaction(self.cursor):
                self.cursor.execute("INSERT INTO audit_log (happened_at, actor, action, detail) "
                                    "VALUES (now(), 'bench', 'ghi', ?)", [str(self.writes)])
                self.cursor.execute("INSERT INTO bench_marks VALUES (?)", [self.writes])
            self.writes += 1

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _consistent(con) -> bool:
    """Every marker has its audit entry and no audit entry of the writer lacks its marker."""
    marks = con.execute("SELECT count(*) FROM bench_marks").fetchone()[0]
    entries = con.execute("SELECT count(*) FROM audit_log WHERE actor = 'bench' AND action = 'ghi'").fetchone()[0]
    return marks == entries


def measure(database: Path, workdir: Path, reps: int) -> dict:
    settings = dataclasses.replace(load_settings(), backup_folder=str(workdir / "sao-luu"))
    con = db.connect(database)
    runs = {"online": [], "export": [], "copy": [], "restore": [], "import": []}
    sizes, checks = {}, []
    try:
        with _Writer(con) as writer:
            for n in range(reps):
                made = writes.make_backup(con.cursor(), writes.SYSTEM, settings, now=dt.datetime(2000, 1, 1, 0, 0, n))
                runs["online"].append(made.seconds)
                bare = workdir / f"export-{n}"
                runs["export"].append(_timed(lambda b=bare: con.cursor().execute(
                    f"EXPORT DATABASE '{b}' (FORMAT parquet)")))
                copy = workdir / f"copy-{n}.duckdb"
                runs["copy"].append(_timed(lambda c=copy: _copy(con, c)))
                sizes = {"online": _size_mib(made.directory), "export": _size_mib(bare), "copy": _size_mib(copy)}
                checks.append(_checked(made.directory, copy, workdir / f"restored-{n}.duckdb", runs))
            written = writer.writes
    finally:
        con.close()
    return {"runs": runs, "size_mib": sizes, "database_mib": _size_mib(database), "writes_during": written,
            "consistent": all(checks)}


def _copy(con, target: Path) -> None:
    cursor = con.cursor()
    source = cursor.execute("SELECT current_database()").fetchone()[0]
    cursor.execute(f"ATTACH '{target}' AS bench_copy")
    try:
        cursor.execute(f'COPY FROM DATABASE "{source}" TO bench_copy')
    finally:
        cursor.execute("DETACH bench_copy")


def _checked(online: Path, copy: Path, restored: Path, runs: dict) -> bool:
    """Restore the project's backup (timed, against a bare IMPORT DATABASE) and check both backups."""
    runs["restore"].append(_timed(lambda: backup.restore(online, restored)))
    bare = duckdb.connect(str(restored.with_name(restored.stem + "-import.duckdb")))
    runs["import"].append(_timed(lambda: bare.execute(f"IMPORT DATABASE '{online}'")))
    bare.close()
    found = []
    for path in (restored, copy):
        con = duckdb.connect(str(path), read_only=True)
        found.append(_consistent(con))
        con.close()
    return all(found)
