"""Local accounts and roles. Every write in analytics checks the actor's role here, not only the UI.

Passwords are hashed with argon2 and must be strong by zxcvbn's estimate. Wrong passwords
lock the account for a while after a few attempts; the count is raised and read in one
statement inside the transaction that decides, so parallel attempts cannot slip past it.
Every attempt costs one argon2 verification, known user or not, and every refusal has the
same message, so neither timing nor wording tells whether an account exists or is locked.

User names are NFKC-normalised, lower-cased and limited in length and characters, so the
full-width ｑｕａｎｔｒｉ is quantri. The audit log names an attempt's account only when it
exists; an unknown name (which may be a password typed in the wrong box) is logged as
"?" and a short keyed digest that this server run alone can compute: repeats of one
unknown name stand out, and the name itself is never stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from analytics import audit, sessions, usertext
from analytics import cache as figures_cache
from analytics.db import transaction
from analytics.errors import (
    InvalidDisplayName,
    InvalidUsername,
    LoginFailed,
    NotAuthorised,
    UnknownAccount,
    UnknownRole,
    UserExists,
    WeakPassword,
)

ROLES = ("viewer", "analyst", "admin")
ROLE_VI = {"viewer": "Xem", "analyst": "Chuyên viên phân tích", "admin": "Quản trị"}
# The least role allowed to do each action.
NEEDS = {
    "view": "viewer",
    "upload": "analyst", "withdraw": "analyst", "annual_targets": "analyst", "explore": "analyst",
    "remove_demo": "analyst", "confirm_names": "analyst", "commune_reports": "analyst",
    "accounts": "admin", "settings": "admin", "layouts": "admin", "audit": "admin", "backup": "admin",
    "publish": "admin",
}
MAX_FAILURES = 5
LOCK_MINUTES = 15
USERNAME_MAX = 64
DISPLAY_NAME_MAX = 100
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]*")
PASSWORD_MIN, PASSWORD_MAX, PASSWORD_SCORE = 10, 256, 3  # zxcvbn scores 0-4; 3 resists offline guessing
REFUSED = ("Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đang tạm khoá vì nhập sai nhiều lần. "
           "Hãy kiểm tra lại, thử lại sau ít phút hoặc liên hệ quản trị.")
_HASHER = PasswordHasher()
# Each argon2 run holds 64 MiB: runs take turns, one per core, so a crowd of logins cannot exhaust the memory.
_ARGON2 = threading.BoundedSemaphore(os.cpu_count() or 1)
_LOGIN_LOCK = threading.Lock()  # the server's logins decide one at a time; argon2 runs outside it
_AUDIT_KEY = secrets.token_bytes(32)


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str

    def can(self, action: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(NEEDS[action])


# The server's own command-line tools act as this account: whoever runs them already holds the file.
SYSTEM = User("system", "Dòng lệnh trên máy chủ", "admin")


def require(user: User | None, action: str) -> User:
    """Raise NotAuthorised unless ``user`` may do ``action``."""
    if not isinstance(user, User):
        raise NotAuthorised("Người chưa đăng nhập không có quyền thực hiện thao tác này.")
    if not user.can(action):
        who = f"Tài khoản «{user.username}» ({ROLE_VI[user.role]})"
        raise NotAuthorised(f"{who} không có quyền thực hiện thao tác này.")
    return user


def normalised_username(text: str) -> str | None:
    """The user name as stored (NFKC, trimmed, lower case), or None when it cannot be one."""
    name = unicodedata.normalize("NFKC", text[:USERNAME_MAX * 4]).strip().lower()
    return name if len(name) <= USERNAME_MAX and _USERNAME.fullmatch(name) else None


# zxcvbn's English feedback, in Vietnamese; anything unlisted falls back to the general advice.
_FEEDBACK_VI = {
    'Repeats like "aaa" are easy to guess.': "Ký tự lặp lại như “aaa” rất dễ đoán.",
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".':
        "Chuỗi lặp lại như “abcabcabc” chỉ khó đoán hơn “abc” một chút.",
    'Sequences like "abc" or "6543" are easy to guess.': "Dãy liên tiếp như “abc” hay “6543” rất dễ đoán.",
    "Straight rows of keys are easy to guess.": "Các phím liền nhau trên bàn phím rất dễ đoán.",
    "Short keyboard patterns are easy to guess.": "Kiểu gõ ngắn trên bàn phím rất dễ đoán.",
    "Recent years are easy to guess.": "Năm gần đây rất dễ đoán.",
    "Dates are often easy to guess.": "Ngày tháng thường rất dễ đoán.",
    "This is a top-10 common password.": "Đây là một trong 10 mật khẩu phổ biến nhất.",
    "This is a top-100 common password.": "Đây là một trong 100 mật khẩu phổ biến nhất.",
    "This is a very common password.": "Đây là mật khẩu rất phổ biến.",
    "This is similar to a commonly used password.": "Mật khẩu này giống một mật khẩu phổ biến.",
    "A word by itself is easy to guess.": "Một từ đứng riêng rất dễ đoán.",
    "Names and surnames by themselves are easy to guess.": "Tên và họ đứng riêng rất dễ đoán.",
    "Common names and surnames are easy to guess.": "Tên và họ phổ biến rất dễ đoán.",
}
_ADVICE = "Hãy dùng một cụm vài từ ít gặp, không lặp ký tự, không dùng tên, ngày tháng hay dãy phím liền nhau."


def check_password(password: str, *hints: str) -> None:
    """WeakPassword, in Vietnamese, unless the password is long and hard to guess (``hints``: the user's names)."""
    if len(password) < PASSWORD_MIN:
        raise WeakPassword(f"Mật khẩu phải có ít nhất {PASSWORD_MIN} ký tự.")
    if len(password) > PASSWORD_MAX:
        raise WeakPassword(f"Mật khẩu dài tối đa {PASSWORD_MAX} ký tự.")
    found = zxcvbn(password[:72], user_inputs=[h for h in hints if h])  # zxcvbn reads at most 72 characters
    if found["score"] < PASSWORD_SCORE:
        warning = _FEEDBACK_VI.get(found["feedback"]["warning"], "")
        raise WeakPassword(" ".join(filter(None, ("Mật khẩu quá dễ đoán.", warning, _ADVICE))))


def create_user(con, actor: User, username: str, display_name: str, role: str, password: str,
                now: dt.datetime | None = None) -> User:
    require(actor, "accounts")
    if role not in ROLES:
        raise UnknownRole(f"Vai trò phải là một trong {', '.join(ROLES)}.")
    typed, username = username, normalised_username(username)
    if username is None:
        raise InvalidUsername(f"Tên đăng nhập phải có 1–{USERNAME_MAX} ký tự, bắt đầu bằng chữ hoặc số, chỉ gồm "
                              "chữ không dấu, số và các dấu . _ @ - (ví dụ: nguyenvanan).")
    display_name = " ".join(usertext.clean(display_name).split())
    if not 1 <= len(display_name) <= DISPLAY_NAME_MAX:
        raise InvalidDisplayName(f"Họ tên phải có 1–{DISPLAY_NAME_MAX} ký tự.")
    check_password(password, username, display_name, typed)
    now = now or dt.datetime.now()
    with transaction(con):
        if con.execute("SELECT count(*) FROM users WHERE username = ?", [username]).fetchone()[0]:
            raise UserExists(f"Tài khoản «{username}» đã có.")
        con.execute("INSERT INTO users (username, display_name, role, password_hash, created_at) "
                    "VALUES (?, ?, ?, ?, ?)", [username, display_name, role, _hashed(password), now])
        audit.record(con, actor.username, "create_user", f"{username} ({role})", now)
    return User(username, display_name, role)


def has_admin(con) -> bool:
    return con.execute("SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled").fetchone()[0] > 0


@cache
def _dummy_hash() -> str:
    """A hash no password matches, verified for unknown names so that they cost the same argon2 work."""
    return _hashed(secrets.token_urlsafe(32))


def _hashed(password: str) -> str:
    with _ARGON2:
        return _HASHER.hash(password)


def _verified(hashed: str, password: str) -> bool:
    try:
        with _ARGON2:
            return _HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def _audit_name(typed: str) -> str:
    """An unknown name as the audit log keeps it: a keyed digest, never the text (it may be a password)."""
    text = typed[:USERNAME_MAX * 4].encode("utf-8", "replace")
    return "?" + hmac.new(_AUDIT_KEY, text, hashlib.sha256).hexdigest()[:12]


def authenticate(con, username: str, password: str, now: dt.datetime | None = None) -> User:
    """The user, or LoginFailed with one message for every refusal; every attempt is audited, never the password."""
    now = now or dt.datetime.now()
    name = normalised_username(username)
    row = None if name is None else con.execute("SELECT password_hash FROM users WHERE username = ?",
                                                  [name]).fetchone()
    right = _verified(row[0] if row else _dummy_hash(), password) and row is not None  # one argon2 run, always
    with _LOGIN_LOCK:
        user = _decided(con, name if row else None, username, right, now)
    if user is None:
        raise LoginFailed(REFUSED)
    return user


def _decided(con, name: str | None, typed: str, right: bool, now: dt.datetime) -> User | None:
    """The decision, committed; an administrator's write to the same account in between makes it decide again."""
    for _ in range(4):
        try:
            with transaction(con):
                return _decide(con, name, typed, right, now)
        except duckdb.TransactionException:
            continue
    return None


def _decide(con, name: str | None, typed: str, right: bool, now: dt.datetime) -> User | None:
    """Inside the transaction: the lock and the failure count are read and changed in one statement each."""
    if name is None:
        audit.record(con, _audit_name(typed), "login_failed", "không có tài khoản này", now)
    elif right:
        found = con.execute(
            "UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE username = ? AND NOT disabled "
            "AND (locked_until IS NULL OR locked_until <= ?) RETURNING display_name, role", [name, now]).fetchone()
        if found:
            audit.record(con, name, "login", "", now)
            return User(name, found[0], found[1])
        audit.record(con, name, "login_failed", "đúng mật khẩu nhưng tài khoản bị vô hiệu hoặc đang tạm khoá", now)
    else:
        counted = con.execute(
            "UPDATE users SET "
            "failed_attempts = CASE WHEN failed_attempts + 1 >= ? THEN 0 ELSE failed_attempts + 1 END, "
            "locked_until = CASE WHEN failed_attempts + 1 >= ? THEN ? ELSE locked_until END "
            "WHERE username = ? AND (locked_until IS NULL OR locked_until <= ?) "
            "RETURNING failed_attempts, locked_until",
            [MAX_FAILURES, MAX_FAILURES, now + dt.timedelta(minutes=LOCK_MINUTES), name, now]).fetchone()
        if counted is None:
            detail = "sai mật khẩu khi tài khoản đang tạm khoá"
        elif counted[1] is not None and counted[1] > now:
            detail = f"sai mật khẩu lần thứ {MAX_FAILURES}: khoá {LOCK_MINUTES} phút"
        else:
            detail = f"sai mật khẩu lần thứ {counted[0]}"
        audit.record(con, name, "login_failed", detail, now)
    return None  # the refusal is raised after the commit, which keeps its audit entry


def users(con):
    """Accounts for the admin page: never the hash."""
    return con.execute("SELECT username, display_name, role, created_at, disabled, locked_until FROM users "
                       "ORDER BY username").df()


def set_disabled(con, actor: User, username: str, disabled: bool, now: dt.datetime | None = None) -> None:
    """Disable or enable an account; disabling ends its sessions at once, and re-enabling revives none."""
    require(actor, "accounts")
    now = now or dt.datetime.now()
    with transaction(con):
        con.execute("UPDATE users SET disabled = ? WHERE username = ?", [disabled, username])
        ended = sessions.end_all(con, username, "disabled", now) if disabled else 0
        audit.record(con, actor.username, "disable_user" if disabled else "enable_user",
                     username + (f" (kết thúc {ended} phiên đăng nhập)" if ended else ""), now)


def reset_password(con, actor: User, username: str, password: str, now: dt.datetime | None = None) -> None:
    """An administrator gives an account a new password; every session of that account ends."""
    require(actor, "accounts")
    check_password(password, username)
    now = now or dt.datetime.now()
    with transaction(con):
        changed = con.execute("UPDATE users SET password_hash = ?, failed_attempts = 0, locked_until = NULL "
                              "WHERE username = ? RETURNING 1", [_hashed(password), username]).fetchall()
        if not changed:
            raise UnknownAccount(f"Không có tài khoản «{username}».")
        ended = sessions.end_all(con, username, "password", now)
        audit.record(con, actor.username, "reset_password",
                     username + (f" (kết thúc {ended} phiên đăng nhập)" if ended else ""), now)


def signed_in(con, token: str, *, idle_minutes: int, lifetime_hours: float, touch: bool,
              now: dt.datetime | None = None) -> User | None:
    """The account behind a session token, with its role as it is now; None, SessionExpired or SessionRevoked
    otherwise (see analytics.sessions.resume)."""
    found = sessions.resume(con, token, idle_minutes=idle_minutes, lifetime_hours=lifetime_hours, touch=touch,
                            now=now)
    return None if found is None else User(*found)


def enabled(con, username: str) -> User | None:
    """The enabled local account of that name, with its current role, or None."""
    found = con.execute("SELECT username, display_name, role FROM users WHERE username = ? AND NOT disabled",
                        [username]).fetchone()
    return None if found is None else User(*found)


def change_settings(con, actor: User, changes: dict, path=None) -> list[str]:
    """An administrator changes plan settings; every change is audited."""
    from analytics.settings import update_settings

    require(actor, "settings")
    done = update_settings(changes, path)
    with transaction(con):
        for change in done:
            audit.record(con, actor.username, "settings", change)
        figures_cache.bump(con)  # thresholds and deadlines change figures
    return done
