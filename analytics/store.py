"""Versioned storage of monthly results: uploads supersede, never overwrite.

The value of a (period, commune) is the one from the latest upload still in
force; withdrawing an upload brings back what it superseded, and any past state
can be read "as known on" a moment.
"""

from __future__ import annotations

import datetime as dt
import threading

import pandas as pd

from analytics.db import transaction
from analytics.errors import UploadNotFound

# Uploads from several sessions of one server are applied one after another.
WRITE_LOCK = threading.Lock()

_IN_FORCE = """
    SELECT v.period, v.code, v.total, v.compulsory, v.voluntary, v.labour_force, v.upload_id
    FROM (
        SELECT v.*, row_number() OVER (PARTITION BY v.period, v.code
                                       ORDER BY u.uploaded_at DESC, u.id DESC) AS rank
        FROM monthly_values v JOIN uploads u ON u.id = v.upload_id
        WHERE u.kind = 'monthly' AND u.uploaded_at <= ?
          AND (u.withdrawn_at IS NULL OR u.withdrawn_at > ?)
    ) v WHERE rank = 1
"""


def monthly(con, as_of: dt.datetime | None = None) -> pd.DataFrame:
    """Values in force now, or as known at ``as_of``: period, code, counts, upload_id."""
    moment = as_of or dt.datetime.max
    return con.execute(_IN_FORCE + " ORDER BY period, code", [moment, moment]).df()


def uploads(con) -> pd.DataFrame:
    return con.execute(
        "SELECT id, kind, file_name, sha256, uploaded_by, uploaded_at, periods, rows_read, rows_stored, "
        "is_demo, note, withdrawn_at, withdrawn_by FROM uploads ORDER BY id"
    ).df()


def applied_with_hash(con, sha256: str) -> int | None:
    row = con.execute(
        "SELECT id FROM uploads WHERE sha256 = ? AND withdrawn_at IS NULL ORDER BY id LIMIT 1", [sha256]
    ).fetchone()
    return row[0] if row else None


def has_demo(con) -> bool:
    return con.execute("SELECT count(*) FROM uploads WHERE is_demo").fetchone()[0] > 0


def _delete_demo(con) -> None:
    con.execute("DELETE FROM monthly_values WHERE upload_id IN (SELECT id FROM uploads WHERE is_demo)")
    con.execute("DELETE FROM uploads WHERE is_demo")


def remove_demo(con) -> None:
    """Demo data goes in one action, leaving real uploads as they are."""
    with WRITE_LOCK, transaction(con):
        _delete_demo(con)


def record_upload(con, table: pd.DataFrame, *, kind: str, file_name: str, sha256: str, user: str,
                  rows_read: int, note: str = "", is_demo: bool = False, now: dt.datetime | None = None) -> int:
    """Store one upload and its rows: all of them or none."""
    now = now or dt.datetime.now()
    periods = ",".join(sorted(table["period"].unique()))
    with WRITE_LOCK, transaction(con):
        if not is_demo:  # real figures are never mixed with demo ones
            _delete_demo(con)
        upload_id = con.execute(
            "INSERT INTO uploads (kind, file_name, sha256, uploaded_by, uploaded_at, periods, rows_read, "
            "rows_stored, is_demo, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [kind, file_name, sha256, user, now, periods, rows_read, len(table), is_demo, note],
        ).fetchone()[0]
        frame = table.assign(upload_id=upload_id)
        con.register("_upload", frame)
        try:
            con.execute(
                "INSERT INTO monthly_values SELECT upload_id, period, code, total, compulsory, voluntary, "
                "labour_force, source_row, written_name, match_method, match_score FROM _upload"
            )
        finally:
            con.unregister("_upload")
    return upload_id


def withdraw(con, upload_id: int, user: str, now: dt.datetime | None = None) -> None:
    """Withdraw an upload: the values it superseded are in force again."""
    with WRITE_LOCK, transaction(con):
        found = con.execute(
            "SELECT count(*) FROM uploads WHERE id = ? AND withdrawn_at IS NULL", [upload_id]
        ).fetchone()[0]
        if not found:
            raise UploadNotFound(f"Không có lần tải lên số {upload_id} đang có hiệu lực.")
        con.execute("UPDATE uploads SET withdrawn_at = ?, withdrawn_by = ? WHERE id = ?",
                    [now or dt.datetime.now(), user, upload_id])


def last_upload_time(con) -> dt.datetime | None:
    """When the figures in force last changed: data freshness for the pages."""
    return con.execute("SELECT max(coalesce(withdrawn_at, uploaded_at)) FROM uploads").fetchone()[0]
