"""Sign-in sessions that outlive a browser tab: a signed, expiring token that the browser keeps in a cookie.

The database keeps only the token's SHA-256, so a copy of the file opens no session. A session ends, for
good, on logout, after ``idle_minutes`` without a real interaction, at the end of its lifetime, and when its
account is disabled, deleted or given a new password; every end is audited. Each use reads the account
afresh, so a change of role applies at the user's next click. An administrator who fears a key or a cookie has
leaked rotates the key: every token signed before opens nothing, and everyone signs in again.

Here the tokens and what a session's row says; the writes (start, touch, end) are analytics.storage.writes.sessions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from analytics.errors import SessionExpired, SessionRevoked
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
AUDITED = {"logout": ("logout", ""), "idle": ("session_expired", "không hoạt động"),
           "lifetime": ("session_expired", "quá thời hạn"), "deleted": ("session_ended", "tài khoản không còn"),
           "disabled": ("session_ended", "tài khoản bị khoá")}


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def key(con: Connection) -> str | None:
    """The signing key, made once per database at its first sign-in and kept with the accounts."""
    return db.value(con, "SELECT value FROM app_keys WHERE name = 'session'")


def signer(signing_key: str) -> TimestampSigner:
    return TimestampSigner(signing_key, salt=SALT)


@dataclass(frozen=True)
class Found:
    """A live-looking session as stored: its account as the database holds it now, and why it ends now, if it
    does (``ends``), or why it ended before (``ended``)."""

    digest: str
    username: str
    display_name: str | None
    role: str | None
    last_active: dt.datetime
    ended: str | None
    ends: str | None


def found(con: Connection, token: str, *, idle_minutes: int, lifetime_hours: float,
          now: dt.datetime) -> Found | None:
    """The session of a token; None for a token that is forged or unknown; SessionExpired past its lifetime."""
    signing_key = key(con)
    if signing_key is None:
        return None
    try:
        signer(signing_key).unsign(token, max_age=int(lifetime_hours * 3600))
    except SignatureExpired as exc:
        raise SessionExpired(lifetime_message(lifetime_hours)) from exc
    except BadSignature:
        return None
    hashed = digest(token)
    row = db.rows(con, "SELECT s.username, s.last_active, s.expires_at, s.end_reason, u.display_name, u.role, "
                       "u.disabled FROM sessions s LEFT JOIN users u USING (username) WHERE s.token_hash = ?",
                  [hashed])
    if not row:
        return None
    username, last_active, expires_at, ended, display_name, role, disabled = row[0]
    ends = None
    if ended is None:
        ends = ("deleted" if role is None else "disabled" if disabled else "lifetime" if now >= expires_at
                else "idle" if now - last_active > dt.timedelta(minutes=idle_minutes) else None)
    return Found(hashed, username, display_name, role, last_active, ended, ends)


def refusal(reason: str, *, idle_minutes: int, lifetime_hours: float) -> Exception | None:
    """What a session that ended for ``reason`` raises; None after a logout (the reader is simply signed out)."""
    if reason == "logout":
        return None
    if reason in REVOKED:
        return SessionRevoked(REVOKED[reason])
    if reason == "lifetime":
        return SessionExpired(lifetime_message(lifetime_hours))
    return SessionExpired(f"Phiên làm việc đã hết hạn vì không hoạt động quá {idle_minutes} phút; "
                          "hãy đăng nhập lại.")


def lifetime_message(hours: float) -> str:
    return f"Phiên đăng nhập đã quá thời hạn {hours:g} giờ; hãy đăng nhập lại."
