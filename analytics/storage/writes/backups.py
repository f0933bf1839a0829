"""The server's own backups as the audit log tells them: made, pruned, failed (analytics.storage.backup makes them)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from analytics.access.accounts import User
from analytics.settings import Settings
from analytics.storage import backup
from analytics.storage.db import Connection
from analytics.storage.writes.catalogue import Done, write


def _made(con: Connection, user: User, settings: Settings, kind: str = backup.ON_DEMAND,
          now: dt.datetime | None = None) -> backup.Made:
    """The export runs outside the lock, in its own snapshot, while sessions go on writing."""
    return backup.online(con, settings, kind, now)


@write("backup", needs="backup", prepare=_made)
def make_backup(con: Connection, made: backup.Made) -> Done[backup.Made]:
    """A backup of the running database through the server's own connection; refused while another runs.
    ``kind`` (ON_DEMAND, DAILY) ends the backup's name."""
    return Done((f"{made.directory.name}: {made.tables} bảng, {made.rows} dòng, {made.size_bytes} byte, "
                 f"{made.seconds:.1f} giây",), made)


def _pruned(con: Connection, user: User, settings: Settings, database: str | Path | None = None,
            now: dt.datetime | None = None) -> list[Path] | Done[list[Path]]:
    gone = backup.prune(settings, database)
    return gone or Done((), [])


@write("backup_pruned", needs="backup", prepare=_pruned)
def prune_backups(con: Connection, gone: list[Path]) -> Done[list[Path]]:
    """The daily backups beyond the plan's ``keep`` deleted (analytics.storage.backup.prune); those deleted."""
    return Done((", ".join(p.name for p in gone),), gone)


@write("backup_failed", needs="backup")
def backup_failed(con: Connection, user: User, error: Exception, now: dt.datetime | None = None) -> str:
    """A daily backup that could not be made, in the audit log where administrators look."""
    return str(error)[:500]
