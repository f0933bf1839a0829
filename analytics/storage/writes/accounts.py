"""Accounts created, disabled or enabled, given a new password; the session key rotated; plan settings changed."""

from __future__ import annotations

import datetime as dt

from analytics.access import accounts
from analytics.access.accounts import User
from analytics.errors import UnknownAccount, UserExists
from analytics.settings import update_settings
from analytics.storage.db import Connection
from analytics.storage.writes.catalogue import Done, Entry, write
from analytics.storage.writes.sessions import _end_all, _rotate_key


def _ended(username: str, ended: int) -> str:
    return username + (f" (kết thúc {ended} phiên đăng nhập)" if ended else "")


@write("create_user", needs="accounts")
def create_user(con: Connection, user: User, username: str, display_name: str, role: str, password: str,
                now: dt.datetime | None = None) -> Done[User]:
    """A new local account; the user it is."""
    username, display_name = accounts.new_account(username, display_name, role, password)
    same = con.execute("SELECT count(*) FROM users WHERE username = ?", [username]).fetchone()
    assert same is not None  # count(*) always has its row
    if same[0]:
        raise UserExists(f"Tài khoản «{username}» đã có.")
    con.execute("INSERT INTO users (username, display_name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                [username, display_name, role, accounts.hashed(password), now or dt.datetime.now()])
    return Done((f"{username} ({role})",), User(username, display_name, role))


@write("disable_user", needs="accounts")
def set_disabled(con: Connection, user: User, username: str, disabled: bool,
                 now: dt.datetime | None = None) -> Done[None]:
    """Disable or enable an account; disabling ends its sessions at once, and re-enabling revives none."""
    now = now or dt.datetime.now()
    con.execute("UPDATE users SET disabled = ? WHERE username = ?", [disabled, username])
    ended = _end_all(con, username, "disabled", now) if disabled else 0
    return Done((Entry(_ended(username, ended), None if disabled else "enable_user"),))


@write("reset_password", needs="accounts")
def reset_password(con: Connection, user: User, username: str, password: str, now: dt.datetime | None = None) -> str:
    """An administrator gives an account a new password; every session of that account ends, and no address waits
    any longer to try it."""
    accounts.check_password(password, username)
    changed = con.execute("UPDATE users SET password_hash = ? WHERE username = ? RETURNING 1",
                          [accounts.hashed(password), username]).fetchall()
    if not changed:
        raise UnknownAccount(f"Không có tài khoản «{username}».")
    con.execute("DELETE FROM login_failures WHERE username = ?", [username])  # the new password starts afresh
    return _ended(username, _end_all(con, username, "password", now or dt.datetime.now()))


@write("rotate_session_key", needs="rotate_key")
def rotate_session_key(con: Connection, user: User, now: dt.datetime | None = None) -> Done[int]:
    """An administrator signs everyone out, themselves too: a new session key and every session ended. How many
    live sessions it ended."""
    ended = _rotate_key(con)
    return Done((f"kết thúc {ended} phiên đăng nhập",), ended)


@write("settings", needs="settings", figures=True)
def change_settings(con: Connection, user: User, changes: dict, path=None) -> Done[list[str]]:
    """An administrator changes plan settings (thresholds and deadlines change figures); one audit row a change."""
    done = update_settings(changes, path)
    return Done(tuple(done), done)
