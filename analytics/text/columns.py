"""Every table column the pages and reports show, once: its Vietnamese heading and the format of its figures.

A column is named as in the analytics frames; ``ui.widgets.table`` and the reports' workbooks read their
headings and formats here, so a page passes a heading only where it needs a different one. The table itself
is data, ``columns.csv`` beside this module (name, label, kind), so a heading is reworded without touching code.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

_TABLE = Path(__file__).with_name("columns.csv")


@dataclass(frozen=True)
class Column:
    label: str
    kind: str | None = None  # a format of analytics.text.fmt.KINDS; None: text, or as fmt.table finds it


def _read(path: Path) -> dict[str, Column]:
    with path.open(encoding="utf-8", newline="") as rows:
        return {row["name"]: Column(row["label"], row["kind"] or None) for row in csv.DictReader(rows)}


COLUMNS = _read(_TABLE)
# Number format of each numeric column by name, for the workbooks.
KINDS = {name: column.kind for name, column in COLUMNS.items() if column.kind is not None}


def headings(names) -> dict[str, str]:
    """name -> heading of ``names``, in that order."""
    return {name: COLUMNS[name].label for name in names}
