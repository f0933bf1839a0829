"""Sign-in sessions kept in the browser: signed tokens, only hashes stored, ended on logout, idleness, lifetime,
disable, deletion and password change, and re-read from the accounts on every use."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.access import accounts, audit
from analytics.errors import SessionExpired, SessionRevoked
from analytics.storage import db, writes

NOW = dt.datetime(2026, 11, 27, 8, 0)
PASSWORD = "mat-khau-dai-du-10"
IDLE, HOURS = 30, 12


@pytest.fixture
def people(tiny):
    writes.create_user(tiny, accounts.SYSTEM, "quantri", "Quản trị", "admin", PASSWORD, NOW)
    writes.create_user(tiny, accounts.SYSTEM, "chuyenvien", "Chuyên viên", "analyst", PASSWORD, NOW)
    return tiny


def resume(con, token, minutes=0, touch=True):
    """The session as a page run ``minutes`` after NOW sees it."""
    return writes.signed_in(con, token, idle_minutes=IDLE, lifetime_hours=HOURS, touch=touch,
                            now=NOW + dt.timedelta(minutes=minutes))


def last_active(con):
    return db.value(con, "SELECT last_active FROM sessions")


def test_a_session_is_its_account_as_the_database_holds_it_now(people):
    token = writes.start_session(people, "chuyenvien", HOURS, NOW)
    assert resume(people, token) == accounts.User("chuyenvien", "Chuyên viên", "analyst")
    people.execute("UPDATE users SET role = 'viewer', display_name = 'Chuyên viên cũ' WHERE username = 'chuyenvien'")
    assert writes.signed_in(people, token, idle_minutes=IDLE, lifetime_hours=HOURS, touch=True, now=NOW) == \
        accounts.User("chuyenvien", "Chuyên viên cũ", "viewer")


def test_only_a_hash_of_the_token_is_stored(people):
    token = writes.start_session(people, "chuyenvien", HOURS, NOW)
    everything = repr([db.rows(people, f'SELECT * FROM "{t}"') for t in db.table_names(people)])
    assert token not in everything and token.split(".")[0] not in everything
    assert db.rows(people, "SELECT username, created_at, last_active, expires_at, ended_at FROM sessions") == [
        ("chuyenvien", NOW, NOW, NOW + dt.timedelta(hours=12), None)]


def test_forged_altered_and_foreign_tokens_open_nothing(people):
    token = writes.start_session(people, "chuyenvien", HOURS, NOW)
    value, stamp, signature = token.split(".")
    assert resume(people, f"{value[:-1]}{'A' if value[-1] != 'A' else 'B'}.{stamp}.{signature}") is None
    assert resume(people, "chuyenvien") is None
    other = db.connect(":memory:")  # another database signs with another key
    foreign = writes.start_session(other, "chuyenvien", HOURS, NOW)
    assert resume(people, foreign) is None


def test_logout_ends_the_session_on_the_server(people):
    token = writes.start_session(people, "chuyenvien", HOURS, NOW)
    writes.end_session(people, token, NOW + dt.timedelta(minutes=5))
    assert resume(people, token, 6) is None
    assert audit.entries(people).iloc[0][["actor", "action"]].tolist() == ["chuyenvien", "logout"]


def test_disabling_ends_every_session_and_enabling_revives_none(people):
    admin = accounts.User("quantri", "Quản trị", "admin")
    first, second = (writes.start_session(people, "chuyenvien", HOURS, NOW) for _ in range(2))
    writes.set_disabled(people, admin, "chuyenvien", True, NOW + dt.timedelta(minutes=1))
    writes.set_disabled(people, admin, "chuyenvien", False, NOW + dt.timedelta(minutes=2))
    for token in (first, second):
        with pytest.raises(SessionRevoked, match="tài khoản đã bị khoá"):
            resume(people, token, 3)
    log = audit.entries(people)
    assert log[log["action"].isin(["disable_user", "enable_user"])][["actor", "action", "detail"]].values.tolist() == [
        ["quantri", "enable_user", "chuyenvien"],
        ["quantri", "disable_user", "chuyenvien (kết thúc 2 phiên đăng nhập)"]]
    assert db.rows(people, "SELECT DISTINCT end_reason, ended_at FROM sessions") == [
        ("disabled", NOW + dt.timedelta(minutes=1))]


def test_a_new_password_ends_every_session(people):
    admin = accounts.User("quantri", "Quản trị", "admin")
    token = writes.start_session(people, "chuyenvien", HOURS, NOW)
    writes.reset_password(people, admin, "chuyenvien", "mat-khau-moi-that-dai", NOW)
    with pytest.raises(SessionRevoked, match="mật khẩu của tài khoản vừa được đổi"):
        resume(people, token, 1)
    assert writes.authenticate(people, "chuyenvien", "mat-khau-moi-that-dai", NOW).role == "analyst"
    assert audit.entries(people)["detail"].iloc[1] == "chuyenvien (kết thúc 1 phiên đăng nhập)"


def test_a_deleted_account_ends_its_session_at_the_next_use(people):
    token = writes.start_session(people, "chuyenvien", HOURS, NOW)
    people.execute("DELETE FROM users WHERE username = 'chuyenvien'")
    with pytest.raises(SessionRevoked, match="không còn tồn tại"):
        resume(people, token, 1)
    with pytest.raises(SessionRevoked):  # and it stays ended
        resume(people, token, 2)
    assert audit.entries(people).iloc[0][["actor", "action", "detail"]].tolist() == [
        "chuyenvien", "session_ended", "tài khoản không còn"]


def test_idleness_counts_from_the_last_real_interaction_not_from_every_run(people):
    token = writes.start_session(people, "chuyenvien", HOURS, NOW)
    assert resume(people, token, 20, touch=False)  # reruns that nobody asked for leave the clock alone
    assert resume(people, token, 29, touch=False)
    assert last_active(people) == NOW
    assert resume(people, token, 29, touch=True)  # a click at 29 minutes restarts it
    assert last_active(people) == NOW + dt.timedelta(minutes=29)
    assert resume(people, token, 59, touch=False)
    with pytest.raises(SessionExpired, match="không hoạt động quá 30 phút"):
        resume(people, token, 60)
    with pytest.raises(SessionExpired):  # a click after expiry does not revive it
        resume(people, token, 60)
    assert audit.entries(people).iloc[0][["actor", "action", "detail"]].tolist() == [
        "chuyenvien", "session_expired", "không hoạt động"]


def test_interactions_within_a_minute_are_written_once(people):
    token = writes.start_session(people, "chuyenvien", HOURS, NOW)
    resume(people, token, 0.5)
    assert last_active(people) == NOW
    resume(people, token, 1)
    assert last_active(people) == NOW + dt.timedelta(minutes=1)


def test_a_session_in_use_still_ends_at_its_lifetime(people):
    token = writes.start_session(people, "chuyenvien", HOURS, NOW)
    for minutes in range(0, 12 * 60, 25):
        assert resume(people, token, minutes)
    with pytest.raises(SessionExpired, match="quá thời hạn 12 giờ"):
        resume(people, token, 12 * 60)
