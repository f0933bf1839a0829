"""Lookups of the stored registry: every code lookup accepts the alias codes too."""

from __future__ import annotations

import pandas as pd

from analytics import cache, db
from analytics.errors import UnknownCommune
from analytics.names import NameMatcher
from analytics.settings import Settings


@cache.shared(max_entries=1)
def units(con) -> pd.DataFrame:
    return db.query(con, "SELECT code, name, unit_type, lat, lon, area_km2 FROM communes ORDER BY code")


@cache.shared(max_entries=1)
def code_map(con) -> dict[str, str]:
    """Every accepted code (primary or alias) -> primary code."""
    return dict(db.rows(con, "SELECT code, code FROM communes UNION ALL SELECT alias, code FROM commune_aliases"))


def resolve_code(con, code: str) -> str:
    written = str(code).strip()
    key = written.zfill(5) if written.isdigit() else written
    found = code_map(con).get(key)
    if found is None:
        raise UnknownCommune(f"Mã «{written}» không có trong danh mục đơn vị hành chính của tỉnh.")
    return found


def matcher(con, settings: Settings) -> NameMatcher:
    frame = units(con)
    return NameMatcher(zip(frame["code"], frame["name"]), settings.fuzzy_accept, settings.ambiguity_margin)
