"""Sign-in sessions that outlive a browser tab: a signed, expiring token that the browser keeps in a cookie.

The database keeps only the token's SHA-256, so a copy of the file opens no session. A session ends, for
good, on logout, after ``idle_minutes`` without a real interaction, at the end of its lifetime, and when its
account is disabled, deleted or given a new password; every end is audited. Each use reads the account
afresh, so a change of role applies at the user's next click. An administrator who fears a key or a cookie has
leaked rotates the key: every token signed before opens nothing, and everyone signs in again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from analytics.access import audit
from analytics.errors import SessionExpired, SessionRevoked, WriteConflict
from analytics.storage import db
from analytics.storage.db import Connection

SALT = "bhxh-phien-dang-nhap"
TOUCH_SECONDS = 60  # a real interaction is written at most once a minute: idle expiry counts minutes
REVOKED = {
    "disabled": "Phiên đăng nhập đã kết thúc vì tài khoản đã bị khoá. Hãy liên hệ quản trị nếu cần mở lại.",
    "password": "Phiên đăng nhập đã kết thúc vì mật khẩu của tài khoản vừa được đổi; hãy đăng nhập bằng mật khẩu mới.",
    "deleted": "Phiên đăng nhập đã kết thúc vì tài khoản không còn tồn tại. Hãy liên hệ quản trị.",
}
# reason -> (audit action, its detail)
_AUDITED = {"logout": ("logout", ""), "idle": ("session_expired", "không hoạt động"),
            "lifetime": ("session_expired", "quá thời hạn"), "deleted": ("session_ended", "tài khoản không còn"),
            "disabled": ("session_ended", "tài khoản bị khoá")}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _signer(con: Connection) -> TimestampSigner:
    """The signing key is made once per database, at the first sign-in, and kept with the accounts."""
    key = db.value(con, "SELECT value FROM app_keys WHERE name = 'session'")
    if key is None:
        try:
            with db.transaction(con):
                con.execute("INSERT INTO app_keys VALUES ('session', ?) ON CONFLICT DO NOTHING",
                            [secrets.token_hex(32)])
        except WriteConflict:
            pass  # two first sign-ins at once: the other one's key stands
        key = db.value(con, "SELECT value FROM app_keys WHERE name = 'session'")
    return TimestampSigner(key, salt=SALT)


def start(con: Connection, username: str, lifetime_hours: float, now: dt.datetime | None = None) -> str:
    """A new session for ``username`` (already authenticated); the token to hand to the browser."""
    now = now or dt.datetime.now()
    token = _signer(con).sign(secrets.token_urlsafe(32)).decode()
    with db.transaction(con):
        con.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, NULL, NULL)",
                    [_digest(token), username, now, now, now + dt.timedelta(hours=lifetime_hours)])
    return token


def resume(con: Connection, token: str, *, idle_minutes: int, lifetime_hours: float, touch: bool,
           now: dt.datetime | None = None) -> tuple[str, str, str] | None:
    """(user name, display name, role) of a live session's account as the database holds them now.

    None for a token that is forged, unknown or logged out. SessionExpired or SessionRevoked, saying why, for
    a session that ended otherwise (it is ended here if it has just run out). ``touch``: this use is a real
    interaction, which restarts the idle clock.
    """
    now = now or dt.datetime.now()
    try:
        _signer(con).unsign(token, max_age=int(lifetime_hours * 3600))
    except SignatureExpired as exc:
        raise SessionExpired(_lifetime_message(lifetime_hours)) from exc
    except BadSignature:
        return None
    digest = _digest(token)
    row = db.rows(con, "SELECT s.username, s.last_active, s.expires_at, s.end_reason, u.display_name, u.role, "
                       "u.disabled FROM sessions s LEFT JOIN users u USING (username) WHERE s.token_hash = ?",
                  [digest])
    if not row:
        return None
    username, last_active, expires_at, ended, display_name, role, disabled = row[0]
    if ended is None:
        ended = ("deleted" if role is None else "disabled" if disabled else "lifetime" if now >= expires_at
                 else "idle" if now - last_active > dt.timedelta(minutes=idle_minutes) else None)
        if ended is not None:
            _end(con, digest, ended, now)
    if ended == "logout":
        return None
    if ended in REVOKED:
        raise SessionRevoked(REVOKED[ended])
    if ended == "lifetime":
        raise SessionExpired(_lifetime_message(lifetime_hours))
    if ended is not None:
        raise SessionExpired(f"Phiên làm việc đã hết hạn vì không hoạt động quá {idle_minutes} phút; "
                             "hãy đăng nhập lại.")
    if touch and now - last_active >= dt.timedelta(seconds=TOUCH_SECONDS):
        try:
            with db.transaction(con):
                con.execute("UPDATE sessions SET last_active = ? WHERE token_hash = ? AND last_active < ?",
                            [now, digest, now])
        except WriteConflict:
            pass  # another tab of the same session recorded its own interaction at this very moment
    return username, display_name, role


def _lifetime_message(hours: float) -> str:
    return f"Phiên đăng nhập đã quá thời hạn {hours:g} giờ; hãy đăng nhập lại."


def _end(con: Connection, digest: str, reason: str, now: dt.datetime) -> None:
    """End one session and audit it; a second tab ending the same session at the same moment changes nothing."""
    action, detail = _AUDITED[reason]
    try:
        with db.transaction(con):
            ended = con.execute("UPDATE sessions SET ended_at = ?, end_reason = ? "
                                "WHERE token_hash = ? AND ended_at IS NULL RETURNING username",
                                [now, reason, digest]).fetchall()
            for (username,) in ended:
                audit.record(con, username, action, detail, now)
    except WriteConflict:
        pass


def end(con: Connection, token: str, now: dt.datetime | None = None) -> None:
    """Logout: the session ends on the server, whatever the browser keeps."""
    _end(con, _digest(token), "logout", now or dt.datetime.now())


def rotate_key(con: Connection) -> int:
    """Inside the caller's transaction: a new signing key and no session left, so every token signed before, the
    caller's own too, is refused at its next use; how many sessions were live."""
    live = con.execute("SELECT count(*) FROM sessions WHERE ended_at IS NULL").fetchone()[0]
    con.execute("INSERT INTO app_keys VALUES ('session', ?) ON CONFLICT DO UPDATE SET value = excluded.value",
                [secrets.token_hex(32)])
    con.execute("DELETE FROM sessions")
    return live


def end_all(con: Connection, username: str, reason: str, now: dt.datetime) -> int:
    """End every live session of an account, inside the caller's transaction; how many there were."""
    ended = con.execute("UPDATE sessions SET ended_at = ?, end_reason = ? WHERE username = ? AND ended_at IS NULL "
                        "RETURNING 1", [now, reason, username]).fetchall()
    return len(ended)
