"""Build the database from the files in data/: registry, plan, appendix, findings.

Rebuilding replaces only what is derived from those files (uploads are kept),
and gives identical contents each time.
"""

from __future__ import annotations

import pandas as pd

from analytics.settings import Settings, load_settings
from analytics.storage import cache, db
from analytics.storage.db import Connection
from analytics.units import confirmed_names
from analytics.units.groups import former_units
from analytics.units.names import nfc
from analytics.units.registry import Registry, load_registry
from analytics.units.targets import read_appendix, read_overrides, reconcile

SOURCE_TABLES = ("commune_groups", "commune_aliases", "communes", "plan")
MATCHED_TABLES = ("findings", "targets", "appendix_rows")
SEEDED_BY = "data/name_overrides.csv"


def build_database(con: Connection, settings: Settings, registry: Registry | None = None) -> None:
    """Replace every source-derived table in one transaction; ``registry`` defaults to the province's official one.

    Names people confirmed are kept; the shipped overrides file seeds the confirmations it does not already hold.
    """
    registry = registry or load_registry(settings.province, settings.registry_primary)
    appendix = read_appendix(settings.targets_path)
    seeds = read_overrides(settings.overrides_path, set(registry.units["code"]) | set(registry.aliases["alias"]))
    registry_notes = pd.DataFrame({"kind": "registry_disagreement", "subject": "Danh mục đơn vị",
                                   "detail": registry.disagreements, "status": "info"})
    document = f"{settings.title} — Phụ lục ({settings.targets_path.name})"
    h = settings.headline
    with db.transaction(con):
        for table in (*MATCHED_TABLES, *SOURCE_TABLES):
            con.execute(f"DELETE FROM {table}")
        con.execute("INSERT INTO plan VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            settings.province, settings.title, settings.target_year, h.participants, h.voluntary,
            h.labour_force_coverage_pct, h.voluntary_coverage_pct, settings.baseline_month, document])
        _insert(con, "communes", registry.units)
        _insert(con, "commune_aliases", registry.aliases)
        _insert(con, "commune_groups", former_units(settings.province, registry.units))
        known = confirmed_names.confirmed(con)
        for written, (code, note) in seeds.items():
            if nfc(written) not in known:
                confirmed_names.put(con, nfc(written), registry_code(registry, code), note, SEEDED_BY, None)
        _match_appendix(con, settings, appendix, registry_notes)


def registry_code(registry, code: str) -> str:
    """The primary code of a code or alias of ``registry``."""
    return dict(zip(registry.aliases["alias"], registry.aliases["code"])).get(code, code)


def _match_appendix(con: Connection, settings: Settings, appendix: pd.DataFrame, notes: pd.DataFrame) -> None:
    """Match the appendix against the stored registry and confirmations; replace its rows, targets and findings."""
    units = db.query(con, "SELECT code, name FROM communes ORDER BY code")
    aliases = db.query(con, "SELECT alias, code, source FROM commune_aliases ORDER BY alias")
    overrides = {name: (code, "") for name, code in confirmed_names.confirmed(con).items()}
    result = reconcile(appendix, units, aliases, overrides, settings)
    findings = pd.concat([result.findings, notes], ignore_index=True)
    findings.insert(0, "id", range(1, len(findings) + 1))
    rows = result.rows
    target_year, document = db.rows(con, "SELECT target_year, source_document FROM plan")[0]
    targets = rows[rows["code"].notna()].assign(target_year=target_year, source_document=document)
    for table in MATCHED_TABLES:
        con.execute(f"DELETE FROM {table}")
    _insert(con, "appendix_rows", rows[["stt", "name_as_printed", "total_target", "voluntary_min",
                                        "code", "method", "score", "status"]])
    _insert(con, "targets", targets[["code", "target_year", "total_target", "voluntary_min", "source_document"]])
    _insert(con, "findings", findings[["id", "kind", "subject", "detail", "status"]])
    cache.bump(con)  # the targets changed


def rematch_appendix(con: Connection, settings: Settings | None = None) -> None:
    """Match the stored appendix again after a confirmation changed; the caller holds the transaction."""
    appendix = db.query(con, "SELECT stt, name_as_printed, total_target, voluntary_min FROM appendix_rows ORDER BY stt")
    notes = db.query(con, "SELECT kind, subject, detail, status FROM findings WHERE kind = 'registry_disagreement' "
                          "ORDER BY id")
    _match_appendix(con, settings or load_settings(), appendix, notes)


def _insert(con: Connection, table: str, frame: pd.DataFrame) -> None:
    con.register("_frame", frame)
    try:
        con.execute(f"INSERT INTO {table} SELECT * FROM _frame")
    finally:
        con.unregister("_frame")


def is_built(con: Connection) -> bool:
    return db.value(con, "SELECT count(*) FROM plan") > 0


def ensure_database(path=None, settings: Settings | None = None):
    """Open the database, building it from data/ when it has never been built."""
    con = db.connect(path)
    if not is_built(con):
        build_database(con, settings or load_settings())
    return con

