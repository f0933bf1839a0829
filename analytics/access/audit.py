"""The audit log: who did what and when. Never holds a password or a hash."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics.storage import db
from analytics.storage.db import Connection
from analytics.text import usertext


def record(con: Connection, actor: str, action: str, detail: str = "", now: dt.datetime | None = None) -> None:
    """Append one entry; callers inside a transaction get it in the same transaction. Names quoted in the
    detail come from people and files: control characters never reach the log or its exports."""
    con.execute("INSERT INTO audit_log (happened_at, actor, action, detail) VALUES (?, ?, ?, ?)",
                [now or dt.datetime.now(), actor, action, usertext.clean(detail)])


def entries(con: Connection, limit: int = 1000) -> pd.DataFrame:
    return db.query(con, "SELECT id, happened_at, actor, action, detail FROM audit_log ORDER BY id DESC LIMIT ?",
                    [limit])
