"""The plan's tables: built from data/, and the appendix matched again when a confirmation changes."""

from __future__ import annotations

import pandas as pd

from analytics.settings import Settings, load_settings
from analytics.storage.db import Connection
from analytics.storage.writes.catalogue import Done, Entry, write
from analytics.units import build, communes
from analytics.units.names import nfc
from analytics.units.registry import Registry

BUILDER = "system"  # the audit log's actor of a build: the command line or the server's first start


def _prepare(con: Connection, settings: Settings, registry: Registry | None = None, *,
             only_new: bool = False) -> tuple[Settings, build.Sources] | Done[None]:
    """The files read outside the lock; nothing to do for a database already built when ``only_new``."""
    if only_new and build.is_built(con):
        return Done(())
    return settings, build.sources(settings, registry)


@write("build", needs=None, figures=True, prepare=_prepare)
def build_database(con: Connection, ready: tuple[Settings, build.Sources]) -> Done[None]:
    """Replace every source-derived table; ``only_new``: only when the database was never built.

    Names people confirmed are kept; the shipped overrides file seeds the confirmations it does not already hold.
    Nobody signs in to build: the command line, or the server's first start, whoever holds the file.
    """
    settings, found = ready
    for table in (*build.MATCHED_TABLES, *build.SOURCE_TABLES):
        con.execute(f"DELETE FROM {table}")
    con.execute("INSERT INTO plan VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", found.plan)
    _insert(con, "communes", found.registry.units)
    _insert(con, "commune_aliases", found.registry.aliases)
    _insert(con, "commune_groups", found.groups)
    known = communes.confirmed(con)
    for written, (code, note) in found.seeds.items():
        if nfc(written) not in known:
            _put_name(con, nfc(written), code, note, build.SEEDED_BY, None)
    _store_matched(con, build.matched(con, settings, found.appendix, found.notes))
    return Done((Entry(f"{found.plan[-1]}: {len(found.registry.units)} đơn vị", actor=BUILDER),))


def _rematch(con: Connection, settings: Settings | None = None) -> None:
    """Match the stored appendix again after a confirmation changed, inside the caller's write."""
    appendix, notes = build.stored_appendix(con)
    _store_matched(con, build.matched(con, settings or load_settings(), appendix, notes))


def _put_name(con: Connection, written: str, code: str, note: str, by: str, at) -> None:
    """Insert or replace one confirmation, inside the caller's write."""
    con.execute("INSERT OR REPLACE INTO name_confirmations VALUES (?, ?, ?, ?, ?)", [written, code, note, by, at])


def _store_matched(con: Connection, found: build.Matched) -> None:
    for table in build.MATCHED_TABLES:
        con.execute(f"DELETE FROM {table}")
    _insert(con, "appendix_rows", found.rows)
    _insert(con, "targets", found.targets)
    _insert(con, "findings", found.findings)


def _insert(con: Connection, table: str, frame: pd.DataFrame) -> None:
    con.register("_frame", frame)
    try:
        con.execute(f"INSERT INTO {table} SELECT * FROM _frame")
    finally:
        con.unregister("_frame")
