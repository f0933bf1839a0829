"""What the versioned uploads hold: the values in force now or as known on a moment, and the uploads themselves.

The value of a (period, commune) — or (year, commune) for annual targets — is the
one from the latest upload of that kind still in force; withdrawing an upload
brings back what it superseded, and any past state can be read "as known on" a moment.
"Latest" is the highest upload id, never the clock: a server clock stepped back must not
let an older upload win over a newer one. The writes are analytics.storage.writes.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics.storage import cache, db
from analytics.storage.db import Connection
from analytics.storage.schema import in_force_sql


def _in_force(con: Connection, kind: str, as_of: dt.datetime | None) -> pd.DataFrame:
    """Now, or at a moment after every upload and withdrawal, the stored table; before that, worked out."""
    last = db.value(con, "SELECT max(greatest(uploaded_at, withdrawn_at)) FROM uploads WHERE kind = ?", [kind])
    if as_of is None or last is None or as_of >= last:
        return db.frame(con, f"SELECT * FROM {kind}_in_force")  # rows in insertion order, i.e. sorted
    return db.frame(con, in_force_sql(kind), {"moment": as_of})


@cache.shared(max_entries=4)
def monthly(con: Connection, as_of: dt.datetime | None = None) -> pd.DataFrame:
    """Values in force now, or as known at ``as_of``: period, code, counts, upload_id.

    A count a file did not give (a month of totals only) is NaN, so sums and ratios of it are missing too.
    """
    frame = _in_force(con, "monthly", as_of)
    gaps = [c for c in ("compulsory", "voluntary", "labour_force") if frame[c].dtype == "Int64"]
    return frame.astype(dict.fromkeys(gaps, "float64")) if gaps else frame


@cache.shared(max_entries=4)
def annual(con: Connection, as_of: dt.datetime | None = None) -> pd.DataFrame:
    """Official annual targets in force now, or as known at ``as_of``: year, code, targets, upload_id."""
    return _in_force(con, "annual", as_of)


@cache.shared(max_entries=4)
def arrears(con: Connection) -> pd.DataFrame:
    """Arrears in force per month and commune: period, code, the four figures (NaN where a file left one out)."""
    frame = _in_force(con, "arrears", None)
    return frame.astype(dict.fromkeys(("employers_late", "workers_affected", "employers_evading"), "float64"))


@cache.shared(max_entries=4)
def employers(con: Connection) -> pd.DataFrame:
    """The employer lists in force: each month's from its latest upload not withdrawn, by commune and tax code."""
    return _in_force(con, "employers", None)


LABOUR = ["code", "labour_force", "labour_year", "labour_source", "labour_upload"]


@cache.shared(max_entries=8)
def labour_for(con: Connection, year: int) -> pd.DataFrame:
    """The labour force coverage is measured against: one row per commune with a figure for ``year`` or an earlier
    year, the latest such figure, its year, its source and the upload that brought it.

    Later years are never used for an earlier month. The monthly files' optional labour-force column is stored
    but not used here: its figures came with no source and no year of their own.
    """
    return db.frame(con, """
        SELECT code, arg_max(labour_force, year)::DOUBLE AS labour_force, max(year) AS labour_year,
               arg_max(source, year) AS labour_source, arg_max(upload_id, year) AS labour_upload
        FROM labour_in_force WHERE year <= $year
        GROUP BY code ORDER BY code""", {"year": year})[LABOUR]


def labour_sources(con: Connection) -> dict[int, str]:
    """The source each labour-force upload named, by upload id, for its line in the upload history."""
    rows = db.query(con, "SELECT upload_id, min(source) AS source FROM labour_values GROUP BY upload_id")
    return dict(zip(rows["upload_id"].astype(int), rows["source"]))


def uploads(con: Connection, kind: str | None = None) -> pd.DataFrame:
    """Every upload, or those of one kind, oldest first."""
    return db.query(
        con, "SELECT id, kind, file_name, sha256, uploaded_by, uploaded_at, periods, rows_read, rows_stored, "
             "is_demo, note, withdrawn_at, withdrawn_by FROM uploads WHERE kind = coalesce(?, kind) ORDER BY id",
        [kind])


def applied_with_hash(con: Connection, sha256: str) -> int | None:
    return db.value(con, "SELECT id FROM uploads WHERE sha256 = ? AND withdrawn_at IS NULL ORDER BY id LIMIT 1",
                    [sha256])


@cache.shared(max_entries=1)
def latest_period(con: Connection) -> str | None:
    """The last month with figures in force; None before the first upload."""
    return db.value(con, "SELECT max(period) FROM monthly_in_force")


def has_demo(con: Connection) -> bool:
    demo = db.value(con, "SELECT count(*) FROM uploads WHERE is_demo")
    assert demo is not None  # count(*) always has its row
    return demo > 0


def data_version(con: Connection) -> tuple[str, int, str] | None:
    """Changes with every write of figures, whatever the clock says: a cache key (see ``analytics.storage.cache``)."""
    return cache.version(con)


def last_upload_time(con: Connection) -> dt.datetime | None:
    """When the figures in force last changed: data freshness for the pages."""
    return db.value(con, "SELECT max(coalesce(withdrawn_at, uploaded_at)) FROM uploads")
