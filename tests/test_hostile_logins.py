"""Guessing passwords slows down the guesser's address and never locks anyone else out (OWASP: throttle, don't lock).

The database and its checksums are tests.test_hostile's: a login writes only the failure counts and the audit
log, asserted exactly, and every other table is unchanged.
"""

from __future__ import annotations

import datetime as dt
from contextlib import closing

import duckdb
import pandas as pd
import pytest

from analytics import accounts, db
from analytics.errors import LoginFailed
from analytics.schema import MIGRATIONS
from pages.access import client_address
from tests import test_hostile as hostile

prepared, con = hostile.prepared, hostile.con  # the fixtures
NOW, PASSWORD, changed, logins = hostile.NOW, hostile.PASSWORD, hostile.changed, hostile.logins
GUESSER, OFFICE = "203.0.113.66", "198.51.100.10"
WRITES = {"login_failures", "audit_log"}


@pytest.fixture
def spy(monkeypatch):
    """The argon2 verifications each attempt runs."""
    found = hostile._Spy()
    monkeypatch.setattr(accounts, "_HASHER", found)
    return found


def attempt(connection, username: str, password: str, at: dt.datetime, client: str = GUESSER):
    """The account, or the refusal's message."""
    try:
        return accounts.authenticate(connection, username, password, at, client=client)
    except LoginFailed as exc:
        return str(exc)


def counts(connection) -> list[tuple]:
    return db.rows(connection, "SELECT username, client, failures FROM login_failures ORDER BY ALL")


def held(client: str, until: dt.datetime, failures: int) -> str:
    return f"tạm chặn {client} đến {until:%d/%m/%Y %H:%M:%S} sau {failures} lần sai"


def test_twenty_wrong_passwords_from_one_address_leave_the_administrator_in_from_another(con, prepared):
    for n in range(20):
        assert attempt(con, "quantri", f"doan-mo-{n}-lan", NOW + dt.timedelta(seconds=n)) == accounts.REFUSED
    details = logins(con)["detail"].tolist()[::-1]
    first_wait_ends = NOW + dt.timedelta(seconds=4) + accounts.FIRST_WAIT
    assert details == [f"sai mật khẩu lần thứ {n} từ {GUESSER}" for n in range(1, 6)] + [
        held(GUESSER, first_wait_ends, 5)] * 15
    assert attempt(con, "quantri", PASSWORD, NOW + dt.timedelta(seconds=20)) == accounts.REFUSED
    assert attempt(con, "quantri", PASSWORD, NOW + dt.timedelta(seconds=20), OFFICE).username == "quantri"
    assert counts(con) == [("quantri", "", 5), ("quantri", GUESSER, 5)]
    assert changed(con, prepared) == WRITES


def test_the_wait_doubles_with_each_further_failure_up_to_fifteen_minutes(con, prepared, spy):
    for _ in range(accounts.FREE_FAILURES):
        attempt(con, "quantri", "sai-mat-khau-roi", NOW)
    at, waited = NOW, []
    for _ in range(8):
        ends = accounts._wait_ends(db.value(con, "SELECT failures FROM login_failures WHERE client = ?",
                                            [GUESSER]), at, GUESSER)
        spy.verified.clear()
        assert attempt(con, "quantri", PASSWORD, ends - dt.timedelta(seconds=1)) == accounts.REFUSED
        assert spy.verified == []  # refused without checking the password
        assert attempt(con, "quantri", "sai-mat-khau-roi", ends) == accounts.REFUSED  # the one allowed attempt
        assert len(spy.verified) == 1
        waited.append((ends - at).total_seconds())
        at = ends
    assert waited == [30, 60, 120, 240, 480, 900, 900, 900]
    assert counts(con) == [("quantri", "", 13), ("quantri", GUESSER, 13)]
    assert changed(con, prepared) == WRITES


