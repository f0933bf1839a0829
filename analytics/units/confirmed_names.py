"""Confirmed names: a unit name as someone wrote it, tied by a person to an official unit.

One table serves the plan's appendix and every upload: a name confirmed on the upload page
also settles the appendix row printed the same way, and the other way round. Each
confirmation is stored once (a later one for the same written name replaces it); the
authorised, audited writes are analytics.storage.writes.confirm_name and forget_name. The shipped
``name_overrides.csv`` seeds the table when the database is built; what people confirm in the
app is kept across rebuilds.
"""

from __future__ import annotations

import pandas as pd

from analytics.errors import UnknownCommune
from analytics.storage import db
from analytics.storage.db import Connection


def confirmed(con: Connection) -> dict[str, str]:
    """Written name -> primary code."""
    return dict(db.rows(con, "SELECT written_name, code FROM name_confirmations"))


def listing(con: Connection) -> pd.DataFrame:
    """Every confirmation with the official name, newest first."""
    return db.query(
        con, "SELECT n.written_name, n.code, c.name AS official_name, n.note, n.confirmed_by, n.confirmed_at "
             "FROM name_confirmations n LEFT JOIN communes c USING (code) "
             "ORDER BY n.confirmed_at DESC NULLS LAST, n.written_name")


def primary(con: Connection, code: str) -> str:
    """The primary code of a code or alias code of the registry."""
    found = db.value(con, "SELECT code FROM communes WHERE code = ? UNION ALL "
                          "SELECT code FROM commune_aliases WHERE alias = ?", [code, code])
    if found is None:
        raise UnknownCommune(f"Mã «{code}» không có trong danh mục đơn vị hành chính của tỉnh.")
    return found
