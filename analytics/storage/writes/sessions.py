"""Sessions started, their idle clock touched, ended (analytics.access.sessions holds the tokens' rules)."""

from __future__ import annotations

import datetime as dt
import secrets

from analytics.access import sessions
from analytics.access.accounts import User
from analytics.storage.db import Connection
from analytics.storage.writes.catalogue import Done, Entry, write


@write("start_session", needs=None)
def start_session(con: Connection, username: str, lifetime_hours: float, now: dt.datetime | None = None) -> Done[str]:
    """A new session for ``username``, whom the caller has just authenticated (password or single sign-on, the
    sign-in audited there); the token to hand to the browser."""
    now = now or dt.datetime.now()
    con.execute("INSERT INTO app_keys VALUES ('session', ?) ON CONFLICT DO NOTHING", [secrets.token_hex(32)])
    signing_key = sessions.key(con)
    assert signing_key is not None  # inserted just above when there was none
    token = sessions.signer(signing_key).sign(secrets.token_urlsafe(32)).decode()
    con.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, NULL, NULL)",
                [sessions.digest(token), username, now, now, now + dt.timedelta(hours=lifetime_hours)])
    return Done((), token)


def _look(con: Connection, token: str, *, idle_minutes: int, lifetime_hours: float, touch: bool,
          now: dt.datetime | None = None
          ) -> Done[User | None] | tuple[sessions.Found, dt.datetime, User | Exception | None]:
    """Every page run reads its session outside the lock; only an end or a touch of the idle clock writes."""
    now = now or dt.datetime.now()
    found = sessions.found(con, token, idle_minutes=idle_minutes, lifetime_hours=lifetime_hours, now=now)
    if found is None:
        return Done((), None)
    if found.ended is not None:
        return Done((), None, sessions.refusal(found.ended, idle_minutes=idle_minutes, lifetime_hours=lifetime_hours))
    if found.ends is not None:
        return found, now, sessions.refusal(found.ends, idle_minutes=idle_minutes, lifetime_hours=lifetime_hours)
    assert found.display_name is not None and found.role is not None  # else it ends: "deleted"
    user = User(found.username, found.display_name, found.role)
    if touch and now - found.last_active >= dt.timedelta(seconds=sessions.TOUCH_SECONDS):
        return found, now, user
    return Done((), user)


@write("session_ended", needs=None, prepare=_look)
def signed_in(con: Connection, ready: tuple[sessions.Found, dt.datetime, User | Exception | None]
              ) -> Done[User | None]:
    """The account behind a session token, with its role as it is now; None, SessionExpired or SessionRevoked
    otherwise. ``touch``: this use is a real interaction, which restarts the idle clock."""
    found, now, outcome = ready
    if isinstance(outcome, User):
        con.execute("UPDATE sessions SET last_active = ? WHERE token_hash = ? AND last_active < ?",
                    [now, found.digest, now])
        return Done((), outcome)
    assert found.ends is not None  # _look hands on a session without an end only to touch it
    return Done(_end(con, found.digest, found.ends, now), None, outcome)


@write("logout", needs=None)
def end_session(con: Connection, token: str, now: dt.datetime | None = None) -> Done[None]:
    """Logout, by whoever holds the token: the session ends on the server, whatever the browser keeps."""
    return Done(_end(con, sessions.digest(token), "logout", now or dt.datetime.now()))


def _end(con: Connection, digest: str, reason: str, now: dt.datetime) -> tuple[Entry, ...]:
    """End one session; its audit row, none when another tab ended it first."""
    action, detail = sessions.AUDITED[reason]
    ended = con.execute("UPDATE sessions SET ended_at = ?, end_reason = ? "
                        "WHERE token_hash = ? AND ended_at IS NULL RETURNING username",
                        [now, reason, digest]).fetchall()
    return tuple(Entry(detail, action, username, now) for (username,) in ended)


def _end_all(con: Connection, username: str, reason: str, now: dt.datetime) -> int:
    """End every live session of an account, inside the caller's write; how many there were."""
    ended = con.execute("UPDATE sessions SET ended_at = ?, end_reason = ? WHERE username = ? AND ended_at IS NULL "
                        "RETURNING 1", [now, reason, username]).fetchall()
    return len(ended)


def _rotate_key(con: Connection) -> int:
    """Inside the caller's write: a new signing key and no session left, so every token signed before, the
    caller's own too, is refused at its next use; how many sessions were live."""
    counted = con.execute("SELECT count(*) FROM sessions WHERE ended_at IS NULL").fetchone()
    assert counted is not None  # count(*) always has its row
    live = counted[0]
    con.execute("INSERT INTO app_keys VALUES ('session', ?) ON CONFLICT DO UPDATE SET value = excluded.value",
                [secrets.token_hex(32)])
    con.execute("DELETE FROM sessions")
    return live