def test_after_the_wait_the_right_password_signs_in_and_clears_the_address(con, prepared):
    for _ in range(accounts.FREE_FAILURES):
        attempt(con, "quantri", "sai-mat-khau-roi", NOW)
    attempt(con, "quantri", "sai-mat-khau-roi", NOW, OFFICE)
    assert attempt(con, "quantri", PASSWORD, NOW + dt.timedelta(seconds=29)) == accounts.REFUSED
    assert attempt(con, "quantri", PASSWORD, NOW + accounts.FIRST_WAIT).username == "quantri"
    assert counts(con) == [("quantri", "", 6), ("quantri", OFFICE, 1)]  # the other address keeps its count
    later = NOW + dt.timedelta(minutes=1)
    attempt(con, "quantri", "sai-mat-khau-roi", later)
    assert logins(con)["detail"].iloc[0] == f"sai mật khẩu lần thứ 1 từ {GUESSER}"  # counting starts afresh
    assert changed(con, prepared) == WRITES


@pytest.mark.parametrize("typed", ["quantri", "khong-co-ai"], ids=["account", "unknown_name"])
def test_an_unknown_name_is_held_back_exactly_like_an_account_at_the_same_argon2_cost(con, prepared, spy, typed):
    known = db.value(con, "SELECT password_hash FROM users WHERE username = 'quantri'")
    runs = []
    for n, seconds in enumerate([0] * 6 + [29, 30, 30]):
        spy.verified.clear()
        # the last attempt types the name in capitals: an account's variants share its count, so must a name's
        name = typed.upper() if n == 8 else typed
        assert attempt(con, name, "sai-mat-khau-roi", NOW + dt.timedelta(seconds=seconds)) == accounts.REFUSED
        runs.append(len(spy.verified))
        assert all(h.split("$")[3] == known.split("$")[3] for h in spy.verified)  # the same argon2 parameters
    assert runs == [1] * 5 + [0, 0, 1, 0]
    actor = typed if typed == "quantri" else accounts._audit_name(typed)
    assert counts(con) == [(actor, "", 6), (actor, GUESSER, 6)]  # an unknown name is kept only as its digest
    assert "khong-co-ai" not in repr(db.rows(con, "SELECT * FROM login_failures"))
    assert changed(con, prepared) == WRITES


@pytest.mark.parametrize("typed", ["quantri", "khong-co-ai"], ids=["account", "unknown_name"])
def test_a_hundred_failures_from_every_address_hold_back_the_whole_name_for_a_while(con, prepared, spy, typed):
    """Twenty addresses of five guesses each: the ceiling bounds a guesser with many addresses, with the same
    growing wait for every address; an hour without a failure forgets them."""
    for n in range(accounts.ACCOUNT_FAILURES):
        attempt(con, typed, "sai-mat-khau-roi", NOW, f"192.0.2.{n // accounts.FREE_FAILURES}")
    spy.verified.clear()
    assert attempt(con, typed, PASSWORD, NOW + dt.timedelta(seconds=29), OFFICE) == accounts.REFUSED
    assert spy.verified == []
    ends = NOW + accounts.FIRST_WAIT
    assert logins(con)["detail"].iloc[0] == (
        f"tạm chặn mọi địa chỉ (lần này từ {OFFICE}) đến {ends:%d/%m/%Y %H:%M:%S} sau 100 lần sai")
    outcome = attempt(con, typed, PASSWORD, ends, OFFICE)  # the wait is over: the password is checked again
    if typed == "quantri":
        assert outcome.username == "quantri"
    else:
        assert outcome == accounts.REFUSED
    attempt(con, typed, "sai-mat-khau-roi", ends + accounts.ACCOUNT_WINDOW, OFFICE)
    assert db.value(con, "SELECT failures FROM login_failures WHERE client = ''") == 1
    assert changed(con, prepared) == WRITES


def test_rows_a_day_old_are_pruned_by_the_next_failure(con, prepared):
    attempt(con, "khong-co-ai", "sai-mat-khau-roi", NOW)
    attempt(con, "quantri", "sai-mat-khau-roi", NOW + accounts.FORGET_AFTER + dt.timedelta(seconds=1), OFFICE)
    assert counts(con) == [("quantri", "", 1), ("quantri", OFFICE, 1)]
    assert changed(con, prepared) == WRITES


