"""Lookups of the stored registry: every code lookup accepts the alias codes too."""

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
