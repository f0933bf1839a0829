"""Saved column mappings by header signature (analytics.intake.layouts finds and lists them)."""

from __future__ import annotations

import datetime as dt
import json

from analytics.access.accounts import User
from analytics.storage.db import Connection
from analytics.storage.writes.catalogue import write


@write("save_layout", needs="upload")
def save_layout(con: Connection, user: User, kind: str, signature: str, columns: list,
                mapping: dict[int, str], file_name: str, now: dt.datetime | None = None) -> str:
    """Store (or replace) the layout of files shaped like this one: part of confirming a mapping. ``columns``: the
    file's (analytics.intake.columns.Column), passed through so that storage needs no intake import."""
    headers = json.dumps([c.header for c in columns], ensure_ascii=False)
    con.execute("INSERT OR REPLACE INTO layouts VALUES (?, ?, ?, ?, ?, ?, ?)",
                [signature, kind, headers, json.dumps({str(k): v for k, v in sorted(mapping.items())}),
                 file_name, user.username, now or dt.datetime.now()])
    shown = ", ".join(f"{c.letter}={mapping.get(c.index, 'skip')}" for c in columns)
    return f"{kind} «{file_name}»: {shown}"


@write("delete_layout", needs="layouts")
def delete_layout(con: Connection, user: User, signature: str) -> str:
    """Forget a layout: the next file of that shape is read afresh."""
    con.execute("DELETE FROM layouts WHERE signature = ?", [signature])
    return signature
