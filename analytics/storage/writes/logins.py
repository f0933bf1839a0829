"""Sign-in attempts: each decided, counted and audited (the rules are analytics.access.accounts')."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from analytics.access import accounts
from analytics.access.accounts import EVERY_CLIENT, LOCAL_CLIENT, User
from analytics.errors import LoginFailed
from analytics.storage.db import Connection
from analytics.storage.writes.catalogue import Done, Entry, write


@dataclass(frozen=True)
class _Attempt:
    key: str  # the normalised name of an account, or an unknown name's digest: its variants share one count
    hashed: str | None  # the account's password hash, None for an unknown name
    client: str
    right: bool
    held: str | None
    now: dt.datetime


def _checked(con: Connection, username: str, password: str, now: dt.datetime | None = None, *,
             client: str = LOCAL_CLIENT) -> _Attempt:
    """The password checked outside the lock, known user or not, so a crowd of logins runs argon2 in parallel; a
    held attempt's password is never checked."""
    now = now or dt.datetime.now()
    client = accounts.client_key(client)
    name = accounts.normalised_username(username)
    row = None if name is None else con.execute("SELECT password_hash FROM users WHERE username = ?",
                                                  [name]).fetchone()
    key = name if name is not None and row else accounts.audit_name(name or username)
    held = accounts.held(con, key, client, now)
    right = held is None and accounts.verified(row[0] if row else accounts.dummy_hash(), password) and row is not None
    return _Attempt(key, row[0] if row else None, client, right, held, now)


@write("login", needs=None, prepare=_checked)
def authenticate(con: Connection, attempt: _Attempt) -> Done[User]:
    """The user, or LoginFailed with one message for every refusal; every attempt is audited, never the password.
    ``client``: the address the attempt comes from, which its failures are counted under.

    The wait is read afresh under the lock (parallel failures may have begun one since the password was checked),
    and each failure count is raised and read in one statement; the refusal is raised after the commit, which
    keeps its audit row.
    """
    key, client, now = attempt.key, attempt.client, attempt.now
    refused = LoginFailed(accounts.REFUSED)
    held = attempt.held or accounts.held(con, key, client, now)
    if held:
        return Done((Entry(held, "login_failed", key, now),), refusal=refused)
    if attempt.right:
        found = con.execute("SELECT display_name, role FROM users WHERE username = ? AND password_hash = ? "
                            "AND NOT disabled", [key, attempt.hashed]).fetchone()
        if found:
            con.execute("DELETE FROM login_failures WHERE username = ? AND client = ?", [key, client])
            return Done((Entry("", "login", key, now),), User(key, *found))
        why = "đúng mật khẩu nhưng tài khoản bị vô hiệu hoặc vừa đổi mật khẩu"
        return Done((Entry(why, "login_failed", key, now),), refusal=refused)
    con.execute("DELETE FROM login_failures WHERE last_failure < ?", [now - accounts.FORGET_AFTER])
    counted = [_counted(con.execute(
        "INSERT INTO login_failures VALUES (?, ?, 1, ?) ON CONFLICT (username, client) DO UPDATE SET "
        "failures = CASE WHEN last_failure > ? THEN failures + 1 ELSE 1 END, "
        "last_failure = excluded.last_failure RETURNING failures",
        [key, where, now, now - window]).fetchone())
        for where, window in ((client, accounts.FORGET_AFTER), (EVERY_CLIENT, accounts.ACCOUNT_WINDOW))]
    what = "sai mật khẩu" if attempt.hashed else "không có tài khoản này, sai"
    return Done((Entry(f"{what} lần thứ {counted[0]} từ {client}", "login_failed", key, now),), refusal=refused)


def _counted(row: tuple | None) -> int:
    assert row is not None  # an upsert's RETURNING gives its row
    return row[0]
