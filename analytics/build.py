"""Build the database from the files in data/: registry, plan, appendix, findings.

Rebuilding replaces only what is derived from those files (uploads are kept),
and gives identical contents each time.
"""

from __future__ import annotations

import pandas as pd

from analytics import db
from analytics.groups import former_units
from analytics.registry import Registry, load_registry
from analytics.settings import Settings, load_settings
from analytics.targets import read_appendix, read_overrides, reconcile

SOURCE_TABLES = ("commune_groups", "findings", "targets", "appendix_rows", "commune_aliases", "communes", "plan")


def build_database(con, settings: Settings, registry: Registry | None = None) -> None:
    """Replace every source-derived table in one transaction; ``registry`` defaults to the province's official one."""
    registry = registry or load_registry(settings.province, settings.registry_primary)
    appendix = read_appendix(settings.targets_path)
    overrides = read_overrides(settings.overrides_path, set(registry.units["code"]) | set(registry.aliases["alias"]))
    result = reconcile(appendix, registry.units, registry.aliases, overrides, settings)
    document = f"{settings.title} — Phụ lục ({settings.targets_path.name})"
    registry_notes = pd.DataFrame({"kind": "registry_disagreement", "subject": "Danh mục đơn vị",
                                   "detail": registry.disagreements, "status": "info"})
    findings = pd.concat([result.findings, registry_notes], ignore_index=True)
    findings.insert(0, "id", range(1, len(findings) + 1))
    rows = result.rows
    targets = rows[rows["code"].notna()].assign(target_year=settings.target_year, source_document=document)
    h = settings.headline
    with db.transaction(con):
        for table in SOURCE_TABLES:
            con.execute(f"DELETE FROM {table}")
        con.execute("INSERT INTO plan VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            settings.province, settings.title, settings.target_year, h.participants, h.voluntary,
            h.labour_force_coverage_pct, h.voluntary_coverage_pct, settings.baseline_month, document])
        _insert(con, "communes", registry.units)
        _insert(con, "commune_aliases", registry.aliases)
        _insert(con, "commune_groups", former_units(settings.province, registry.units))
        _insert(con, "appendix_rows", rows[["stt", "name_as_printed", "total_target", "voluntary_min",
                                            "code", "method", "score", "status"]])
        _insert(con, "targets", targets[["code", "target_year", "total_target", "voluntary_min",
                                         "source_document"]])
        _insert(con, "findings", findings[["id", "kind", "subject", "detail", "status"]])


def _insert(con, table: str, frame: pd.DataFrame) -> None:
    con.register("_frame", frame)
    try:
        con.execute(f"INSERT INTO {table} SELECT * FROM _frame")
    finally:
        con.unregister("_frame")


def is_built(con) -> bool:
    return db.value(con, "SELECT count(*) FROM plan") > 0


def ensure_database(path=None, settings: Settings | None = None):
    """Open the database, building it from data/ when it has never been built."""
    con = db.connect(path)
    if not is_built(con):
        build_database(con, settings or load_settings())
    return con


if __name__ == "__main__":
    from analytics.aliases import run_as

    run_as("build")
