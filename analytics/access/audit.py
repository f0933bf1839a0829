"""The audit log: who did what and when, as every write leaves it (analytics.storage.writes). Never holds a
password or a hash."""

from __future__ import annotations

import pandas as pd

from analytics.storage import db
from analytics.storage.db import Connection


def entries(con: Connection, limit: int = 1000) -> pd.DataFrame:
    return db.query(con, "SELECT id, happened_at, actor, action, detail FROM audit_log ORDER BY id DESC LIMIT ?",
                    [limit])
