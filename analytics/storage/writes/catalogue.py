"""The machinery every write of the database goes through: role, lock, transaction, audit, data version.

A write is a function decorated with ``write``: the decorator checks the acting user's role, takes the one
WRITE_LOCK, runs the function in one transaction and writes the audit rows the function hands back (``Done``,
or a detail string), so no write can leave its audit row out; a write of figures renews the data version in
the same transaction. The work that must not hold other writers back (argon2, a backup's export, the lookup
of a session on every page run) is the write's ``prepare``: it runs first, outside the lock, and may settle
the call without writing. One process, one lock: the boundary a single writer process would own.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Never, ParamSpec, Protocol, TypeVar, overload

from analytics.access.accounts import NEEDS, require
from analytics.storage.db import Connection, transaction
from analytics.text import usertext

WRITE_LOCK = threading.RLock()
_INSIDE = threading.local()  # a write running on this thread: another one inside it would nest transactions


@dataclass(frozen=True)
class Write:
    """One entry of the catalogue: its audit action, the permission it needs (None: an act nobody signed in
    does, such as a sign-in attempt, or the command line's build), whether it changes figures."""

    action: str
    needs: str | None
    figures: bool


CATALOGUE: dict[str, Write] = {}

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")
T = TypeVar("T")
V_co = TypeVar("V_co", covariant=True)
T_co = TypeVar("T_co", covariant=True)
S_co = TypeVar("S_co", covariant=True)


@dataclass(frozen=True)
class Entry:
    """One audit row, when it differs from the write's own: another action, actor or moment."""

    detail: str = ""
    action: str | None = None
    actor: str | None = None
    at: dt.datetime | None = None


@dataclass(frozen=True, init=False)
class Done(Generic[V_co]):
    """What a write did: its audit rows (none only when it changed nothing worth one: a session's idle clock), the
    value the caller gets, and a refusal raised after the commit, which keeps the refused attempt's audit row.
    The type parameter is the value the caller gets: None without one, Never when a refusal is always raised."""

    audit: tuple[str | Entry, ...]
    value: V_co
    refusal: Exception | None = None

    @overload
    def __init__(self, audit: tuple[str | Entry, ...], value: V_co, refusal: Exception | None = None) -> None: ...
    @overload
    def __init__(self: Done[None], audit: tuple[str | Entry, ...], *, refusal: None = None) -> None: ...
    @overload
    def __init__(self: Done[Never], audit: tuple[str | Entry, ...], *, refusal: Exception) -> None: ...

    def __init__(self, audit: tuple[str | Entry, ...], value: Any = None, refusal: Exception | None = None) -> None:
        # What the dataclass's own __init__ would do; written out only so that the value's type is the caller's.
        object.__setattr__(self, "audit", audit)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "refusal", refusal)


class _Plain(Protocol):
    """``write`` without ``prepare``: the caller gets the ``Done``'s value, or None for a detail string."""

    @overload
    def __call__(self, fn: Callable[P, str]) -> Callable[P, None]: ...
    @overload
    def __call__(self, fn: Callable[P, Done[R]]) -> Callable[P, R]: ...


class _Prepared(Protocol[P, T_co, S_co]):
    """``write`` with ``prepare``: the caller calls ``prepare``'s signature and gets the value of the ``Done`` that
    settles it (``S_co``) or of the one ``fn`` returns from what ``prepare`` made (``T_co``)."""

    @overload
    def __call__(self, fn: Callable[[Connection, T_co], str]) -> Callable[P, S_co | None]: ...
    @overload
    def __call__(self, fn: Callable[[Connection, T_co], Done[R]]) -> Callable[P, S_co | R]: ...


@overload
def write(action: str, *, needs: str | None, figures: bool = False, prepare: None = None) -> _Plain: ...
@overload
def write(action: str, *, needs: str | None, figures: bool = False,
          prepare: Callable[P, T | Done[S]]) -> _Prepared[P, T, S]: ...


