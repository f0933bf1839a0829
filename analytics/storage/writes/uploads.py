"""Versioned uploads: stored, withdrawn, demo data removed; each rebuilds the values in force.

"Latest" is the highest upload id, never the clock (see analytics.storage.reads), so storing appends and
withdrawing marks: nothing an upload superseded is ever deleted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from analytics.access.accounts import User, require
from analytics.errors import UploadNotFound
from analytics.storage.db import Connection
from analytics.storage.schema import KINDS, refresh_in_force
from analytics.storage.writes.catalogue import Done, Entry, write
from analytics.text import usertext

_DETAIL = ("source_row", "written_name", "match_method", "match_score")
# Demo data is stored as this analyst's uploads: the build command adds it, nobody signed in.
DEMO = User("demo", "Dữ liệu minh hoạ", "analyst")


@dataclass(frozen=True)
class Batch:
    """One upload to store: its rows and what the uploads table says of it."""

    table: pd.DataFrame
    file_name: str
    sha256: str
    rows_read: int
    now: dt.datetime
    note: str = ""


def _delete_demo(con: Connection) -> None:
    """Every demo upload and what came of it, publications of an illustrative list included: a fictional
    employer must never stay on the public page once the figures are real."""
    demo_publications = "SELECT id FROM publications WHERE upload_id IN (SELECT id FROM uploads WHERE is_demo)"
    con.execute(f"DELETE FROM publication_rows WHERE publication_id IN ({demo_publications})")
    con.execute(f"DELETE FROM publications WHERE id IN ({demo_publications})")
    for table, _, _ in KINDS.values():
        con.execute(f"DELETE FROM {table} WHERE upload_id IN (SELECT id FROM uploads WHERE is_demo)")
    con.execute("DELETE FROM uploads WHERE is_demo")


@write("remove_demo", needs="remove_demo", figures=True)
def remove_demo(con: Connection, user: User) -> str:
    """Demo data goes in one action, leaving real uploads as they are."""
    _delete_demo(con)
    refresh_in_force(con)
    return ""


@write("upload", needs="upload", figures=True)
def record_upload(con: Connection, table: pd.DataFrame, *, kind: str, file_name: str, sha256: str, user: User,
                  rows_read: int, note: str = "", is_demo: bool = False, now: dt.datetime | None = None) -> Done[int]:
    """Store one upload and its rows (``kind`` names their table, see KINDS): all of them or none; its id.

    Real monthly figures replace demo ones; official annual targets are not figures and leave them.
    """
    batch = Batch(table, file_name, sha256, rows_read, now or dt.datetime.now(), note)
    done = _store(con, [batch], kind, user, is_demo)
    return Done(done.audit, done.value[0])


@write("upload", needs="upload", figures=True)
def record_uploads(con: Connection, batches: list[Batch], *, kind: str, user: User,
                   is_demo: bool = False) -> Done[list[int]]:
    """Several uploads of one kind in a single transaction; their ids in order."""
    return _store(con, batches, kind, user, is_demo)


def _store(con: Connection, batches: list[Batch], kind: str, user: User, is_demo: bool) -> Done[list[int]]:
    if kind == "annual":
        require(user, "annual_targets")
    target, key, values = KINDS[kind]
    columns = ", ".join(("upload_id", key, "code", *values, *_DETAIL))
    ids: list[int] = []
    audit: list[Entry] = []
    if kind == "monthly" and not is_demo:  # real figures are never mixed with demo ones
        _delete_demo(con)
    for b in batches:
        periods = ",".join(str(p) for p in sorted(b.table[key].unique()))
        file_name, note = usertext.clean(b.file_name), usertext.clean(b.note)
        inserted = con.execute(
            "INSERT INTO uploads (kind, file_name, sha256, uploaded_by, uploaded_at, periods, rows_read, "
            "rows_stored, is_demo, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [kind, file_name, b.sha256, user.username, b.now, periods, b.rows_read, len(b.table), is_demo, note],
        ).fetchone()
        assert inserted is not None  # RETURNING gives the inserted row
        upload_id = inserted[0]
        audit.append(Entry(f"{kind} #{upload_id} {file_name}: {len(b.table)} dòng", at=b.now))
        written = b.table["written_name"].map(lambda n: usertext.clean(n) if isinstance(n, str) else n)
        con.register("_upload", b.table.assign(upload_id=upload_id, written_name=written))
        try:
            con.execute(f"INSERT INTO {target} ({columns}) SELECT {columns} FROM _upload")
        finally:
            con.unregister("_upload")
        ids.append(upload_id)
    refresh_in_force(con)
    return Done(tuple(audit), ids)


@write("withdraw", needs="withdraw", figures=True)
def withdraw(con: Connection, upload_id: int, user: User, now: dt.datetime | None = None) -> str:
    """Withdraw an upload: the values it superseded are in force again."""
    found = con.execute("SELECT count(*) FROM uploads WHERE id = ? AND withdrawn_at IS NULL", [upload_id]).fetchone()
    assert found is not None  # count(*) always has its row
    if not found[0]:
        raise UploadNotFound(f"Không có lần tải lên số {upload_id} đang có hiệu lực.")
    con.execute("UPDATE uploads SET withdrawn_at = ?, withdrawn_by = ? WHERE id = ?",
                [now or dt.datetime.now(), user.username, upload_id])
    refresh_in_force(con)
    return f"#{upload_id}"
