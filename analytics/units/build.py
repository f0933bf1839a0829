"""What the database is built from: the files in data/ read, and the appendix matched against the registry.

The frames only; analytics.storage.writes.plan stores them. Rebuilding replaces only what is derived from
those files (uploads are kept), and gives identical contents each time.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.settings import Settings
from analytics.storage import db
from analytics.storage.db import Connection
from analytics.units import communes
from analytics.units.groups import former_units
from analytics.units.registry import Registry, load_registry
from analytics.units.targets import read_appendix, read_overrides, reconcile

SOURCE_TABLES = ("commune_groups", "commune_aliases", "communes", "plan")
MATCHED_TABLES = ("findings", "targets", "appendix_rows")
SEEDED_BY = "data/name_overrides.csv"


@dataclass(frozen=True)
class Sources:
    """The files of data/ as the tables they fill: the plan's row, the registry, the appendix as printed."""

    plan: list
    registry: Registry
    groups: pd.DataFrame
    appendix: pd.DataFrame
    seeds: dict[str, tuple[str, str]]  # written name -> (primary code, note) from the shipped overrides
    notes: pd.DataFrame  # the registry's disagreements, kept among the findings


def sources(settings: Settings, registry: Registry | None = None) -> Sources:
    """Read data/; ``registry`` defaults to the province's official one."""
    registry = registry or load_registry(settings.province, settings.registry_primary)
    seeds = read_overrides(settings.overrides_path, set(registry.units["code"]) | set(registry.aliases["alias"]))
    h = settings.headline
    plan = [settings.province, settings.title, settings.target_year, h.participants, h.voluntary,
            h.labour_force_coverage_pct, h.voluntary_coverage_pct, settings.baseline_month,
            f"{settings.title} — Phụ lục ({settings.targets_path.name})"]
    notes = pd.DataFrame({"kind": "registry_disagreement", "subject": "Danh mục đơn vị",
                          "detail": registry.disagreements, "status": "info"})
    groups = former_units(settings.province, registry.units)
    return Sources(plan, registry, groups, read_appendix(settings.targets_path),
                   {written: (registry_code(registry, code), note) for written, (code, note) in seeds.items()}, notes)


def registry_code(registry, code: str) -> str:
    """The primary code of a code or alias of ``registry``."""
    return dict(zip(registry.aliases["alias"], registry.aliases["code"])).get(code, code)


@dataclass(frozen=True)
class Matched:
    """The appendix matched: its rows, the targets of the matched ones, every finding."""

    rows: pd.DataFrame
    targets: pd.DataFrame
    findings: pd.DataFrame


def matched(con: Connection, settings: Settings, appendix: pd.DataFrame, notes: pd.DataFrame) -> Matched:
    """The appendix matched against the stored registry and confirmations."""
    units = db.query(con, "SELECT code, name FROM communes ORDER BY code")
    aliases = db.query(con, "SELECT alias, code, source FROM commune_aliases ORDER BY alias")
    overrides = {name: (code, "") for name, code in communes.confirmed(con).items()}
    result = reconcile(appendix, units, aliases, overrides, settings)
    findings = pd.concat([result.findings, notes], ignore_index=True)
    findings.insert(0, "id", range(1, len(findings) + 1))
    rows = result.rows
    target_year, document = db.rows(con, "SELECT target_year, source_document FROM plan")[0]
    targets = rows[rows["code"].notna()].assign(target_year=target_year, source_document=document)
    return Matched(rows[["stt", "name_as_printed", "total_target", "voluntary_min", "code", "method", "score",
                         "status"]],
                   targets[["code", "target_year", "total_target", "voluntary_min", "source_document"]],
                   findings[["id", "kind", "subject", "detail", "status"]])


def stored_appendix(con: Connection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The appendix as stored and the registry's notes: what a changed confirmation matches again."""
    appendix = db.query(con, "SELECT stt, name_as_printed, total_target, voluntary_min FROM appendix_rows ORDER BY stt")
    notes = db.query(con, "SELECT kind, subject, detail, status FROM findings WHERE kind = 'registry_disagreement' "
                          "ORDER BY id")
    return appendix, notes


def is_built(con: Connection) -> bool:
    rows = db.value(con, "SELECT count(*) FROM plan")
    assert rows is not None  # count(*) always has its row
    return rows > 0
