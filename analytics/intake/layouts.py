"""Saved layouts: the column mapping a person confirmed for files of one shape, used for the next such file.

A shape is the file's header signature (its header words, digits ignored, so next month's
file has the same one). Saving is part of confirming a mapping on the upload page or on the
command line; an administrator lists and deletes layouts (analytics.storage.writes.save_layout, delete_layout).
"""

from __future__ import annotations

import json

import pandas as pd

from analytics.intake.reading import Saved
from analytics.storage import db
from analytics.storage.db import Connection


def finder(con: Connection, kind: str):
    """A function: header signature -> the Saved layout of that shape, or None."""
    def saved(signature: str) -> Saved | None:
        found = db.rows(con, "SELECT mapping, saved_by, saved_at, file_name FROM layouts WHERE signature = ? "
                             "AND kind = ?", [signature, kind])
        if not found:
            return None
        mapping, by, at, file_name = found[0]
        return Saved({int(k): v for k, v in json.loads(mapping).items()}, by, at.strftime("%d/%m/%Y"), file_name)
    return saved


def listing(con: Connection) -> pd.DataFrame:
    """Every saved layout: signature, kind, the headers and what each column was mapped to, who saved it."""
    frame = db.query(con, "SELECT signature, kind, headers, mapping, file_name, saved_by, saved_at FROM layouts "
                          "ORDER BY saved_at DESC")
    frame["columns"] = [
        "; ".join(f"{h or '(trống)'} → {json.loads(m).get(str(i), 'skip')}" for i, h in enumerate(json.loads(hs)))
        for hs, m in zip(frame["headers"], frame["mapping"])]
    return frame[["signature", "kind", "file_name", "columns", "saved_by", "saved_at"]]
