"""Figures computed once per data version and shared by every session of the server.

Every figure derives from the stored data and the settings. The database holds a data version, a
counter and a random token, which every write that can change a figure renews inside its own
transaction (analytics.storage.writes). A function decorated with ``shared`` keeps its results keyed by that token
and by its other arguments (period, scope, indicator, settings…): the first session to ask computes,
sessions asking at the same moment wait for that result instead of computing it again, and every
later session gets it until the next write. The token, not the counter, is the key, so copies of one
database file that then take different writes never share a result. Each function keeps at most
``max_entries`` results, least recently used out first, and a new version drops the old one's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import threading
from collections import OrderedDict
from pathlib import Path

import duckdb
import pandas as pd

from analytics.storage.db import Connection

_MEMOS: list[_Memo] = []
_LATEST: dict[str, str] = {}  # database id -> the token last seen, so results of older versions can go
_LATEST_LOCK = threading.Lock()


def version(con: Connection) -> tuple[str, int, str] | None:
    """(database id, counter, token) of the data as this connection sees it; None before migration 8."""
    try:
        return con.execute("SELECT database_id, version, token FROM data_version").fetchone()
    except duckdb.CatalogException:
        return None


class _Unkeyable(Exception):
    """An argument that cannot be part of a key (a data frame): the call is computed, not shared."""


def _key(value):
    if value is None or isinstance(value, str | int | float | bool | dt.date | dt.datetime):
        return value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list | tuple):
        return tuple(_key(v) for v in value)
    if isinstance(value, set | frozenset):
        return frozenset(_key(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _key(v)) for k, v in value.items()))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return type(value).__qualname__, tuple(_key(getattr(value, f.name)) for f in dataclasses.fields(value))
    raise _Unkeyable(type(value).__name__)


def _fresh(value, depth: int = 0):
    """What a caller may change without touching the shared result: frames copied on write, new dictionaries
    (a chart spec's keys are set by Streamlit), a new outer list or tuple; rows of data inside are shared, not
    copied."""
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=False)
    if isinstance(value, dict) and depth < 4:
        return {k: _fresh(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple) and depth == 0:
        return type(value)(_fresh(v, depth + 1) for v in value)
    return value


@dataclasses.dataclass
class _Memo:
    name: str
    max_entries: int
    entries: OrderedDict = dataclasses.field(default_factory=OrderedDict)
    pending: dict = dataclasses.field(default_factory=dict)
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    hits: int = 0
    misses: int = 0

    def forget_other_versions(self, database_id: str, token: str) -> None:
        with self.lock:
            for key in [k for k in self.entries if k[0] == database_id and k[1] != token]:
                del self.entries[key]

    def get(self, key, compute, still_current):
        """The stored result, or the one another thread is computing, or compute it now (stored if still current)."""
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                self.hits += 1
                return self.entries[key]
            waiting = self.pending.get(key)
            if waiting is None:
                self.pending[key] = threading.Event()
            self.misses += waiting is None
        if waiting is not None:
            waiting.wait()
            with self.lock:
                if key in self.entries:
                    self.hits += 1
                    return self.entries[key]
            return compute()  # the first computation failed or was already stale: the caller computes its own
        try:
            value = compute()
            if still_current():
                with self.lock:
                    self.entries[key] = value
                    while len(self.entries) > self.max_entries:
                        self.entries.popitem(last=False)
            return value
        finally:
            with self.lock:
                self.pending.pop(key).set()


def _seen(database_id: str, token: str) -> None:
    with _LATEST_LOCK:
        if _LATEST.get(database_id) == token:
            return
        _LATEST[database_id] = token
    for memo in _MEMOS:
        memo.forget_other_versions(database_id, token)


def shared(max_entries: int = 32):
    """Share the results of ``fn(con, …)`` among sessions, per data version and arguments.

    A call with an argument that cannot be a key (a data frame) is computed every time.
    """
    def decorate(fn):
        memo = _Memo(f"{fn.__module__}.{fn.__qualname__}", max_entries)
        _MEMOS.append(memo)

        @functools.wraps(fn)
        def wrapper(con: Connection, *args, **kwargs):
            found = version(con)
            try:
                arguments = _key((args, kwargs))
            except _Unkeyable:
                found = None
            if found is None:
                return fn(con, *args, **kwargs)
            database_id, _, token = found
            _seen(database_id, token)
            value = memo.get((database_id, token, arguments), lambda: fn(con, *args, **kwargs),
                             lambda: version(con) == found)
            return _fresh(value)

        wrapper.__dict__["memo"] = memo  # a function attribute, which the checker does not model
        return wrapper
    return decorate


def stats() -> dict[str, dict[str, int]]:
    """Per shared function: results held, hits and misses since the start."""
    return {m.name: {"entries": len(m.entries), "hits": m.hits, "misses": m.misses} for m in _MEMOS}
