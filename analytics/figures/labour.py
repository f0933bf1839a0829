"""The working-age labour force that coverage is measured against: each commune's figure for a year, and the
province's figure from the plan file.

A commune's denominator for a month is its uploaded figure for the month's year, or, failing that, for the
latest earlier year (``labour_year`` says which). Later years are never used for an earlier month. The monthly
files' optional labour-force column is still read and stored, but no coverage uses it: its figures came with
no source and no year of their own.
"""

from __future__ import annotations

import pandas as pd

from analytics.storage import cache, db
from analytics.storage.db import Connection

COLUMNS = ["code", "labour_force", "labour_year", "labour_source", "labour_upload"]


@cache.shared(max_entries=8)
def communes_for(con: Connection, year: int) -> pd.DataFrame:
    """One row per commune with a figure for ``year`` or an earlier year: the latest such figure, its year, its
    source and the upload that brought it."""
    return db.frame(con, """
        SELECT code, arg_max(labour_force, year)::DOUBLE AS labour_force, max(year) AS labour_year,
               arg_max(source, year) AS labour_source, arg_max(upload_id, year) AS labour_upload
        FROM labour_in_force WHERE year <= $year
        GROUP BY code ORDER BY code""", {"year": year})[COLUMNS]


def province_for(settings, year: int) -> tuple[int, int] | None:
    """(year, figure) of the plan file's province labour force for ``year`` or the latest earlier year, or None."""
    years = [y for y in settings.labour_force if y <= year]
    return (max(years), settings.labour_force[max(years)]) if years else None


def upload_sources(con: Connection) -> dict[int, str]:
    """The source each labour-force upload named, by upload id, for its line in the upload history."""
    rows = db.query(con, "SELECT upload_id, min(source) AS source FROM labour_values GROUP BY upload_id")
    return dict(zip(rows["upload_id"].astype(int), rows["source"]))
