"""The server's daily backup, without cron: a thread that serve.py starts and stops with the server (st.App's
lifespan) checks every ten minutes, makes the day's backup at its first check after the plan's
``[backup] daily_at``, then deletes daily backups beyond ``keep``.

Why in the server: it is the one process that holds the database while it runs, so only it can back it up
without stopping (a cron job would meet DatabaseLocked), and only its sessions change the data. Never two at
once: every backup takes analytics.storage.backup's lock, and a check that finds one running tries again at the next.
A day's backup is due once that day's time has passed since the newest daily backup, or, when there is none,
since the thread started: a fresh database is first backed up at the next daily time, not when a server starts.
Whether the day's backup exists is read from the folder, so a restarted server neither repeats nor skips it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path

from analytics.errors import BackupBusy
from analytics.settings import Settings, load_settings
from analytics.storage import backup, db, writes
from analytics.storage.db import Connection

CHECK_S = 600
_LOG = logging.getLogger("bhxh")


def last_due(daily_at: str, now: dt.datetime) -> dt.datetime | None:
    """The latest moment at ``daily_at`` (HH:MM) not after ``now``; None when daily backups are off."""
    if not daily_at:
        return None
    today = dt.datetime.combine(now.date(), dt.time.fromisoformat(daily_at))
    return today if today <= now else today - dt.timedelta(days=1)


def due(settings: Settings, database: Path, now: dt.datetime, since: dt.datetime) -> bool:
    """Whether a daily time has passed since the newest daily backup (or, with none, since ``since``)."""
    moment = last_due(settings.backup_daily_at, now)
    made = backup.listed(settings, backup.DAILY, database)
    if moment is None:
        return False
    newest = backup.made_at(made[-1]) if made else since
    assert newest is not None  # listed() keeps only the backups whose name says when they were made
    return moment > newest


def run_if_due(con: Connection, settings: Settings, database: Path, now: dt.datetime, since: dt.datetime
               ) -> backup.Made | None:
    """The day's backup when it is due, then retention; both audited. None when nothing was due."""
    if not due(settings, database, now, since):
        return None
    made = writes.make_backup(con, writes.SYSTEM, settings, backup.DAILY, now)
    writes.prune_backups(con, writes.SYSTEM, settings, database, now)
    return made


class Daily:
    """The thread that makes the daily backups of the database at ``database`` under the plan at ``plan``."""

    def __init__(self, database: Path, plan: Path):
        self.database, self.plan = Path(database), Path(plan)
        self.since = dt.datetime.now()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bhxh-sao-luu-hang-ngay", daemon=True)

    def start(self) -> Daily:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while True:
            self.check()
            if self._stop.wait(CHECK_S):
                return

    def check(self, now: dt.datetime | None = None) -> backup.Made | None:
        """One check; a failure is logged and audited, and the next check tries again."""
        now = now or dt.datetime.now()
        try:
            settings = load_settings(self.plan)
            if not due(settings, self.database, now, self.since):
                return None
            con = db.connect(self.database)  # the server's own database, shared within this process
            try:
                return run_if_due(con, settings, self.database, now, self.since)
            finally:
                con.close()
        except BackupBusy:
            return None
        except Exception as exc:  # noqa: BLE001 - a failed backup must never stop the thread or the server
            _LOG.exception("Sao lưu hằng ngày không thực hiện được")
            _failed(self.database, exc, now)
            return None


def _failed(database: Path, exc: Exception, now: dt.datetime) -> None:
    """The failure in the audit log, where administrators look; when even that fails, the server's log has it."""
    try:
        con = db.connect(database)
        try:
            writes.backup_failed(con, writes.SYSTEM, exc, now)
        finally:
            con.close()
    except Exception:  # noqa: BLE001
        _LOG.exception("Không ghi được nhật ký về lần sao lưu lỗi")
