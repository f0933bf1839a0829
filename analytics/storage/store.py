"""Versioned storage of uploads, and every authorised write of the figures and the plan's name matches.

The value of a (period, commune) — or (year, commune) for annual targets — is the
one from the latest upload of that kind still in force; withdrawing an upload
brings back what it superseded, and any past state can be read "as known on" a moment.
"Latest" is the highest upload id, never the clock: a server clock stepped back must not
let an older upload win over a newer one.
Each write here checks the actor's role, is one transaction and is audited.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

import pandas as pd

from analytics.access import audit
from analytics.access.accounts import User, require
from analytics.errors import UploadNotFound
from analytics.storage import cache, db
from analytics.storage.db import Connection, transaction
from analytics.storage.schema import KINDS, in_force_sql, refresh_in_force
from analytics.text import usertext
from analytics.units import confirmed_names
from analytics.units.build import rematch_appendix
from analytics.units.names import nfc

# Uploads from several sessions of one server are applied one after another.
WRITE_LOCK = threading.Lock()

_DETAIL = ("source_row", "written_name", "match_method", "match_score")


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


def uploads(con: Connection, kind: str | None = None) -> pd.DataFrame:
    """Every upload, or those of one kind, oldest first."""
    return db.query(
        con, "SELECT id, kind, file_name, sha256, uploaded_by, uploaded_at, periods, rows_read, rows_stored, "
             "is_demo, note, withdrawn_at, withdrawn_by FROM uploads WHERE kind = coalesce(?, kind) ORDER BY id",
        [kind])


def applied_with_hash(con: Connection, sha256: str) -> int | None:
    return db.value(con, "SELECT id FROM uploads WHERE sha256 = ? AND withdrawn_at IS NULL ORDER BY id LIMIT 1",
                    [sha256])


def has_demo(con: Connection) -> bool:
    return db.value(con, "SELECT count(*) FROM uploads WHERE is_demo") > 0


def _changed(con: Connection) -> None:
    """What every write of values does before it commits: values in force rebuilt, a new data version."""
    refresh_in_force(con)
    cache.bump(con)


def _delete_demo(con: Connection) -> None:
    """Every demo upload and what came of it, publications of an illustrative list included: a fictional
    employer must never stay on the public page once the figures are real."""
    demo_publications = "SELECT id FROM publications WHERE upload_id IN (SELECT id FROM uploads WHERE is_demo)"
    con.execute(f"DELETE FROM publication_rows WHERE publication_id IN ({demo_publications})")
    con.execute(f"DELETE FROM publications WHERE id IN ({demo_publications})")
    for table, _, _ in KINDS.values():
        con.execute(f"DELETE FROM {table} WHERE upload_id IN (SELECT id FROM uploads WHERE is_demo)")
    con.execute("DELETE FROM uploads WHERE is_demo")


def remove_demo(con: Connection, user: User) -> None:
    """Demo data goes in one action, leaving real uploads as they are."""
    require(user, "remove_demo")
    with WRITE_LOCK, transaction(con):
        _delete_demo(con)
        _changed(con)
        audit.record(con, user.username, "remove_demo")


@dataclass(frozen=True)
class Batch:
    """One upload to store: its rows and what the uploads table says of it."""

    table: pd.DataFrame
    file_name: str
    sha256: str
    rows_read: int
    now: dt.datetime
    note: str = ""


def record_upload(con: Connection, table: pd.DataFrame, *, kind: str, file_name: str, sha256: str, user: User,
                  rows_read: int, note: str = "", is_demo: bool = False, now: dt.datetime | None = None) -> int:
    """Store one upload and its rows (``kind`` names their table, see KINDS): all of them or none.

    Real monthly figures replace demo ones; official annual targets are not figures and leave them.
    """
    batch = Batch(table, file_name, sha256, rows_read, now or dt.datetime.now(), note)
    return record_uploads(con, [batch], kind=kind, user=user, is_demo=is_demo)[0]


def record_uploads(con: Connection, batches: list[Batch], *, kind: str, user: User, is_demo: bool = False) -> list[int]:
    """Several uploads of one kind in a single transaction; their ids in order."""
    require(user, "annual_targets" if kind == "annual" else "upload")
    target, key, values = KINDS[kind]
    columns = ", ".join(("upload_id", key, "code", *values, *_DETAIL))
    ids = []
    with WRITE_LOCK, transaction(con):
        if kind == "monthly" and not is_demo:  # real figures are never mixed with demo ones
            _delete_demo(con)
        for b in batches:
            periods = ",".join(str(p) for p in sorted(b.table[key].unique()))
            file_name, note = usertext.clean(b.file_name), usertext.clean(b.note)
            upload_id = con.execute(
                "INSERT INTO uploads (kind, file_name, sha256, uploaded_by, uploaded_at, periods, rows_read, "
                "rows_stored, is_demo, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                [kind, file_name, b.sha256, user.username, b.now, periods, b.rows_read, len(b.table), is_demo, note],
            ).fetchone()[0]
            audit.record(con, user.username, "upload", f"{kind} #{upload_id} {file_name}: {len(b.table)} dòng",
                         b.now)
            written = b.table["written_name"].map(lambda n: usertext.clean(n) if isinstance(n, str) else n)
            con.register("_upload", b.table.assign(upload_id=upload_id, written_name=written))
            try:
                con.execute(f"INSERT INTO {target} ({columns}) SELECT {columns} FROM _upload")
            finally:
                con.unregister("_upload")
            ids.append(upload_id)
        _changed(con)
    return ids


def withdraw(con: Connection, upload_id: int, user: User, now: dt.datetime | None = None) -> None:
    """Withdraw an upload: the values it superseded are in force again."""
    require(user, "withdraw")
    now = now or dt.datetime.now()
    with WRITE_LOCK, transaction(con):
        found = con.execute(
            "SELECT count(*) FROM uploads WHERE id = ? AND withdrawn_at IS NULL", [upload_id]
        ).fetchone()[0]
        if not found:
            raise UploadNotFound(f"Không có lần tải lên số {upload_id} đang có hiệu lực.")
        con.execute("UPDATE uploads SET withdrawn_at = ?, withdrawn_by = ? WHERE id = ?",
                    [now, user.username, upload_id])
        _changed(con)
        audit.record(con, user.username, "withdraw", f"#{upload_id}", now)


def data_version(con: Connection) -> tuple:
    """Changes with every write of figures, whatever the clock says: a cache key (see ``analytics.storage.cache``)."""
    return cache.version(con)


def last_upload_time(con: Connection) -> dt.datetime | None:
    """When the figures in force last changed: data freshness for the pages."""
    return db.value(con, "SELECT max(coalesce(withdrawn_at, uploaded_at)) FROM uploads")


def confirm_name(con: Connection, user: User, written: str, code: str, note: str = "",
                 now: dt.datetime | None = None) -> str:
    """A person ties a written unit name to an official unit (an alias code is taken to its primary code): stored
    once for every later upload and the appendix, which is matched again at once; audited. The primary code."""
    require(user, "confirm_names")
    written, note, now = nfc(usertext.clean(written)), usertext.clean(note), now or dt.datetime.now()
    with WRITE_LOCK, transaction(con):
        primary = confirmed_names.primary(con, str(code).strip())
        confirmed_names.put(con, written, primary, note.strip(), user.username, now)
        rematch_appendix(con)
        audit.record(con, user.username, "confirm_name", f"«{written}» -> {primary} {note}".strip(), now)
    return primary


def forget_name(con: Connection, user: User, written: str) -> None:
    """Withdraw a confirmation, audited; uploads already stored keep the code they were stored with."""
    require(user, "confirm_names")
    written = nfc(usertext.clean(written))
    with WRITE_LOCK, transaction(con):
        confirmed_names.drop(con, written)
        rematch_appendix(con)
        audit.record(con, user.username, "forget_name", f"«{written}»")
