"""Saved layouts: the column mapping a person confirmed for files of one shape, used for the next such file.

A shape is the file's header signature (its header words, digits ignored, so next month's
file has the same one). Saving is part of confirming a mapping on the upload page or on the
command line; an administrator lists and deletes layouts. Every change is audited.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from analytics.access import audit
from analytics.access.accounts import User, require
from analytics.intake.columns import Column
from analytics.intake.reading import Saved
from analytics.storage import db
from analytics.storage.db import Connection, transaction


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


def save(con: Connection, user: User, kind: str, signature: str, columns: list[Column], mapping: dict[int, str],
         file_name: str, now: dt.datetime | None = None) -> None:
    """Store (or replace) the layout of files shaped like this one, audited."""
    require(user, "upload")
    now = now or dt.datetime.now()
    headers = json.dumps([c.header for c in columns], ensure_ascii=False)
    with transaction(con):
        con.execute("INSERT OR REPLACE INTO layouts VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [signature, kind, headers, json.dumps({str(k): v for k, v in sorted(mapping.items())}),
                     file_name, user.username, now])
        shown = ", ".join(f"{c.letter}={mapping.get(c.index, 'skip')}" for c in columns)
        audit.record(con, user.username, "save_layout", f"{kind} «{file_name}»: {shown}", now)


def listing(con: Connection) -> pd.DataFrame:
    """Every saved layout: signature, kind, the headers and what each column was mapped to, who saved it."""
    frame = db.query(con, "SELECT signature, kind, headers, mapping, file_name, saved_by, saved_at FROM layouts "
                          "ORDER BY saved_at DESC")
    frame["columns"] = [
        "; ".join(f"{h or '(trống)'} → {json.loads(m).get(str(i), 'skip')}" for i, h in enumerate(json.loads(hs)))
        for hs, m in zip(frame["headers"], frame["mapping"])]
    return frame[["signature", "kind", "file_name", "columns", "saved_by", "saved_at"]]


def delete(con: Connection, user: User, signature: str) -> None:
    """Forget a layout, audited: the next file of that shape is read afresh."""
    require(user, "layouts")
    with transaction(con):
        con.execute("DELETE FROM layouts WHERE signature = ?", [signature])
        audit.record(con, user.username, "delete_layout", signature)
