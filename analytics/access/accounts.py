"""Local accounts and roles: who may do what, passwords, the rules of holding back guessers. Every write checks
the actor's role here (analytics.storage.writes), not only the UI; the writes of accounts and logins are there.

Passwords are hashed with argon2 and must be strong by zxcvbn's estimate. Wrong passwords slow
down the address they come from, never lock the account (OWASP: throttle, don't lock): failures
are counted per account and client address, and after a few from one pair its attempts are
refused unchecked until a wait that doubles with each further failure has passed. Another
address is not held back, so a guesser cannot keep an administrator out. A far higher ceiling
on the failures from every address together holds the whole account back the same way, which
bounds a guesser with many addresses. Each count is raised and read in one statement inside
the transaction that decides, so parallel attempts cannot slip past it. An unknown name is
counted and held back exactly like an account; every checked attempt costs one argon2
verification, known user or not, and every refusal has the same message, so neither timing
nor wording tells whether an account exists.

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
import ipaddress
import os
import re
import secrets
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from analytics.errors import (
    InvalidDisplayName,
    InvalidUsername,
    NotAuthorised,
    UnknownRole,
    WeakPassword,
)
from analytics.storage.db import Connection
from analytics.text import usertext

ROLES = ("viewer", "analyst", "admin")
ROLE_VI = {"viewer": "Xem", "analyst": "Chuyên viên phân tích", "admin": "Quản trị"}
# The least role allowed to do each action.
NEEDS = {
    "view": "viewer",
    "upload": "analyst", "withdraw": "analyst", "annual_targets": "analyst", "explore": "analyst",
    "remove_demo": "analyst", "confirm_names": "analyst", "commune_reports": "analyst",
    "accounts": "admin", "settings": "admin", "layouts": "admin", "audit": "admin", "backup": "admin",
    "publish": "admin", "rotate_key": "admin",
}
FREE_FAILURES = 5  # from one address on one account before its attempts wait
ACCOUNT_FAILURES = 100  # from every address together, counted until an hour passes without one
ACCOUNT_WINDOW = dt.timedelta(hours=1)
FORGET_AFTER = dt.timedelta(days=1)  # an address's count, and its row, go a day after its last failure
FIRST_WAIT, LONGEST_WAIT = dt.timedelta(seconds=30), dt.timedelta(minutes=15)
EVERY_CLIENT = ""  # the login_failures row of an account's failures from every address; no client key is empty
LOCAL_CLIENT = "localhost"  # attempts that name no address: the server's own tools, a browser on the server
CLIENT_MAX = 64
USERNAME_MAX = 64
DISPLAY_NAME_MAX = 100
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]*")
PASSWORD_MIN, PASSWORD_MAX, PASSWORD_SCORE = 10, 256, 3  # zxcvbn scores 0-4; 3 resists offline guessing
REFUSED = ("Tên đăng nhập hoặc mật khẩu không đúng, hoặc đã nhập sai nhiều lần nên tạm thời phải chờ. "
           "Hãy kiểm tra lại, thử lại sau ít phút hoặc liên hệ quản trị.")
_HASHER = PasswordHasher()
# Each argon2 run holds 64 MiB: runs take turns, one per core, so a crowd of logins cannot exhaust the memory.
_ARGON2 = threading.BoundedSemaphore(os.cpu_count() or 1)
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


def new_account(username: str, display_name: str, role: str, password: str) -> tuple[str, str]:
    """The user name and display name as stored, or the Vietnamese error saying what to change."""
    if role not in ROLES:
        raise UnknownRole(f"Vai trò phải là một trong {', '.join(ROLES)}.")
    typed, name = username, normalised_username(username)
    if name is None:
        raise InvalidUsername(f"Tên đăng nhập phải có 1–{USERNAME_MAX} ký tự, bắt đầu bằng chữ hoặc số, chỉ gồm "
                              "chữ không dấu, số và các dấu . _ @ - (ví dụ: nguyenvanan).")
    display_name = " ".join(usertext.clean(display_name).split())
    if not 1 <= len(display_name) <= DISPLAY_NAME_MAX:
        raise InvalidDisplayName(f"Họ tên phải có 1–{DISPLAY_NAME_MAX} ký tự.")
    check_password(password, name, display_name, typed)
    return name, display_name


def has_admin(con: Connection) -> bool:
    admins = con.execute("SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled").fetchone()
    assert admins is not None  # count(*) always has its row
    return admins[0] > 0


@cache
def dummy_hash() -> str:
    """A hash no password matches, verified for unknown names so that they cost the same argon2 work."""
    return hashed(secrets.token_urlsafe(32))


def hashed(password: str) -> str:
    with _ARGON2:
        return _HASHER.hash(password)


def verified(stored: str, password: str) -> bool:
    try:
        with _ARGON2:
            return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def audit_name(typed: str) -> str:
    """An unknown name as the audit log keeps it: a keyed digest, never the text (it may be a password)."""
    text = typed[:USERNAME_MAX * 4].encode("utf-8", "replace")
    return "?" + hmac.new(_AUDIT_KEY, text, hashlib.sha256).hexdigest()[:12]


def client_key(client: str) -> str:
    """The address failures are counted under, bounded; an IPv6 address by its /64, which one machine usually
    holds whole, so that stepping through it is not a fresh address each time."""
    text = usertext.clean(client[:CLIENT_MAX]).strip()
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return text or LOCAL_CLIENT
    if address.version == 6:
        if address.ipv4_mapped is None:
            return str(ipaddress.IPv6Network((int(address), 64), strict=False))
        address = address.ipv4_mapped
    return str(address)


def _wait_ends(failures: int, last: dt.datetime, client: str) -> dt.datetime | None:
    """When attempts may go on after ``failures`` failures, the last at ``last``: at once until the free ones are
    spent, then 30 s after the last failure, doubling with each further one up to 15 minutes."""
    free = ACCOUNT_FAILURES if client == EVERY_CLIENT else FREE_FAILURES
    if failures < free:
        return None
    return last + min(FIRST_WAIT * 2 ** min(failures - free, 16), LONGEST_WAIT)


def held(con: Connection, key: str, client: str, now: dt.datetime) -> str | None:
    """Why attempts on ``key`` from ``client`` must wait now, as the audit log says it; None when they need not."""
    for counted, failures, last in con.execute(
            "SELECT client, failures, last_failure FROM login_failures WHERE username = ? AND client IN (?, ?) "
            "ORDER BY client = ?", [key, client, EVERY_CLIENT, EVERY_CLIENT]).fetchall():
        ends = _wait_ends(failures, last, counted)
        if ends is not None and now < ends:
            where = f"mọi địa chỉ (lần này từ {client})" if counted == EVERY_CLIENT else client
            return f"tạm chặn {where} đến {ends:%d/%m/%Y %H:%M:%S} sau {failures} lần sai"
    return None


def users(con: Connection, now: dt.datetime | None = None) -> pd.DataFrame:
    """Accounts for the admin page, never the hash; ``locked_until``: until when attempts on the account from
    some address (or from all) must wait, empty when none must."""
    now = now or dt.datetime.now()
    people = con.execute("SELECT username, display_name, role, created_at, disabled FROM users "
                         "ORDER BY username").df()
    waits = {}
    for username, client, failures, last in con.execute(
            "SELECT username, client, failures, last_failure FROM login_failures "
            "WHERE username IN (SELECT username FROM users)").fetchall():
        ends = _wait_ends(failures, last, client)
        if ends is not None and ends > now:
            waits[username] = max(ends, waits.get(username, ends))
    return people.assign(locked_until=pd.to_datetime(people["username"].map(waits)))


def enabled(con: Connection, username: str) -> User | None:
    """The enabled local account of that name, with its current role, or None."""
    found = con.execute("SELECT username, display_name, role FROM users WHERE username = ? AND NOT disabled",
                        [username]).fetchone()
    return None if found is None else User(*found)