@pytest.mark.parametrize(("client", "counted"), [
    ("x" * 10_000, "x" * accounts.CLIENT_MAX),
    ("  \x00\u202e203.0.113.5 ", "203.0.113.5"),
    ("::ffff:203.0.113.5", "203.0.113.5"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("", accounts.LOCAL_CLIENT),
], ids=["ten_thousand_characters", "control_characters", "ipv4_mapped", "ipv6", "empty"])
def test_a_client_is_counted_bounded_and_an_ipv6_address_by_its_64(con, prepared, client, counted):
    attempt(con, "quantri", "sai-mat-khau-roi", NOW, client)
    assert counts(con) == [("quantri", "", 1), ("quantri", counted, 1)]
    assert logins(con)["detail"].iloc[0] == f"sai mật khẩu lần thứ 1 từ {counted}"
    assert changed(con, prepared) == WRITES


def test_stepping_through_an_ipv6_64_is_one_address(con, prepared):
    for n in range(accounts.FREE_FAILURES):
        attempt(con, "quantri", "sai-mat-khau-roi", NOW, f"2001:db8::{n + 1:x}")
    assert attempt(con, "quantri", PASSWORD, NOW, "2001:db8::ffff").startswith("Tên đăng nhập")
    assert attempt(con, "quantri", PASSWORD, NOW, "2001:db8:0:1::1").username == "quantri"
    assert changed(con, prepared) == WRITES


def test_the_admin_page_sees_until_when_an_account_waits_and_a_new_password_clears_it(con, prepared):
    for _ in range(accounts.FREE_FAILURES):
        attempt(con, "quantri", "sai-mat-khau-roi", NOW)
    listed = accounts.users(con, NOW + dt.timedelta(seconds=10)).set_index("username")["locked_until"]
    assert listed.to_dict() == {"quantri": pd.Timestamp(NOW + accounts.FIRST_WAIT)}
    assert accounts.users(con, NOW + accounts.FIRST_WAIT)["locked_until"].isna().all()
    accounts.reset_password(con, accounts.SYSTEM, "quantri", PASSWORD + "-moi", NOW)
    assert counts(con) == []
    assert attempt(con, "quantri", PASSWORD + "-moi", NOW + dt.timedelta(seconds=1)).username == "quantri"
    assert changed(con, prepared) == {"users", "audit_log"}


@pytest.mark.parametrize(("peer", "forwarded", "client"), [
    ("203.0.113.9", ["198.51.100.1"], "203.0.113.9"),
    ("2001:db8::9", ["198.51.100.1"], "2001:db8::9"),
    (None, ["198.51.100.1"], "198.51.100.1"),
    ("127.0.0.1", ["198.51.100.1"], "198.51.100.1"),
    ("::1", ["2001:db8::1"], "2001:db8::1"),
    (None, ["6.6.6.6, 198.51.100.1"], "198.51.100.1"),
    (None, ["6.6.6.6", "198.51.100.1"], "198.51.100.1"),
    (None, [], accounts.LOCAL_CLIENT),
    (None, ["khong-phai-dia-chi"], accounts.LOCAL_CLIENT),
    (None, ["1" * 10_000], accounts.LOCAL_CLIENT),
], ids=["remote_peer", "remote_ipv6_peer", "proxy", "proxy_ipv4", "proxy_ipv6", "browser_prepended",
        "two_headers", "no_header", "not_an_address", "ten_thousand_characters"])
def test_x_forwarded_for_is_trusted_only_from_a_proxy_on_this_machine(peer, forwarded, client):
    """Only the entry the proxy itself appended: the ones before it are whatever the browser sent."""
    assert client_address(peer, forwarded) == client


def test_migration_11_lifts_the_old_account_locks(tmp_path):
    path = tmp_path / "cu.duckdb"
    with closing(duckdb.connect(str(path))) as old:
        for version, step in enumerate(MIGRATIONS[:10], start=1):
            step(old) if callable(step) else old.execute(step)
            old.execute("INSERT INTO schema_version VALUES (?)", [version])
        old.execute("INSERT INTO users VALUES ('quantri', 'Quản trị', 'admin', 'x', ?, false, 3, ?)",
                    [NOW, NOW + dt.timedelta(days=1)])
    with closing(db.connect(path)) as migrated:
        assert db.rows(migrated, "SELECT failed_attempts, locked_until FROM users") == [(0, None)]
        assert counts(migrated) == []
        assert db.schema_version(migrated) == len(MIGRATIONS)
