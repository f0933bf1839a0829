"""Lookups of the stored registry: every code lookup accepts the alias codes too; and the confirmed names.

A confirmed name is a unit name as someone wrote it, tied by a person to an official unit. One table serves
the plan's appendix and every upload: a name confirmed on the upload page also settles the appendix row
printed the same way, and the other way round. Each confirmation is stored once (a later one for the same
written name replaces it); the authorised, audited writes are analytics.storage.writes.confirm_name and
forget_name. The shipped ``name_overrides.csv`` seeds the table when the database is built; what people
confirm in the app is kept across rebuilds.
"""

from __future__ import annotations

import pandas as pd

from analytics.errors import UnknownCommune
from analytics.settings import Settings
from analytics.storage import cache, db
from analytics.storage.db import Connection
from analytics.units.names import NameMatcher


@cache.shared(max_entries=1)
def units(con: Connection) -> pd.DataFrame:
    return db.query(con, "SELECT code, name, unit_type, lat, lon, area_km2 FROM communes ORDER BY code")


@cache.shared(max_entries=1)
def code_map(con: Connection) -> dict[str, str]:
    """Every accepted code (primary or alias) -> primary code."""
    return dict(db.rows(con, "SELECT code, code FROM communes UNION ALL SELECT alias, code FROM commune_aliases"))


def resolve_code(con: Connection, code: str) -> str:
    written = str(code).strip()
    key = written.zfill(5) if written.isdigit() else written
    found = code_map(con).get(key)
    if found is None:
        raise UnknownCommune(f"Mã «{written}» không có trong danh mục đơn vị hành chính của tỉnh.")
    return found


def matcher(con: Connection, settings: Settings) -> NameMatcher:
    frame = units(con)
    return NameMatcher(zip(frame["code"], frame["name"]), settings.fuzzy_accept, settings.ambiguity_margin)


def confirmed(con: Connection) -> dict[str, str]:
    """Written name -> primary code."""
    return dict(db.rows(con, "SELECT written_name, code FROM name_confirmations"))


def listing(con: Connection) -> pd.DataFrame:
    """Every confirmation with the official name, newest first."""
    return db.query(
        con, "SELECT n.written_name, n.code, c.name AS official_name, n.note, n.confirmed_by, n.confirmed_at "
             "FROM name_confirmations n LEFT JOIN communes c USING (code) "
             "ORDER BY n.confirmed_at DESC NULLS LAST, n.written_name")