def write(action: str, *, needs: str | None, figures: bool = False,
          prepare: Callable[..., object] | None = None) -> _Plain | _Prepared[..., Any, Any]:
    """Catalogue ``fn`` as a write. With ``prepare``, the caller's arguments go to ``prepare`` (outside the
    lock) and ``fn(con, prepared)`` runs in the transaction; a ``Done`` from ``prepare`` settles the call."""
    if needs is not None and needs not in NEEDS:
        raise ValueError(f"unknown permission {needs!r}")

    def decorate(fn: Callable[..., Done[Any] | str]) -> Callable[..., Any]:
        entry = Write(action, needs, figures)
        CATALOGUE[fn.__name__] = entry
        front = prepare or fn
        signature = inspect.signature(front)

        @functools.wraps(fn)
        def run(con: Connection, *args, **kwargs):
            bound = signature.bind(con, *args, **kwargs)
            user = bound.arguments.get("user")
            if needs is not None:
                require(user, needs)
            body_args, body_kwargs = args, kwargs
            if prepare is not None:
                ready = prepare(con, *args, **kwargs)
                if isinstance(ready, Done):
                    return _settled(ready)
                body_args, body_kwargs = (ready,), {}
            now = bound.arguments.get("now")
            if _FORWARD:
                return _settled(_FORWARD[0](fn.__name__, body_args, body_kwargs, user, now))
            return _settled(committed(con, fn.__name__, body_args, body_kwargs, user, now))

        _BODIES[fn.__name__] = fn
        run.__dict__["__signature__"] = signature  # what inspect.signature reads: prepare's, when there is one
        return run
    return decorate


_BODIES: dict[str, Callable[..., Done[Any] | str]] = {}  # name -> the transaction's body (after ``prepare``)
_FORWARD: list[Callable[..., Done[Any]]] = []  # set in a process that reads snapshots: sends writes to the writer


def forward_to(send: Callable[..., Done[Any]] | None) -> None:
    """From now on this process sends each write's transaction to ``send`` (analytics.storage.writer.Remote)
    instead of running it; None: it runs its own again."""
    _FORWARD[:] = [send] if send is not None else []


def committed(con: Connection, name: str, args: tuple, kwargs: dict, user, now: dt.datetime | None) -> Done[Any]:
    """The transaction of the write ``name`` on ``con``: role, one lock, one transaction, audit rows, version."""
    entry, fn = CATALOGUE[name], _BODIES[name]
    if entry.needs is not None:
        require(user, entry.needs)
    if getattr(_INSIDE, "running", False):
        raise RuntimeError(f"{name}: a write inside another write; call its undecorated helper")
    with WRITE_LOCK:
        _INSIDE.running = True
        try:
            with transaction(con):
                done = fn(con, *args, **kwargs)
                done = Done((done,)) if isinstance(done, str) else done
                if not isinstance(done, Done):
                    raise TypeError(f"{name} must return its audit detail or a Done")
                at = now or dt.datetime.now()
                for row in done.audit:
                    _audit(con, entry, row, user, at)
                if entry.figures:
                    _renew_version(con)
            for publish in _PUBLISH:
                publish(con)
        finally:
            _INSIDE.running = False
    return done


_PUBLISH: list[Callable[[Connection], object]] = []  # the writer process's snapshot, made after every commit


def publish_after_commit(publish: Callable[[Connection], object] | None) -> None:
    """From now on every write of this process, still under the lock, ends with ``publish(con)``."""
    _PUBLISH[:] = [publish] if publish is not None else []


def _settled(done: Done[R]) -> R:
    if done.refusal is not None:
        raise done.refusal
    return done.value


def _audit(con: Connection, entry: Write, row: str | Entry, user, now: dt.datetime) -> None:
    """One audit row. Names quoted in the detail come from people and files: control characters never reach the
    log or its exports. Never a password or a hash."""
    row = Entry(row) if isinstance(row, str) else row
    actor = row.actor or getattr(user, "username", None)
    if actor is None:
        raise TypeError(f"{entry.action}: an audit row needs an actor")
    con.execute("INSERT INTO audit_log (happened_at, actor, action, detail) VALUES (?, ?, ?, ?)",
                [row.at or now, actor, row.action or entry.action, usertext.clean(row.detail)])


def _renew_version(con: Connection) -> None:
    """What figures derive from changed: every cached result of the old version is stale (analytics.storage.cache)."""
    con.execute("UPDATE data_version SET version = version + 1, token = uuid()::VARCHAR")
