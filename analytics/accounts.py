"""Local accounts and roles. Every write in analytics checks the actor's role here, not only the UI.

Passwords are hashed with argon2; wrong passwords lock the account for a while
after a few attempts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from analytics import audit
from analytics.db import transaction
from analytics.errors import AccountLocked, LoginFailed, NotAuthorised, UserExists

ROLES = ("viewer", "analyst", "admin")
ROLE_VI = {"viewer": "Xem", "analyst": "Chuyên viên phân tích", "admin": "Quản trị"}
# The least role allowed to do each action.
NEEDS = {
    "view": "viewer",
    "upload": "analyst", "withdraw": "analyst", "annual_targets": "analyst", "explore": "analyst",
    "remove_demo": "analyst",
    "accounts": "admin", "settings": "admin", "overrides": "admin", "audit": "admin",
}
MAX_FAILURES = 5
LOCK_MINUTES = 15
_HASHER = PasswordHasher()


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


def _check_password(password: str) -> None:
    if len(password) < 10:
        raise ValueError("Mật khẩu phải có ít nhất 10 ký tự.")


def create_user(con, actor: User, username: str, display_name: str, role: str, password: str,
                now: dt.datetime | None = None) -> User:
    require(actor, "accounts")
    if role not in ROLES:
        raise ValueError(f"Vai trò phải là một trong {', '.join(ROLES)}.")
    _check_password(password)
    username = username.strip().lower()
    now = now or dt.datetime.now()
    with transaction(con):
        if con.execute("SELECT count(*) FROM users WHERE username = ?", [username]).fetchone()[0]:
            raise UserExists(f"Tài khoản «{username}» đã có.")
        con.execute("INSERT INTO users (username, display_name, role, password_hash, created_at) "
                    "VALUES (?, ?, ?, ?, ?)", [username, display_name, role, _HASHER.hash(password), now])
        audit.record(con, actor.username, "create_user", f"{username} ({role})", now)
    return User(username, display_name, role)


def has_admin(con) -> bool:
    return con.execute("SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled").fetchone()[0] > 0


def authenticate(con, username: str, password: str, now: dt.datetime | None = None) -> User:
    """The user, or LoginFailed/AccountLocked; every attempt is audited, never with the password."""
    now = now or dt.datetime.now()
    username = username.strip().lower()
    row = con.execute("SELECT display_name, role, password_hash, disabled, failed_attempts, locked_until "
                      "FROM users WHERE username = ?", [username]).fetchone()
    refusal = None  # raised after the transaction, so the failed attempt stays recorded
    with transaction(con):
        if row is None or row[3]:
            audit.record(con, username or "?", "login_failed", "tài khoản không tồn tại hoặc bị khoá", now)
            refusal = LoginFailed("Tên đăng nhập hoặc mật khẩu không đúng.")
        elif row[5] is not None and row[5] > now:
            audit.record(con, username, "login_refused", "tài khoản đang tạm khoá", now)
            refusal = AccountLocked(f"Tài khoản tạm khoá do nhập sai mật khẩu nhiều lần; thử lại sau {row[5]:%H:%M}.")
        elif not _verified(row[2], password):
            failures = row[4] + 1
            lock = now + dt.timedelta(minutes=LOCK_MINUTES) if failures >= MAX_FAILURES else None
            con.execute("UPDATE users SET failed_attempts = ?, locked_until = ? WHERE username = ?",
                        [0 if lock else failures, lock, username])
            audit.record(con, username, "login_failed", f"lần sai thứ {failures}", now)
            refusal = LoginFailed("Tên đăng nhập hoặc mật khẩu không đúng.")
        else:
            con.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE username = ?", [username])
            audit.record(con, username, "login", "", now)
    if refusal:
        raise refusal
    return User(username, row[0], row[1])


def _verified(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def users(con):
    """Accounts for the admin page: never the hash."""
    return con.execute("SELECT username, display_name, role, created_at, disabled, locked_until FROM users "
                       "ORDER BY username").df()


def set_disabled(con, actor: User, username: str, disabled: bool, now: dt.datetime | None = None) -> None:
    require(actor, "accounts")
    with transaction(con):
        con.execute("UPDATE users SET disabled = ? WHERE username = ?", [disabled, username])
        audit.record(con, actor.username, "disable_user" if disabled else "enable_user", username, now)


def change_settings(con, actor: User, changes: dict, path=None) -> list[str]:
    """An administrator changes plan settings; every change is audited."""
    from analytics.settings import update_settings

    require(actor, "settings")
    done = update_settings(changes, path)
    for change in done:
        audit.record(con, actor.username, "settings", change)
    return done
