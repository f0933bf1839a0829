"""Nothing takes it down: each attack of issue 12, and more, is refused or contained, and the data stays as it was.

Every test checksums every table before and after (analytics.storage.db.checksums). Logins are the
one attack that must write: their failure counts and audit entries are asserted exactly and
every other table must be unchanged. The upload bombs are made at test time by
tests/fixtures/bombs.py; the console's bombs run with a small memory limit so they die fast.

Sections after the first: the download route and the closed metrics, the console's allow rule, backups and
restores, login throttling, bounds on bodies, link values and file names.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import multiprocessing
import os
import re
import shutil
import sys
import threading
import time
import types
import zipfile
from contextlib import closing
from pathlib import Path
from types import SimpleNamespace

import duckdb
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest

from analytics.access import accounts, audit
from analytics.access.accounts import User
from analytics.cli import main
from analytics.errors import (
    BackupError,
    InvalidDisplayName,
    InvalidUsername,
    LoginFailed,
    NotAuthorised,
    QueryFailed,
    QueryRefused,
    QueryTimeout,
    UserExists,
    WeakPassword,
)
from analytics.intake import prepare
from analytics.intake.confined import reader as confined
from analytics.intake.confined import sheet_names
from analytics.intake.grid import Unreadable
from analytics.intake.pipeline import SHOWN_PROBLEMS
from analytics.reports import exports
from analytics.safety import console, sandbox
from analytics.safety.console import open_console, run_query
from analytics.settings import load_settings
from analytics.storage import backup, db, reads, restore, writes
from analytics.storage.schema import MIGRATIONS
from analytics.text import usertext
from tests.fixtures import bombs
from tests.helpers import ROOT, plain_text, record_monthly
from tests.unit.test_console import tiny_database
from tests.unit.test_web import run
from ui import downloads as page_downloads
from ui import requester
from ui.access import client_address
from ui.routes import PATHS
from web import bounds, downloads, session_cookie
from web.admin_only import AdminOnly
from web.bounds import Bounds
from web.unknown_paths import UnknownPaths

# Attacks on every route and reader: run by `make test`, left out of `make test-fast`.
pytestmark = pytest.mark.attack

ANALYST = User("chuyenvien", "Chuyên viên", "analyst")
PASSWORD = "mat-khau-rat-dai-123"  # quantri's
TODAY = dt.date(2026, 7, 10)
NOW = dt.datetime(2026, 7, 10, 8, 0)
MEMORY, TIME = "bộ nhớ", "thời gian"


@pytest.fixture(scope="module")
def prepared(built_db_file, tmp_path_factory):
    """The console tests' database: a tiny upload, the account quantri, their audit; and its checksums."""
    return tiny_database(built_db_file, tmp_path_factory.mktemp("hostile") / "prepared.duckdb")


@pytest.fixture
def con(prepared, tmp_path):
    """A private copy of ``prepared``, open."""
    shutil.copy(prepared[0], tmp_path / "bhxh.duckdb")
    with closing(db.connect(tmp_path / "bhxh.duckdb")) as connection:
        yield connection


def changed(connection, prepared) -> set[str]:
    """The tables whose contents differ from the prepared database's."""
    now = db.checksums(connection)
    return {name for name, digest in now.items() if prepared[1].get(name) != digest}


def file_changed(path, prepared) -> set[str]:
    connection = db.connect(path, read_only=True)
    try:
        return changed(connection, prepared)
    finally:
        connection.close()


# ---------------------------------------------------------------- the console

@pytest.fixture(scope="module")
def snapshot(prepared):
    return console.open_console(prepared[0], memory_mb=256)


CONSOLE_BOMBS = [  # issue 12's, then others; (id, SQL, error, the limit or refusal its message names)
    ("damerau_40000", "SELECT damerau_levenshtein(repeat('a',40000), repeat('b',40000))", QueryFailed, MEMORY),
    ("levenshtein_250000", "SELECT levenshtein(repeat('a',250000), repeat('b',250000))", QueryTimeout, TIME),
    ("range_1e8_as_written", "SELECT len(range(1e8))", QueryFailed, "kiểu dữ liệu"),
    ("range_1e8", "SELECT len(range(100000000))", QueryFailed, MEMORY),
    ("lpad_2e9_as_written", "SELECT lpad('x', 2e9, 'y') FROM range(10)", QueryFailed, "kiểu dữ liệu"),
    ("lpad_2e9", "SELECT lpad('x', 2000000000, 'y') FROM range(10)", QueryFailed, MEMORY),
    ("one_huge_value", "SELECT repeat('a', 200000000)", QueryFailed, MEMORY),
    ("doubling_recursion", "WITH RECURSIVE r(s) AS (SELECT 'ab' UNION ALL SELECT s || s FROM r "
                           "WHERE length(s) < 10000000000) SELECT max(length(s)) FROM r", QueryFailed, MEMORY),
    ("string_agg_cross_join", "SELECT length(string_agg(repeat('x', 100000), '')) FROM range(100000)",
     QueryFailed, MEMORY),
    ("sort_of_a_trillion", "SELECT * FROM range(1000000) a, range(1000000) b ORDER BY random() LIMIT 1",
     QueryTimeout, TIME),
]


@pytest.mark.parametrize(("sql", "error", "names"), [b[1:] for b in CONSOLE_BOMBS], ids=[b[0] for b in CONSOLE_BOMBS])
def test_console_bomb_dies_within_its_limit_while_another_session_answers(snapshot, prepared, sql, error, names):
    caught = []

    def bomb():
        try:
            # A time bomb meets a 3 s limit; a memory bomb's limit is far away, so a busy machine cannot
            # turn its memory refusal into a timeout.
            console.run_query(snapshot, sql, time_limit_s=3 if error is QueryTimeout else 60)
        except Exception as exc:  # noqa: BLE001 - whatever it is, the test below names it
            caught.append(exc)

    worker = threading.Thread(target=bomb)
    worker.start()
    while worker.is_alive() and not multiprocessing.active_children():
        time.sleep(0.01)  # until the bomb's process runs
    assert console.run_query(snapshot, "SELECT count(*) AS n FROM v_xa", time_limit_s=60)["n"].tolist() == [104]
    worker.join()
    assert len(caught) == 1 and type(caught[0]) is error, caught
    assert names in str(caught[0])
    assert multiprocessing.active_children() == []
    assert file_changed(prepared[0], prepared) == set()


MARKDOWN = "![x](http://attacker.example/x.png) [bấm](javascript:alert(1)) <img src=x onerror=alert(1)>"
CONSOLE_REFUSED = [
    ("duckdb_settings", "SELECT name, value FROM duckdb_settings()"),
    ("current_setting_home", "SELECT current_setting('home_directory')"),
    ("user_agent", "SELECT * FROM pragma_user_agent()"),
    ("version", "SELECT version()"),
    ("version_in_subquery", "SELECT (SELECT library_version FROM pragma_version()) AS v"),
    ("platform", "SELECT * FROM pragma_platform()"),
    ("sql_in_a_string", "SELECT * FROM query('SELECT version()')"),
    ("qualified_settings", "SELECT * FROM system.main.duckdb_settings()"),
    ("secrets", "SELECT * FROM duckdb_secrets()"),
    ("temporary_files", "SELECT * FROM duckdb_temporary_files()"),
    ("getenv_in_lambda", "SELECT list_transform(['HOME'], x -> getenv(x))"),
]


@pytest.mark.parametrize("sql", [c[1] for c in CONSOLE_REFUSED], ids=[c[0] for c in CONSOLE_REFUSED])
def test_nothing_of_the_host_or_engine_is_readable(snapshot, prepared, sql):
    with pytest.raises(QueryRefused, match="cấu hình hoặc phiên bản của máy chủ"):
        console.run_query(snapshot, sql, time_limit_s=60)
    assert file_changed(prepared[0], prepared) == set()


def test_console_messages_never_carry_the_query_text(snapshot, prepared):
    """Markdown in a query comes back only as a literal note, never in the message a page renders."""
    for sql in (f'SELECT "{MARKDOWN}" FROM v_xa', f"SELECT * FROM v_xa WHERE {MARKDOWN}", f"{MARKDOWN}"):
        with pytest.raises((QueryFailed, QueryRefused)) as caught:
            console.run_query(snapshot, sql, time_limit_s=60)
        assert "attacker" not in str(caught.value) and "<img" not in str(caught.value)
    assert file_changed(prepared[0], prepared) == set()


@pytest.mark.parametrize(("sql", "error", "message"), [
    ("SELECT 1 + " * 100_000 + "1", QueryRefused, "Câu lệnh dài quá 20.000 ký tự"),
    ("SELECT " + "(" * 3000 + "1" + ")" * 3000, QueryFailed, "sai cú pháp"),
], ids=["ten_megabytes_of_sql", "nested_3000_deep"])
def test_monstrous_query_text_is_contained(snapshot, prepared, sql, error, message):
    with pytest.raises(error, match=message):
        console.run_query(snapshot, sql, time_limit_s=60)
    assert multiprocessing.active_children() == []
    assert file_changed(prepared[0], prepared) == set()


def test_the_child_works_in_an_empty_folder_with_no_environment_and_cannot_write(tmp_path):
    """What a query's process sees of the host: an empty folder that is its HOME, nothing else."""
    header, _ = sandbox.run(_inspect, (str(tmp_path / "x.txt"),), sandbox.Limits(256, 60))
    folder = header["cwd"]
    assert header["home"] == folder and header["listing"] == [] and folder != os.getcwd()
    assert set(header["environment"]) == {"HOME", "TMPDIR", "LANG"}
    assert header["written"] == "File too large" and (tmp_path / "x.txt").read_bytes() == b""
    assert not os.path.exists(folder)  # removed once the child is gone


def _inspect(outside: str) -> tuple[dict, bytes]:
    try:
        with open(outside, "w") as f:
            f.write("x")
        written = "yes"
    except OSError as exc:
        written = exc.strerror
    return {"cwd": os.getcwd(), "home": os.environ.get("HOME"), "listing": os.listdir("."),
            "environment": sorted(os.environ), "written": written}, b""


# ---------------------------------------------------------------- uploads

@pytest.fixture(scope="module")
def upload_bombs():
    return bombs.upload_bombs()


UPLOAD_BOMBS = [  # issue 12's; (name, the refusal's code and the figures it quotes)
    ("shared_string_1gb", "zip_bomb", {"unzipped_mb": 1024.0, "limit_mb": 200}),
    ("whitespace_2_9mb", "zip_bomb", {"unzipped_mb": 2900.0, "limit_mb": 200}),
    ("csv_20mb", "file_too_large", {"max_mb": 20}),
    ("xlsx_1048576_rows", "too_many_rows", {"limit": 250_000}),
    ("billion_laughs", "xml_entities", {}),
    ("csv_field_200kib", "csv_cell_too_long", {"limit": 32_767}),
]


@pytest.mark.parametrize(("name", "code", "params"), UPLOAD_BOMBS, ids=[u[0] for u in UPLOAD_BOMBS])
def test_upload_bomb_is_refused_with_one_clear_message(con, prepared, upload_bombs, name, code, params):
    data, filename = upload_bombs[name]
    assert sheet_names(data, filename, 20) in ([], ["Số liệu"])  # listing sheets never opens a bomb
    checked = prepare(con, data, filename, today=TODAY)
    assert [(p.row, p.column, p.severity, p.code) for p in checked.errors] == [(None, None, "error", code)]
    quoted = checked.errors[0].params
    assert {k: quoted[k] for k in params} == pytest.approx(params, abs=0.05)
    assert len(checked.checked.table) == 0 and len(checked.problem_table()) == 1
    assert changed(con, prepared) == set()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MORE_UPLOADS = [  # (id, bytes, file name, the refusal's code)
    ("password_protected_xlsx", OLE + bytes(500) + "EncryptionInfo".encode("utf-16-le") + bytes(500), "a.xlsx",
     "encrypted_workbook"),
    ("xls_renamed_xlsx", OLE + bytes(1000), "a.xlsx", "renamed_xls"),
    ("ods_renamed_xlsx", b"PK\x03\x04" + bytes(26) + b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet",
     "a.xlsx", "renamed_ods"),
    ("pdf_renamed_csv", b"%PDF-1.4\n%%EOF\n", "a.csv", "csv_not_text"),
    ("xlsx_renamed_csv", bombs.xlsx(), "a.csv", "csv_not_text"),
    ("xxe_external_entity", bombs.xlsx({"xl/sharedStrings.xml":
     '<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     f'<sst {bombs.NS}><si><t>&x;</t></si></sst>'}), "a.xlsx", "xml_entities"),
    ("cell_of_40000_characters", bombs.xlsx({"xl/sharedStrings.xml":
     f'<sst {bombs.NS}><si><t>Mã xã</t></si><si><t>{"x" * 40_000}</t></si></sst>'}), "a.xlsx",
     "cell_too_long"),
    ("two_thousand_columns", bombs.xlsx({"xl/worksheets/sheet1.xml": bombs._sheet(
        '<row r="1"><c r="A1"><v>1</v></c><c r="BXX1"><v>1</v></c></row>')}), "a.xlsx", "too_many_columns"),
    ("five_thousand_parts", bombs.zipped({**{f"xl/media/{n}.xml": "<a/>" for n in range(5000)}}), "a.xlsx",
     "zip_bomb"),
    ("csv_of_300000_lines", b"Ma xa;Tong so;Tu nguyen\n" + b"11953;1;1\n" * 300_000, "a.csv", "too_many_lines"),
]


@pytest.mark.parametrize(("data", "filename", "code"), [u[1:] for u in MORE_UPLOADS], ids=[u[0] for u in MORE_UPLOADS])
def test_disguised_or_swollen_upload_is_refused(con, prepared, data, filename, code):
    checked = prepare(con, data, filename, today=TODAY)
    assert [p.code for p in checked.errors] == [code], checked.errors
    assert changed(con, prepared) == set()


def test_an_unforeseen_bomb_only_kills_its_reader():
    """Whatever no check foresaw dies with the child: here a plain file read under tiny limits."""
    data = b"Ma xa;Tong so;Tu nguyen\n" + b"11953;1;1\n" * 200_000
    refusals = []
    # reading this file takes tens of milliseconds (pyarrow), so the time limit is set below what any child needs
    for limits in (sandbox.Limits(memory_mb=30, time_s=60), sandbox.Limits(memory_mb=1024, time_s=0.005)):
        with pytest.raises(Unreadable) as refused:
            confined(20, limits)(data, "a.csv")
        refusals.append(str(refused.value).split(" quá")[0])
    assert refusals == ["Đọc tệp cần", "Đọc tệp mất"]
    assert multiprocessing.active_children() == []


def test_a_file_with_a_thousand_bad_rows_shows_the_first_200_and_a_count(con, prepared):
    data = ("Mã xã;Kỳ;Tổng số;Tự nguyện\n" + "11953;2026-03;abc;1\n" * 1000).encode()
    table = prepare(con, data, "a.csv", today=TODAY).problem_table()
    assert len(table) == SHOWN_PROBLEMS + 1
    assert table.iloc[-1]["Nội dung"].startswith("Còn 800 vấn đề khác không hiện")
    assert changed(con, prepared) == set()


# ---------------------------------------------------------------- logins

def logins(connection) -> pd.DataFrame:
    """The audit entries of login attempts, newest first."""
    log = audit.entries(connection)
    return log[log["action"].str.startswith("login")]


def _parallel(connection, attempts: list[tuple[str, str]], client: str = accounts.LOCAL_CLIENT) -> list:
    """Each attempt in its own thread with its own cursor of one connection, as the server's sessions do."""
    outcomes = [None] * len(attempts)
    start = threading.Barrier(len(attempts))

    def attempt(n, username, password):
        cursor = connection.cursor()
        start.wait()
        try:
            outcomes[n] = writes.authenticate(cursor, username, password, NOW, client=client)
        except Exception as exc:  # noqa: BLE001 - anything but LoginFailed fails the test below
            outcomes[n] = exc
        finally:
            cursor.close()

    threads = [threading.Thread(target=attempt, args=(n, *a)) for n, a in enumerate(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


GUESSER, OFFICE = "203.0.113.66", "198.51.100.10"
HELD = f"tạm chặn {GUESSER} đến 10/07/2026 08:00:30 sau 5 lần sai"


def test_twenty_parallel_wrong_logins_hold_back_their_address_only_and_are_all_audited(con, prepared):
    outcomes = _parallel(con, [("quantri", f"doan-mo-{n}-lan") for n in range(20)], GUESSER)
    assert [type(o) for o in outcomes] == [LoginFailed] * 20
    assert {str(o) for o in outcomes} == {accounts.REFUSED}
    log = logins(con)
    assert (log["action"] == "login_failed").sum() == 20 and set(log["actor"]) == {"quantri"}
    details = log["detail"].tolist()[::-1]
    assert details[:5] == [f"sai mật khẩu lần thứ {n} từ {GUESSER}" for n in range(1, 6)]
    assert details[5:] == [HELD] * 15  # refused unchecked, and not counted
    assert db.rows(con, "SELECT * FROM login_failures ORDER BY client") == [("quantri", "", 5, NOW),
                                                                          ("quantri", GUESSER, 5, NOW)]
    later = NOW + dt.timedelta(seconds=10)
    with pytest.raises(LoginFailed):  # the right password waits too, from that address
        writes.authenticate(con, "quantri", PASSWORD, later, client=GUESSER)
    assert writes.authenticate(con, "quantri", PASSWORD, later, client=OFFICE).username == "quantri"
    assert changed(con, prepared) == {"login_failures", "audit_log"}


def test_parallel_right_and_wrong_logins_from_one_address_are_counted_in_the_order_decided(con, prepared):
    """Wherever the right password lands among twelve wrong ones, the count follows the decisions as the audit
    lists them: five wrong ones hold the address back, a login before that clears its count."""
    outcomes = _parallel(con, [("quantri", f"doan-mo-{n}-lan") for n in range(12)] + [("quantri", PASSWORD)],
                         GUESSER)
    assert all(isinstance(o, (LoginFailed, User)) for o in outcomes), outcomes
    details = logins(con)["detail"].tolist()[::-1]  # oldest first
    assert len(details) == 13
    count = 0
    for detail in details:
        if count == accounts.FREE_FAILURES:
            assert detail == HELD
        elif detail == "":
            count = 0
        else:
            count += 1
            assert detail == f"sai mật khẩu lần thứ {count} từ {GUESSER}"
    assert count == accounts.FREE_FAILURES  # twelve wrong ones leave five after any login
    assert sum(isinstance(o, User) for o in outcomes) == details.count("") <= 1
    wrong = sum(d.startswith("sai mật khẩu") for d in details)
    assert db.rows(con, "SELECT client, failures FROM login_failures ORDER BY client") == [("", wrong),
                                                                                         (GUESSER, count)]
    assert writes.authenticate(con, "quantri", PASSWORD, NOW, client=OFFICE).username == "quantri"
    assert changed(con, prepared) == {"login_failures", "audit_log"}


class _Spy(accounts.PasswordHasher):
    def __init__(self):
        super().__init__()
        self.verified = []

    def verify(self, hashed, password):
        self.verified.append(hashed)
        return super().verify(hashed, password)


def test_unknown_and_known_users_cost_the_same_argon2_work(con, prepared, monkeypatch):
    spy = _Spy()
    monkeypatch.setattr(accounts, "_HASHER", spy)
    known = con.execute("SELECT password_hash FROM users WHERE username = 'quantri'").fetchone()[0]
    for username in ("quantri", "khong-co-ai", "ｑｕａｎｔｒｉ-x", "", "x" * 5_000_000):
        spy.verified.clear()
        with pytest.raises(LoginFailed) as caught:
            writes.authenticate(con, username, "sai-mat-khau-roi", NOW)
        assert str(caught.value) == accounts.REFUSED
        assert len(spy.verified) == 1
        # The same argon2 parameters (memory, time, parallelism) for a real hash and the stand-in.
        assert spy.verified[0].split("$")[3] == known.split("$")[3]
    assert changed(con, prepared) == {"login_failures", "audit_log"}


class _Crowd(accounts.PasswordHasher):
    """Counts the argon2 runs under way at once."""

    def __init__(self):
        super().__init__()
        self.now = self.most = 0
        self.lock = threading.Lock()

    def verify(self, hashed, password):
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            return super().verify(hashed, password)
        finally:
            with self.lock:
                self.now -= 1


def test_a_crowd_of_logins_runs_at_most_one_argon2_per_core(con, prepared, monkeypatch):
    """Each argon2 run holds 64 MiB; forty at once would hold 2,5 GB."""
    crowd = _Crowd()
    monkeypatch.setattr(accounts, "_HASHER", crowd)
    outcomes = _parallel(con, [("quantri" if n % 2 else f"ai-do-{n}", f"doan-mo-{n}-lan") for n in range(40)])
    assert [type(o) for o in outcomes] == [LoginFailed] * 40
    assert 1 <= crowd.most <= (os.cpu_count() or 1)
    assert changed(con, prepared) == {"login_failures", "audit_log"}


@pytest.mark.parametrize("state", ["unknown", "wrong", "locked", "disabled"])
def test_every_refusal_has_the_same_message(con, prepared, state):
    if state == "locked":  # this address is held back
        for _ in range(accounts.FREE_FAILURES):
            with pytest.raises(LoginFailed):
                writes.authenticate(con, "quantri", "sai-mat-khau-roi", NOW)
    if state == "disabled":
        con.execute("UPDATE users SET disabled = true WHERE username = 'quantri'")
    username = "ai-do" if state == "unknown" else "quantri"
    password = "sai-mat-khau-roi" if state == "wrong" else PASSWORD
    with pytest.raises(LoginFailed) as caught:
        writes.authenticate(con, username, password, NOW)
    assert str(caught.value) == accounts.REFUSED
    assert changed(con, prepared) <= {"users", "login_failures", "audit_log"}


def test_a_full_width_name_is_the_same_account(con, prepared):
    assert writes.authenticate(con, " ｑｕａｎｔｒｉ ", PASSWORD, NOW).username == "quantri"
    with pytest.raises(UserExists):
        writes.create_user(con, accounts.SYSTEM, "ＱＵＡＮＴＲＩ", "Bản sao", "admin", PASSWORD)
    assert changed(con, prepared) == {"audit_log"}  # the login, and nothing else


@pytest.mark.parametrize("username", ["", "   ", "x" * 65, "nguyễn văn an", MARKDOWN, "ab\x00cd", "a\u202ebc",
                                      "-batdau-bang-dau-gach"],
                         ids=["empty", "blank", "too_long", "spaces_and_accents", "markdown", "nul", "bidi", "dash"])
def test_a_bad_user_name_is_never_created(con, prepared, username):
    with pytest.raises(InvalidUsername, match="Tên đăng nhập phải có 1–64 ký tự"):
        writes.create_user(con, accounts.SYSTEM, username, "X", "viewer", PASSWORD)
    assert changed(con, prepared) == set()


@pytest.mark.parametrize("name", ["", " \x00\x07 \u202e ", "x" * 101, "x" * 5_000_000],
                         ids=["empty", "only_control_characters", "too_long", "five_megabytes"])
def test_a_bad_full_name_is_never_stored(con, prepared, name):
    with pytest.raises(InvalidDisplayName, match="Họ tên phải có 1–100 ký tự"):
        writes.create_user(con, accounts.SYSTEM, "docgia", name, "viewer", PASSWORD)
    assert changed(con, prepared) == set()


def test_a_five_megabyte_name_or_a_password_in_the_name_box_is_never_stored(con, prepared):
    for typed in ("x" * 5_000_000, PASSWORD, "ｍａｔ-ｋｈａｕ-ｂｉ-ｍａｔ-2026"):
        with pytest.raises(LoginFailed):
            writes.authenticate(con, typed, "", NOW)
    actors = logins(con)["actor"].tolist()
    assert all(len(a) == 13 and a.startswith("?") for a in actors) and len(actors) == 3
    assert actors[1] == accounts.audit_name(PASSWORD) != actors[0]  # repeats are recognisable, the text is not
    log = audit.entries(con).to_string()
    assert PASSWORD not in log and "xxxxxxxx" not in log and "khau" not in log
    assert changed(con, prepared) == {"login_failures", "audit_log"}


@pytest.mark.parametrize("password", ["aaaaaaaaaa", " " * 10, "matkhau123", "quantri2026", "1234567890",
                                      "qwertyuiop", "x" * 300],
                         ids=["a_x10", "spaces_x10", "common", "user_name", "digits", "keyboard_row", "too_long"])
def test_a_weak_password_is_refused_in_vietnamese(con, prepared, password):
    with pytest.raises(WeakPassword, match="Mật khẩu"):
        writes.create_user(con, accounts.SYSTEM, "quantri2", "Quản trị", "admin", password)
    assert changed(con, prepared) == set()


def test_a_viewer_cannot_create_an_account_even_with_a_strong_password(con, prepared):
    with pytest.raises(NotAuthorised):
        writes.create_user(con, User("lanhdao", "Lãnh đạo", "viewer"), "moi", "Mới", "admin", PASSWORD)
    assert changed(con, prepared) == set()


# ---------------------------------------------------------------- the upload in force

def test_a_clock_stepped_back_does_not_let_an_older_upload_win(con, prepared):
    def march():
        found = reads.monthly(con)
        return found[found["period"] == "2026-03"].set_index("code")[["total", "upload_id"]].to_dict("index")

    before = reads.data_version(con)
    later = record_monthly(con, [("2026-03", "11953", 150, 15)], sha="def", file_name="sua.csv",
                           now=dt.datetime(2026, 4, 1))  # the server's clock went back to before the first
    assert march() == {"11953": {"total": 150, "upload_id": later}, "11977": {"total": 190, "upload_id": 1}}
    assert reads.data_version(con) != before  # caches keyed on it see the new upload
    writes.withdraw(con, later, ANALYST, now=dt.datetime(2026, 4, 2))
    assert march() == {"11953": {"total": 110, "upload_id": 1}, "11977": {"total": 190, "upload_id": 1}}
    assert changed(con, prepared) == {"uploads", "monthly_values", "audit_log"}


def test_a_query_or_upload_never_runs_the_servers_main_script(snapshot, tmp_path, monkeypatch):
    """Streamlit makes each page script __main__ while it runs; a confined child must not run it again."""
    script = tmp_path / "page.py"
    script.write_text(f"open({str(tmp_path / 'ran')!r}, 'w').close()\nraise SystemExit(3)\n")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    assert console.run_query(snapshot, "SELECT count(*) AS n FROM v_xa", time_limit_s=60)["n"].tolist() == [104]
    assert [g.sheet for g in confined(20)(bombs.xlsx(), "a.xlsx")] == ["Số liệu"]
    assert not (tmp_path / "ran").exists()


# ---------------------------------------------------------------- user text is shown literally

MARK = "ĐỘC"  # every hostile text carries it, so a test finds each element that quotes one
HOSTILE_TEXT = [
    ("image", f"![{MARK}](http://attacker.example/x.png)"),
    ("link", f"[{MARK}](http://attacker.example)"),
    ("html", f"<img src=x onerror=alert(1)>{MARK}"),
    ("emphasis_and_code", f"**{MARK}** _nghiêng_ `mã` ~~gạch~~"),
    ("streamlit_and_bare_addresses", f":red[{MARK}] :material/home: :smile: $x^2$ www.attacker.example a@b.example"),
]
HOSTILE = pytest.mark.parametrize("text", [t[1] for t in HOSTILE_TEXT], ids=[t[0] for t in HOSTILE_TEXT])
CONTROL = f"{MARK}\x00 gpj.exe\u202e\x1b[2J\x07"  # a NUL, a direction override, an escape sequence, a bell
CONTROL_CLEANED = f"{MARK} gpj.exe[2J"
ADMIN = User("quantri", "Quản trị", "admin")
_MARKDOWN = ("title", "header", "subheader", "markdown", "caption", "error", "warning", "info", "success")


def quoting(at, mark: str = MARK) -> list[str]:
    """What a reader sees of each Markdown element or label on the page that quotes ``mark``; each must render
    as plain text (conftest.plain_text)."""
    bodies = [e.value for kind in _MARKDOWN for e in getattr(at, kind)]
    bodies += [e.label for kind in ("metric", "expander", "tabs") for e in getattr(at, kind)]
    return [plain_text(body) for body in bodies if mark in body]


def differs(connection, sums: dict) -> set[str]:
    """The tables whose contents differ from ``sums``, leaving out the sessions table: every click moves the
    session's idle clock (analytics.access.sessions), and a page test signs in through a real session."""
    return {name for name, digest in db.checksums(connection).items() if sums.get(name) != digest} - {"sessions"}


def table_with(at, column: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if column in d.value.columns)


@HOSTILE
def test_a_display_name_is_shown_literally_in_the_sidebar(open_page, con, prepared, tmp_path, text):
    at = open_page("ui/overview.py", tmp_path / "bhxh.duckdb", user=User("an", text, "viewer"))
    signed = db.checksums(con)
    at.run()
    assert quoting(at) == [f"{text} · Xem"]
    assert differs(con, signed) == set()


@HOSTILE
def test_an_account_made_with_hostile_names_is_stored_clean_and_listed_literally(open_page, con, prepared,
                                                                                  tmp_path, text):
    at = open_page("ui/admin.py", tmp_path / "bhxh.duckdb", user=ADMIN)
    signed = db.checksums(con)
    at.text_input[0].input("an@attacker.example")
    at.text_input[1].input(text + CONTROL)
    at.text_input[2].input(PASSWORD + "-moi")
    at.button[0].click().run()
    assert quoting(at, "attacker") == ["Đã tạo tài khoản «an@attacker.example»."]
    assert accounts.users(con).set_index("username").loc["an@attacker.example", "display_name"] == (
        text + CONTROL_CLEANED)
    assert differs(con, signed) == {"users", "audit_log"}
    written = db.checksums(con)
    at.run()  # reading the list changes nothing
    assert table_with(at, "display_name").set_index("username").loc["an@attacker.example", "display_name"] == (
        text + CONTROL_CLEANED)
    assert quoting(at) == []  # a table renders no Markdown
    assert differs(con, written) == set()


@HOSTILE
def test_an_upload_with_hostile_names_is_reviewed_and_listed_literally(open_page, con, prepared, tmp_path, text):
    writes.record_upload(con, pd.DataFrame({"period": ["2026-06"], "code": ["11953"], "total": [130],
                                           "compulsory": [113], "voluntary": [17], "labour_force": [None],
                                           "source_row": [2], "written_name": [text + CONTROL],
                                           "match_method": ["code"], "match_score": [None]}),
                        kind="monthly", file_name=f"{text}{CONTROL}.csv", sha256="hostile", user=ANALYST,
                        rows_read=1, note=text + CONTROL, now=NOW)
    at = open_page("ui/upload.py", tmp_path / "bhxh.duckdb", user=ANALYST)
    signed = db.checksums(con)
    listed = table_with(at, "file_name").set_index("id").loc[2]
    assert (listed["file_name"], listed["note"]) == (f"{text}{CONTROL_CLEANED}.csv", text + CONTROL_CLEANED)
    assert con.execute("SELECT written_name FROM monthly_values WHERE upload_id = 2").fetchall() == [
        (text + CONTROL_CLEANED,)]
    at.file_uploader[0].upload(f"{text}.csv", f"Mã xã;Tên xã, phường;Kỳ;Tổng số;Tự nguyện\n;{text};2026-07;1;1\n"
                               .encode(), "text/csv").run()
    # the name is quoted in a problem, or its row is set aside as a note (a name of Markdown signs reads as one)
    said = [v for d in at.dataframe if "Nội dung" in d.value.columns for v in d.value["Nội dung"]]
    assert any(f"«{text}»" in v or v == f"{text} 2026-07" for v in said), said
    assert quoting(at) == []
    assert differs(con, signed) == set()


def test_a_workbook_whose_sheet_and_headers_carry_markup_is_reviewed_literally(open_page, con, prepared, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = f"__{MARK}__ <img src=x onerror=f()>"  # no [ ] : * ? / or backslash in a sheet name
    sheet.append(["Mã xã", "Kỳ", "Tổng số", "Tự nguyện", f"![{MARK}](http://attacker.example/x.png)"])
    sheet.append(["11953", "2026-07", 130, 17, "x"])
    data = io.BytesIO()
    book.save(data)
    at = open_page("ui/upload.py", tmp_path / "bhxh.duckdb", user=ANALYST)
    signed = db.checksums(con)
    at.file_uploader[0].upload("so-lieu.xlsx", data.getvalue(), "application/octet-stream").run()
    assert quoting(at) == [f"Trang tính: «__{MARK}__ <img src=x onerror=f()>»."]
    assert [plain_text(s.label) for s in at.selectbox if MARK in s.label] == [
        f"cột E «![{MARK}](http://attacker.example/x.png)»"]
    assert differs(con, signed) == set()


@HOSTILE
def test_a_console_error_quoting_hostile_text_shows_it_literally(open_page, con, prepared, tmp_path, text):
    at = open_page("ui/explore.py", tmp_path / "bhxh.duckdb", user=ANALYST)
    signed = db.checksums(con)
    at.text_area(key="sql_text").input(f'SELECT "{text}" FROM v_xa')
    at.button(key="sql_run").click().run()
    assert [plain_text(e.value) for e in at.error] == [
        "Tên cột, hàm hoặc kiểu dữ liệu không đúng; xem danh sách cột của từng bảng."]
    assert [c.value for c in at.code] == [f'Binder Error: Referenced column "{text}" not found in FROM clause!']
    assert quoting(at) == []
    assert differs(con, signed) == set()


def test_a_file_name_and_note_lose_their_control_characters_on_the_way_in(open_page, con, prepared, tmp_path):
    at = open_page("ui/upload.py", tmp_path / "bhxh.duckdb", user=ANALYST)
    signed = db.checksums(con)
    named = CONTROL.replace("\x00", "")  # Streamlit itself refuses a NUL in a file name
    at.file_uploader[0].upload(f"{named}.csv", "Mã xã;Kỳ;Tổng số;Tự nguyện\n11953;2026-06;130;17\n".encode(),
                               "text/csv").run()
    at.text_input(key="note").input(CONTROL)
    at.checkbox[0].check()
    next(b for b in at.button if b.label == "Lưu số liệu").click().run()
    assert [plain_text(s.value) for s in at.success] == ["Đã lưu lần tải lên số 2: 1 dòng, kỳ tháng 6/2026."]
    assert con.execute("SELECT file_name, note FROM uploads WHERE id = 2").fetchone() == (
        f"{CONTROL_CLEANED}.csv", CONTROL_CLEANED)
    assert audit.entries(con)["detail"].iloc[0] == f"monthly #2 {CONTROL_CLEANED}.csv: 1 dòng"
    assert differs(con, signed) == {"uploads", "monthly_values", "monthly_in_force", "audit_log"}


def test_control_characters_stored_before_never_leave_in_an_export(con):
    con.execute("UPDATE uploads SET note = ?", [CONTROL])  # a database written before they were stripped
    history = reads.uploads(con, "monthly")[["id", "note"]]
    assert exports.to_csv(history).decode("utf-8-sig").splitlines() == ["id,note", f"1,{CONTROL_CLEANED}"]
    sheet = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(history))).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [["id", "note"], [1, CONTROL_CLEANED]]


@given(st.text())
def test_any_text_reads_back_exactly_as_it_was_written(text):
    """Whatever someone writes, CommonMark shows usertext.literal's Markdown as that text, cleaned (whitespace at
    either end is not seen)."""
    shown = usertext.clean(text).strip()
    assume(shown)
    assert plain_text(usertext.literal(shown)) == shown


# ====================================================================================================
# A file a page offers leaves only to its owner (the download route, the closed metrics)
# A file a page offers leaves only to its owner: the download route and the closed metrics, attacked.

FILE = b"PK\x03\x04 sao luu"


@pytest.fixture
def people(con, monkeypatch):
    """Sessions of the administrator (owner), another administrator, an analyst and a viewer; the routes read
    this test's database."""
    monkeypatch.setattr(page_downloads, "connection", con.cursor)
    monkeypatch.setattr(requester, "connection", con.cursor)
    for name, role in (("quantri2", "admin"), ("chuyenvien", "analyst"), ("lanhdao", "viewer")):
        writes.create_user(con, accounts.SYSTEM, name, name, role, "mat-khau-rat-dai-123")
    tokens = {name: writes.start_session(con, name, 12) for name in ("quantri", "quantri2", "chuyenvien", "lanhdao")}
    return tokens


@pytest.fixture
def client():
    app = Starlette(routes=[*downloads.routes(page_downloads.allowed, page_downloads.audited),
                            Route("/_stcore/metrics", lambda _: PlainTextResponse("cache_memory_bytes 1"))],
                    middleware=[Middleware(AdminOnly, allowed=requester.is_admin)])
    return TestClient(app, base_url="http://127.0.0.1")


def offer(owner_token: str | None, needs: str = "backup", name: str = "bhxh-sao-luu.zip", session: str = "tab-1"):
    owner = downloads.Owner("session", downloads.digest(owner_token)) if owner_token else downloads.Owner("visitor")
    return "/" + downloads.href(downloads.register(session, f"page:{name}", owner, needs, name, "application/zip",
                                                   FILE))


def get(client, url: str, token: str | None = None):
    client.cookies.clear()
    if token:
        client.cookies.set(session_cookie.NAME, token)
    return client.get(url)


@pytest.mark.parametrize("who", [None, "quantri2", "chuyenvien", "lanhdao", "forged"])
def test_someone_else_gets_403_and_nothing_is_written(people, client, con, who):
    url = offer(people["quantri"])
    before = db.checksums(con)
    token = people.get(who, "x" * 40 if who else None)
    answer = get(client, url, token)
    assert (answer.status_code, answer.content) == (403, "Không có quyền tải tệp này.".encode())
    assert db.checksums(con) == before


def test_the_owner_gets_the_file_once_audited(people, client, con):
    url = offer(people["quantri"], name="bản sao lưu.zip")
    before = db.checksums(con)
    answer = get(client, url, people["quantri"])
    assert (answer.status_code, answer.content) == (200, FILE)
    assert answer.headers["content-type"] == "application/zip"
    assert answer.headers["content-disposition"] == (
        "attachment; filename=\"b_n sao l_u.zip\"; filename*=UTF-8''b%E1%BA%A3n%20sao%20l%C6%B0u.zip")
    assert answer.headers["cache-control"] == "no-store, private"
    assert {name for name, digest in db.checksums(con).items() if before[name] != digest} == {"audit_log"}
    assert audit.entries(con, limit=1)[["actor", "action", "detail"]].values.tolist() == [
        ["quantri", "download", "bản sao lưu.zip"]]


def test_a_signed_out_session_or_a_lowered_role_opens_nothing_any_more(people, client, con):
    backup, logout = offer(people["quantri"]), offer(people["chuyenvien"], needs="explore", name="truy-van.csv")
    writes.set_disabled(con, accounts.SYSTEM, "quantri", True)
    writes.end_session(con, people["chuyenvien"])
    before = db.checksums(con)
    assert (get(client, backup, people["quantri"]).status_code, get(client, logout, people["chuyenvien"]).status_code
            ) == (403, 403)
    assert db.checksums(con) == before


def test_a_role_below_the_files_need_is_refused_even_for_its_owner(people, client, con):
    url = offer(people["lanhdao"], needs="audit", name="nhat-ky.csv")
    before = db.checksums(con)
    assert get(client, url, people["lanhdao"]).status_code == 403
    assert db.checksums(con) == before


def test_an_expired_or_made_up_link_is_404(people, client, con):
    url = offer(people["quantri"])
    handle = url.rsplit("/", 1)[1]
    downloads._offers[handle] = dataclasses.replace(downloads._offers[handle], deadline=0)
    before = db.checksums(con)
    assert get(client, url, people["quantri"]).status_code == 404
    assert get(client, "/api/tai-ve/" + "A" * 32, people["quantri"]).status_code == 404
    assert get(client, "/api/tai-ve/../../etc/passwd", people["quantri"]).status_code == 404
    assert db.checksums(con) == before


def test_a_visitors_file_is_public_only_while_viewing_needs_no_login(people, client, con, monkeypatch):
    url = offer(None, needs="view", name="xa-cham-tien-do.csv")
    before = db.checksums(con)
    assert get(client, url).status_code == 200
    closed = dataclasses.replace(load_settings(), viewing_requires_login=True)
    monkeypatch.setattr(page_downloads, "load_settings", lambda: closed)
    assert get(client, url).status_code == 403
    assert db.checksums(con) == before  # a visitor's file is not audited: it holds what anyone may see


def test_links_are_never_shared_between_sessions_and_follow_their_owner():
    owner, other = downloads.Owner("session", "a"), downloads.Owner("session", "b")
    first = downloads.register("tab-1", "p:CSV", owner, "view", "a.csv", "text/csv", b"1")
    again = downloads.register("tab-1", "p:CSV", owner, "view", "a.csv", "text/csv", b"2")
    elsewhere = downloads.register("tab-2", "p:CSV", owner, "view", "a.csv", "text/csv", b"1")
    signed_in_again = downloads.register("tab-1", "p:CSV", other, "view", "a.csv", "text/csv", b"3")
    assert first == again != elsewhere and signed_in_again not in (first, elsewhere)
    assert downloads.found(first) is None and downloads.found(signed_in_again).data == b"3"


def test_one_session_holds_a_bounded_number_of_links():
    owner = downloads.Owner("session", "c")
    handles = [downloads.register("tab-many", f"p:{n}", owner, "view", "a.csv", "text/csv", b"x")
               for n in range(downloads.PER_SESSION + 5)]
    assert [downloads.found(h) is not None for h in handles] == [False] * 5 + [True] * downloads.PER_SESSION


def test_links_die_after_their_lifetime():
    owner = downloads.Owner("session", "d")
    handle = downloads.register("tab-old", "p:x", owner, "view", "a.csv", "text/csv", b"x", now=0.0)
    downloads.register("tab-new", "p:y", owner, "view", "a.csv", "text/csv", b"x", now=downloads.LIFETIME + 1.0)
    assert handle not in downloads._offers


@pytest.mark.parametrize(("who", "code"), [(None, 403), ("lanhdao", 403), ("chuyenvien", 403), ("quantri", 200)])
def test_metrics_only_for_an_administrator(people, client, con, who, code):
    before = db.checksums(con)
    assert get(client, "/_stcore/metrics", people.get(who)).status_code == code
    assert get(client, "/_stcore/metrics/", people.get(who)).status_code == code
    assert db.checksums(con) == before


def test_an_ended_session_cookie_opens_no_metrics(people, client, con):
    con.execute("UPDATE sessions SET ended_at = now(), end_reason = 'logout' WHERE username = 'quantri'")
    before = db.checksums(con)
    assert get(client, "/_stcore/metrics", people["quantri"]).status_code == 403
    assert db.checksums(con) == before


# ====================================================================================================
# The console reads only its views
# The console reads the three documented views and the query's own WITH tables, and nothing else.
#
# The rule is an allow rule (analytics.safety.console._check): a deny list of the engine's catalog (pg_settings,
# duckdb_logs, information_schema, the duckdb_*() functions) always misses one. Each refused query must name
# what it refused and leave every table of the real database as it was. The database is test_console's tiny
# one: v_thang has 7 rows (totals 100, 110, 120, 125 for Phố Hiến 11953; 200, 190, 210 for Tân Hưng 11977),
# March sums to 300 / 49.

REFUSED = [  # id, query, the name the message quotes
    ("pg_settings", "SELECT * FROM pg_settings", "pg_settings"),
    ("information_schema", "SELECT * FROM information_schema.tables", "information_schema.tables"),
    ("duckdb_logs", "SELECT * FROM duckdb_logs", "duckdb_logs"),
    ("duckdb_tables", "SELECT * FROM duckdb_tables()", "duckdb_tables"),
    ("show_tables", "SHOW TABLES", '"tables"'),
    ("users_qualified", "SELECT * FROM main.users", "main.users"),
    ("sessions", "SELECT * FROM sessions", "sessions"),
    ("cte_wraps_pg_class", "WITH c AS (SELECT * FROM pg_catalog.pg_class) SELECT * FROM c", "pg_catalog.pg_class"),
    ("where_subquery", "SELECT * FROM v_xa WHERE code IN (SELECT username FROM users)", "users"),
    ("join_real_table", "SELECT * FROM v_thang JOIN communes USING (code)", "communes"),
    ("from_first", "FROM users", "users"),
    ("read_csv", "SELECT * FROM read_csv('/etc/passwd')", "read_csv"),
    ("getenv", "SELECT getenv('HOME')", "getenv"),
    ("current_setting", "SELECT current_setting('temp_directory')", "current_setting"),
    ("catalog_macro", "SELECT pg_get_viewdef(1)", "pg_get_viewdef"),
    ("qualified_function", "SELECT system.main.abs(-1)", "system.main.abs"),
    ("lateral", "SELECT * FROM v_xa, LATERAL (SELECT * FROM audit_log)", "audit_log"),
    ("unnest_subquery", "SELECT * FROM unnest((SELECT list(password_hash) FROM users))", "users"),
    ("range_subquery", "SELECT * FROM range((SELECT count(*) FROM duckdb_settings()))", "duckdb_settings"),
    ("memory_qualified", "SELECT * FROM memory.main.app_keys", "memory.main.app_keys"),
    ("system_qualified", "SELECT * FROM system.main.duckdb_settings()", "system.main.duckdb_settings"),
    ("view_qualified", "SELECT * FROM main.v_xa", "main.v_xa"),
    ("upper_case", "SELECT * FROM PG_SETTINGS", "PG_SETTINGS"),
    # A WITH name hides a real table only where DuckDB binds it to the WITH table.
    ("cte_reads_itself", "WITH pg_settings AS (SELECT * FROM pg_settings) SELECT * FROM pg_settings", "pg_settings"),
    ("cte_forward", "WITH a AS (SELECT * FROM users), users AS (SELECT 1) SELECT * FROM a", "users"),
    ("cte_other_subquery", "SELECT * FROM (WITH users AS (SELECT 1) SELECT * FROM users) t, users", "users"),
    ("cte_other_union_side", "(WITH users AS (SELECT 1 AS x) SELECT x FROM users) UNION ALL SELECT x FROM users",
     "users"),
    ("cte_recursive_anchor", "WITH RECURSIVE pg_settings(name) AS (SELECT name FROM pg_settings UNION ALL "
                             "SELECT 'x') SELECT * FROM pg_settings", "pg_settings"),
    ("cte_then_qualified", "WITH users AS (SELECT 1) SELECT * FROM main.users", "main.users"),
]


@pytest.mark.parametrize(("sql", "name"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_a_name_outside_the_views_is_refused_and_changes_nothing(con, prepared, sql, name):  # noqa: F811
    with pytest.raises(QueryRefused) as caught:
        run_query(open_console(con), sql)
    assert f"“{name}”" in str(caught.value)
    assert changed(con, prepared) == set()


def test_the_message_names_what_was_refused(con, prepared):  # noqa: F811
    with pytest.raises(QueryRefused) as caught:
        run_query(open_console(con), "SELECT * FROM pg_settings")
    assert str(caught.value) == ("Chỉ được đọc các bảng v_thang, v_xa, v_tai_len và các bảng đặt tên bằng WITH "
                                 "trong chính truy vấn; “pg_settings” không thuộc số đó.")
    with pytest.raises(QueryRefused) as caught:
        run_query(open_console(con), f'SELECT * FROM "{"x" * 80}\n"')
    assert f"“{'x' * 49}…”" in str(caught.value)  # 50 characters, the line break gone
    assert changed(con, prepared) == set()


@pytest.mark.parametrize(("sql", "message"), [
    ("SELECT * FROM v_xa; SELECT * FROM pg_settings", "văn bản có 2 câu lệnh"),
    ("SELECT * FROM " + "(SELECT * FROM " * 400 + "v_xa" + ")" * 400, "Không kiểm tra được câu lệnh này"),
])
def test_what_cannot_be_checked_is_refused(con, prepared, sql, message):  # noqa: F811
    with pytest.raises(QueryRefused, match=message):
        run_query(open_console(con), sql)
    assert changed(con, prepared) == set()


@pytest.mark.parametrize(("sql", "rows"), [
    ("SELECT count(*) AS n, sum(total) AS total FROM v_thang", [(7, 1055)]),
    ("SELECT count(*) AS n FROM v_xa", [(104,)]),
    ("SELECT file_name, rows_read FROM v_tai_len WHERE kind = 'monthly'", [("t.csv", 7)]),
    ("SELECT count(*) AS n FROM V_XA", [(104,)]),
    ("WITH march AS (SELECT * FROM v_thang WHERE period = '2026-03') "
     "SELECT sum(total) AS total, sum(voluntary) AS voluntary FROM march", [(300, 49)]),
    ("WITH a AS (WITH b AS (SELECT * FROM v_thang) SELECT * FROM b WHERE code = '11977') "
     "SELECT count(*) AS n FROM a", [(3,)]),
    ("SELECT t.code, x.name, t.total FROM v_thang t JOIN v_xa x USING (code) WHERE t.period = '2026-05'",
     [("11953", "Phường Phố Hiến", 125)]),
    ("WITH users AS (SELECT 1 AS x) SELECT * FROM users", [(1,)]),
    ("WITH pg_settings AS (SELECT 'mine' AS name) SELECT name FROM pg_settings", [("mine",)]),
    ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 4) SELECT sum(n) AS n FROM r",
     [(10,)]),
    ("SELECT sum(x) AS n FROM unnest([1, 2, 3]) AS t(x)", [(6,)]),
    ("SELECT t.total, u.k FROM v_thang t, LATERAL unnest([t.total, t.voluntary]) AS u(k) "
     "WHERE t.period = '2026-05' ORDER BY u.k", [(125, 16), (125, 125)]),
    ("SELECT count(*) AS n FROM v_xa, range(2)", [(208,)]),
    ("SELECT sum(generate_series) AS n FROM generate_series(1, 4)", [(10,)]),
])
def test_the_views_and_the_querys_own_tables_answer(con, prepared, sql, rows):  # noqa: F811
    found = run_query(open_console(con), sql)
    assert list(found.itertuples(index=False, name=None)) == rows
    assert changed(con, prepared) == set()


def test_describe_shows_a_views_columns(con):  # noqa: F811
    found = run_query(open_console(con), "DESCRIBE v_xa")
    assert found["column_name"].tolist() == list(console.VIEWS_DOC["v_xa"]["columns"])


def test_every_engine_macro_that_runs_a_query_is_hidden():
    """Such a macro reads the catalog when it is bound, after the check; a new DuckDB may add one."""
    engine = duckdb.connect()
    macros = {row[0] for row in engine.execute(
        r"SELECT function_name FROM duckdb_functions() "
        r"WHERE function_type = 'macro' AND regexp_matches(macro_definition, '\bFROM\b')").fetchall()}
    engine.close()
    assert macros and macros <= console.HIDDEN


# ====================================================================================================
# Backups hold no keys; a restore runs nothing from the archive
# A backup is no key to the house, and a crafted one changes nothing: refused by the part that does not belong.
#
# Every hostile restore is forced over the prepared database (tests.test_hostile's pattern: the console tests'
# tiny database and the account quantri) and must leave every table's checksum as it was. A backup made without
# accounts restores the prepared data exactly while keeping the accounts, so even a restore that succeeds shows by
# its checksums that nothing from the archive but its tables went in.

FOREIGN = "Bản sao lưu có phần không thuộc về nó: "
KEYS = {"app_keys", "sessions"}


@pytest.fixture
def target(prepared, tmp_path) -> Path:
    """A private copy of ``prepared``: the database every hostile backup is forced over."""
    shutil.copy(prepared[0], tmp_path / "bhxh.duckdb")
    return tmp_path / "bhxh.duckdb"


@pytest.fixture
def made(target, tmp_path) -> Path:
    """A backup of ``target`` without accounts, as a folder to tamper with."""
    with closing(db.connect(target, read_only=True)) as con:
        backup.export(con, tmp_path / "bk")
    return tmp_path / "bk"


def zipped(directory: Path) -> Path:
    """The folder as the ZIP someone would hand over, every part at its place."""
    path = directory.with_suffix(".zip")
    with zipfile.ZipFile(path, "w") as archive:
        for part in sorted(p for p in directory.rglob("*") if p.is_file()):
            archive.write(part, part.relative_to(directory).as_posix())
    return path


def rewrite(path: Path, change) -> None:
    pq.write_table(change(pq.read_table(path)), path)


def refused(source: Path, target: Path, prepared, names: str) -> None:
    """The restore is refused naming the part, and nothing of the target nor beside it changed."""
    with pytest.raises(BackupError) as caught:
        backup.restore(source, target, force=True)
    assert names in str(caught.value), str(caught.value)
    assert file_changed(target, prepared) == set()
    assert not [p.name for p in target.parent.glob(".bhxh*")]  # no temporary file or unpacked folder left


# ---------------------------------------------------------------- the archive runs nothing

@pytest.fixture
def older(target, tmp_path) -> Path:
    """A backup made by EXPORT DATABASE, before this change: key, sessions and accounts beside the data, with
    the SQL scripts IMPORT DATABASE used to run."""
    old, source = tmp_path / "cu", tmp_path / "nguon.duckdb"
    shutil.copy(target, source)  # the target itself stays as prepared
    with closing(db.connect(source)) as con:
        writes.start_session(con, "quantri", lifetime_hours=12, now=NOW)
        counts = backup._row_counts(con)
        con.execute(f"EXPORT DATABASE '{old}' (FORMAT parquet)")
    (old / "manifest.json").write_text(json.dumps({"schema_version": len(MIGRATIONS), "tables": counts}))
    return old


@pytest.mark.parametrize(("script", "line", "names"), [
    ("schema.sql", "COPY (SELECT 'x') TO '{written}';", "schema.sql, dòng 1: “COPY (SELECT 'x') TO"),
    ("schema.sql", "CREATE TABLE la (x INTEGER);", "schema.sql, dòng 1: “CREATE TABLE la (x INTEGER);”"),
    ("load.sql", "COPY uploads FROM '/etc/passwd';", "load.sql, dòng 1: “COPY uploads FROM '/etc/passwd';”"),
    ("load.sql", "COPY (SELECT 'x') TO '{written}';", "load.sql, dòng 1: “COPY (SELECT 'x') TO"),
    ("load.sql", "COPY uploads FROM '/x/users.parquet' (FORMAT 'parquet');", "load.sql, dòng 1"),
])
def test_a_crafted_script_is_refused_and_never_run(older, target, prepared, tmp_path, script, line, names):
    """IMPORT DATABASE ran these: a COPY ... TO wrote a file, a bad COPY FROM gave an INTERNAL error. Now one
    line that EXPORT DATABASE would not have written refuses the backup, naming it; nothing runs."""
    written = tmp_path / "viet-boi-ban-sao-luu.txt"
    path = older / script
    path.write_text(line.format(written=written) + "\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    refused(zipped(older), target, prepared, FOREIGN + names)
    assert not written.exists()


def test_a_script_that_is_no_text_is_refused(older, target, prepared):
    (older / "schema.sql").write_bytes(b"\xff\xfe" + b"\x00" * 64)
    refused(older, target, prepared, FOREIGN + "schema.sql")


def test_the_loading_connection_reaches_no_file(made, target, tmp_path, monkeypatch):
    """Even a statement slipped into the load could not write: the connection has no access to files."""
    written = tmp_path / "viet.txt"
    insert = restore._insert

    def and_a_copy(con, table, rows):
        with pytest.raises(duckdb.PermissionException):
            con.execute(f"COPY (SELECT 1) TO '{written}'")
        insert(con, table, rows)

    monkeypatch.setattr(restore, "_insert", and_a_copy)
    backup.restore(made, target, force=True)
    assert not written.exists()


TAMPERED = [  # (id, how the folder is changed, the part the refusal names)
    ("extra_column", lambda d: rewrite(d / "uploads.parquet", lambda t: t.append_column("x", pa.nulls(len(t)))),
     "uploads.parquet có cột lạ “x”"),
    ("missing_column", lambda d: rewrite(d / "uploads.parquet", lambda t: t.drop_columns(["note"])),
     "uploads.parquet thiếu cột “note”"),
    ("wrong_type", lambda d: rewrite(d / "uploads.parquet", lambda t: t.set_column(0, "id", t["id"].cast(pa.int64()))),
     "uploads.parquet có cột “id” kiểu int64, cần kiểu int32"),
    ("text_for_a_number", lambda d: rewrite(
        d / "monthly_values.parquet", lambda t: t.set_column(t.schema.get_field_index("total"), "total",
                                                             t["total"].cast(pa.string()))),
     "monthly_values.parquet có cột “total” kiểu string, cần kiểu int64"),
    ("renamed_table", lambda d: (d / "uploads.parquet").rename(d / "upload.parquet"), "upload.parquet"),
    ("missing_table", lambda d: (d / "communes.parquet").unlink(), "thiếu bảng «communes» (communes.parquet)"),
    ("unknown_file", lambda d: shutil.copy(d / "plan.parquet", d / "ke-hoach-2.parquet"), "ke-hoach-2.parquet"),
    ("unknown_folder", lambda d: (d / "khac").mkdir() or shutil.copy(d / "plan.parquet", d / "khac" / "plan.parquet"),
     "khac"),
    ("not_parquet", lambda d: (d / "plan.parquet").write_bytes(b"PAR1 khong phai parquet"),
     "plan.parquet không đọc được"),
    ("rows_not_in_the_manifest", lambda d: rewrite(d / "communes.parquet", lambda t: t.slice(1)),
     "communes.parquet có 103 dòng, manifest.json ghi 104"),
    ("same_key_twice", lambda d: _duplicate_first_commune(d), "communes.parquet có dòng trái ràng buộc"),
    ("accounts_the_manifest_does_not_list", lambda d: _accounts(d, lambda t: t, listed=False),
     "không khớp với manifest.json của nó (bảng «users»)"),
    ("accounts_with_an_extra_column", lambda d: _accounts(d, lambda t: t.append_column("x", pa.nulls(len(t)))),
     "accounts/users.parquet có cột lạ “x”"),
]


def _duplicate_first_commune(directory: Path) -> None:
    rewrite(directory / "communes.parquet", lambda t: pa.concat_tables([t.slice(0, 1), t.slice(0, 1), t.slice(2)]))


def _accounts(directory: Path, change, listed: bool = True) -> None:
    """The accounts of another database, as an attacker would bring them, changed."""
    (directory / "accounts").mkdir()
    with closing(db.connect(directory.parent / "bhxh.duckdb", read_only=True)) as con:
        con.complete()  # opening reads every table once
        users = con.sql("SELECT * FROM users").to_arrow_table()
    pq.write_table(change(users), directory / "accounts" / "users.parquet")
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest["tables"] |= {"users": 1} if listed else {}
    (directory / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(("tamper", "names"), [t[1:] for t in TAMPERED], ids=[t[0] for t in TAMPERED])
def test_a_tampered_backup_is_refused_naming_the_part(made, target, prepared, tamper, names):
    tamper(made)
    refused(zipped(made), target, prepared, names)
    refused(made, target, prepared, names)  # the folder itself, as the server's backups are restored


def test_the_command_line_says_what_does_not_belong_in_one_line(made, target, prepared, capsys):
    rewrite(made / "uploads.parquet", lambda t: t.append_column("x", pa.nulls(len(t))))
    assert main(["backup", "restore", str(zipped(made)), "--db", str(target), "--force"]) == 1
    err = capsys.readouterr().err
    assert err == f"LỖI: {FOREIGN}uploads.parquet có cột lạ “x”; không khôi phục.\n"
    assert file_changed(target, prepared) == set()


@pytest.mark.parametrize("name", ["../ngoai.parquet", "/tmp/ngoai.parquet", "khac/plan.parquet", ".an.parquet"])
def test_a_path_outside_the_backup_is_refused(made, target, prepared, tmp_path, name):
    archive = zipped(made)
    with zipfile.ZipFile(archive, "a") as zip_file:
        zip_file.writestr(name, b"x")
    refused(archive, target, prepared, f"đường dẫn lạ bên trong («{name}»)")
    assert not (tmp_path / "ngoai.parquet").exists()


# ---------------------------------------------------------------- no keys to the house

def test_the_zip_holds_no_key_nor_session_and_the_hashes_only_when_asked(target, tmp_path, settings):
    with closing(db.connect(target)) as con:
        writes.start_session(con, "quantri", lifetime_hours=12, now=NOW)  # a session, and so a key
        folder = writes.make_backup(con, ADMIN, settings, now=NOW).directory
        data = {t for t in db.table_names(con) if t not in KEYS | {"users"}}
    assert {p.relative_to(folder).as_posix() for p in folder.rglob("*.parquet")} == {
        f"{t}.parquet" for t in data} | {"accounts/users.parquet"}  # the server's own: accounts, never keys
    for with_accounts, extra in ((False, set()), (True, {"accounts/users.parquet"})):
        archive = zipfile.ZipFile(io.BytesIO(backup.zipped(folder, with_accounts=with_accounts)))
        assert set(archive.namelist()) == {"manifest.json"} | {f"{t}.parquet" for t in data} | extra
        assert set(json.loads(archive.read("manifest.json"))["tables"]) == data | ({"users"} if extra else set())


def test_a_restored_database_has_a_new_key_and_no_session(target, tmp_path):
    with closing(db.connect(target)) as con:
        token = writes.start_session(con, "quantri", lifetime_hours=12, now=NOW)
        backup.export(con, tmp_path / "bk", with_accounts=True)
    restored = tmp_path / "moi.duckdb"
    backup.restore(tmp_path / "bk", restored)
    with closing(db.connect(restored)) as con:
        assert db.rows(con, "SELECT count(*) FROM sessions UNION ALL SELECT count(*) FROM app_keys") == [(0,), (0,)]
        assert writes.signed_in(con, token, idle_minutes=30, lifetime_hours=12, touch=False, now=NOW) is None
        assert writes.authenticate(con, "quantri", "mat-khau-rat-dai-123", NOW) == ADMIN  # the hashes came back


def test_a_backup_without_accounts_keeps_the_accounts_it_replaces(made, target, prepared, tmp_path):
    with closing(db.connect(target)) as con:
        writes.create_user(con, ADMIN, "moi", "Người mới", "viewer", "mat-khau-cua-nguoi-moi-2026", NOW)
        after = db.checksums(con)
    backup.restore(zipped(made), target, force=True)
    assert file_changed(target, prepared) == {"users"}  # the data of the backup, the accounts of the moment
    with closing(db.connect(target, read_only=True)) as con:
        assert db.checksums(con)["users"] == after["users"]
    fresh = tmp_path / "trong.duckdb"
    backup.restore(made, fresh)  # into a new file: no account; `users create-admin` makes the first
    with closing(db.connect(fresh)) as con:
        assert not accounts.has_admin(con)
        assert db.value(con, "SELECT count(*) FROM uploads") == 1


def test_an_older_backup_restores_without_its_key_and_sessions(older, prepared, tmp_path):
    assert {"app_keys.parquet", "sessions.parquet", "users.parquet", "load.sql", "schema.sql"} <= {
        p.name for p in older.iterdir()}
    restored = tmp_path / "moi.duckdb"
    assert set(backup.restore(older, restored)["tables"]) == set(json.loads((older / "manifest.json").read_text())[
        "tables"]) - KEYS
    assert file_changed(restored, prepared) == set()


def test_a_backup_of_an_older_schema_is_brought_up_to_date(tmp_path):
    older = duckdb.connect(str(tmp_path / "cu.duckdb"))
    restore._migrate_to(older, len(MIGRATIONS) - 1)  # the schema as it was, without rows
    older.execute("INSERT INTO schema_version SELECT range FROM range(1, ?)", [len(MIGRATIONS)])
    backup.export(older, tmp_path / "bk")
    older.close()
    backup.restore(tmp_path / "bk", tmp_path / "moi.duckdb")
    with closing(db.connect(tmp_path / "moi.duckdb")) as con:
        assert db.schema_version(con) == len(MIGRATIONS)


# ---------------------------------------------------------------- rotating the session key

def test_rotating_the_key_ends_every_session_and_refuses_every_old_cookie(target):
    with closing(db.connect(target)) as con:
        old = [writes.start_session(con, "quantri", lifetime_hours=12, now=NOW) for _ in range(2)]
        key = db.value(con, "SELECT value FROM app_keys")
        assert writes.rotate_session_key(con, ADMIN, NOW) == 2
        assert db.value(con, "SELECT count(*) FROM sessions") == 0
        assert db.value(con, "SELECT value FROM app_keys") != key
        for token in old:
            assert writes.signed_in(con, token, idle_minutes=30, lifetime_hours=12, touch=True, now=NOW) is None
        entry = audit.entries(con).iloc[0]
        assert (entry["actor"], entry["action"], entry["detail"]) == (
            "quantri", "rotate_session_key", "kết thúc 2 phiên đăng nhập")
        again = writes.start_session(con, "quantri", lifetime_hours=12, now=NOW)  # signing in again works
        assert writes.signed_in(con, again, idle_minutes=30, lifetime_hours=12, touch=False, now=NOW) == ADMIN


@pytest.mark.parametrize("who", [User("lanhdao", "Lãnh đạo", "viewer"), User("chuyenvien", "Chuyên viên", "analyst"),
                                 None])
def test_only_an_administrator_rotates_the_key(target, who):
    with closing(db.connect(target)) as con:
        token = writes.start_session(con, "quantri", lifetime_hours=12, now=NOW)
        before = db.checksums(con)
        with pytest.raises(NotAuthorised):
            writes.rotate_session_key(con, who, NOW)
        assert db.checksums(con) == before
        assert writes.signed_in(con, token, idle_minutes=30, lifetime_hours=12, touch=False, now=NOW) == ADMIN


# ====================================================================================================
# Wrong passwords throttle their address, they do not lock the account
# Guessing passwords slows down the guesser's address and never locks anyone else out (OWASP: throttle, don't lock).
#
# The database and its checksums are tests.test_hostile's: a login writes only the failure counts and the audit
# log, asserted exactly, and every other table is unchanged.

GUESSER, OFFICE = "203.0.113.66", "198.51.100.10"
WRITES = {"login_failures", "audit_log"}


@pytest.fixture
def spy(monkeypatch):
    """The argon2 verifications each attempt runs."""
    found = _Spy()
    monkeypatch.setattr(accounts, "_HASHER", found)
    return found


def attempt(connection, username: str, password: str, at: dt.datetime, client: str = GUESSER):
    """The account, or the refusal's message."""
    try:
        return writes.authenticate(connection, username, password, at, client=client)
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
    actor = typed if typed == "quantri" else accounts.audit_name(typed)
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
    writes.reset_password(con, accounts.SYSTEM, "quantri", PASSWORD + "-moi", NOW)
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


# ====================================================================================================
# Bodies, link values and file names held to what their route needs
# Hostile sizes: request bodies held to their route's limit (web.bounds), link values and file names bounded.
#
# The server's middleware is driven as Streamlit's server drives it, with a client that counts how many chunks of
# its body were ever pulled: a refused body must not be read. Page tests check every table's checksum.

UPLOAD = "/_stcore/upload_file/phien/tep"
TICKET = session_cookie.MAX_BODY
read_by_route: list[int] = []  # the bytes the last request's route got, counted as they came


async def _counting(request: Request) -> Response:
    """A route that reads its whole body, as Streamlit's upload route does, counting what it gets."""
    read_by_route.append(0)
    async for chunk in request.stream():
        read_by_route[-1] += len(chunk)
    return Response(status_code=204)


async def _answers_unread(request: Request) -> Response:
    """A route that answers without reading the body (a 403, a 404)."""
    return Response("Không có quyền.", status_code=403)


APP = Starlette(routes=[*session_cookie.routes(), Route(UPLOAD, _counting, methods=["PUT"]),
                        Route("/api/khong-doc", _answers_unread, methods=["POST"]),
                        Route("/{rest:path}", _counting, methods=["GET", "POST", "PUT"])],
                middleware=[Middleware(Bounds), Middleware(UnknownPaths, known=PATHS)])


def call(method: str, path: str, chunks=(), headers: dict | None = None):
    """(status, headers, body, chunks of the body the server pulled) of one request through the stack."""
    chunks, pulled, sent = list(chunks), [], []
    read_by_route.clear()

    async def receive():
        if len(pulled) < len(chunks):
            pulled.append(chunks[len(pulled)])
            return {"type": "http.request", "body": pulled[-1], "more_body": len(pulled) < len(chunks)}
        if not chunks and not pulled:
            pulled.append(b"")
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "root_path": "", "scheme": "http", "query_string": b"",
             "server": ("127.0.0.1", 8501), "client": ("127.0.0.1", 50000), "http_version": "1.1",
             "headers": [(k.lower().encode(), v.encode()) for k, v in {"host": "127.0.0.1:8501",
                                                                         **(headers or {})}.items()]}
    run(APP(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    answered = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return start["status"], answered, body.decode(), [c for c in pulled if c]


def upload_limit() -> int:
    """What the uploader widget accepts (.streamlit/config.toml: 50 MB, above the plan's 20) and the framing."""
    return 50 * 2**20 + 64 * 1024


def test_each_route_has_its_limit():
    assert bounds.limit("/api/phien") == TICKET == 1024
    assert bounds.limit(UPLOAD) == upload_limit() == 52_494_336
    for path in ("/", "/tong-quan", "/api/tai-ve/abc", "/khong-co", "/_stcore/health", "/_stcore/metrics",
                 "/_stcore/stream", "/api/phien/"):
        assert bounds.limit(path) == 0, path


@pytest.mark.parametrize(("method", "path", "length"), [
    ("POST", "/api/phien", TICKET + 1),
    ("POST", "/api/phien", 300 * 2**20),
    ("PUT", UPLOAD, None),  # the upload limit and a byte
    ("POST", "/khong-co", 1),
    ("GET", "/tong-quan", 1),  # a GET with a body
    ("GET", "/api/tai-ve/abc", 10),
    ("POST", "/api/phien", "9" * 5000),  # more digits than int() reads
])
def test_a_declared_length_over_the_limit_is_refused_unread(method, path, length):
    length = upload_limit() + 1 if length is None else length
    status, headers, body, pulled = call(method, path, [b"x" * 1024] * 4, {"content-length": str(length)})
    assert (status, pulled, read_by_route) == (413, [], [])
    assert body.startswith("Dữ liệu gửi lên quá lớn: địa chỉ này nhận tối đa ")
    assert headers["connection"] == "close" and headers["content-type"] == "text/plain; charset=utf-8"


def test_a_body_at_the_limit_passes():
    piece = b"x" * 2**20
    chunks = [piece] * 50 + [b"x" * bounds.UPLOAD_FRAMING]
    status, headers, _, pulled = call("PUT", UPLOAD, chunks, {"content-length": str(upload_limit())})
    assert (status, read_by_route, len(pulled)) == (204, [upload_limit()], len(chunks))
    assert "connection" not in headers


@pytest.mark.parametrize(("path", "method", "limit"), [("/api/phien", "POST", TICKET), (UPLOAD, "PUT", None),
                                                        ("/khong-co", "POST", 0), ("/tong-quan", "GET", 0)])
@pytest.mark.parametrize("declared", [None, "0"], ids=["chunked", "a-lying-length"])
def test_a_body_streamed_past_the_limit_is_cut_off_there(path, method, limit, declared, monkeypatch):
    monkeypatch.setattr(bounds, "load_settings", lambda: SimpleNamespace(upload_max_mb=1))
    monkeypatch.setattr(bounds, "config", SimpleNamespace(get_option=lambda _: 1))  # the widget's 1 MB
    limit = 2**20 + bounds.UPLOAD_FRAMING if limit is None else limit
    chunk = 100 if limit < 2**20 else 64 * 1024
    headers = {"transfer-encoding": "chunked"} if declared is None else {"content-length": declared}
    status, answered, body, pulled = call(method, path, [b"x" * chunk] * (limit // chunk + 50), headers)
    assert status == 413 and body.startswith("Dữ liệu gửi lên quá lớn")
    assert answered["connection"] == "close"
    assert len(pulled) == limit // chunk + 1  # the chunk that passed the limit, never one more
    if path != "/api/phien":  # the cookie's own route: test_the_cookie_route_itself_reads_no_more_than_a_kilobyte
        assert read_by_route == [limit // chunk * chunk]  # every chunk within the limit, not the one past it


def test_a_route_answering_before_the_body_has_come_closes_the_connection():
    status, headers, _, pulled = call("POST", "/api/khong-doc", [b"x" * 10] * 5, {"transfer-encoding": "chunked"})
    assert (status, headers["connection"], pulled) == (403, "close", [])
    status, headers, _, _ = call("POST", "/api/khong-doc")  # no body: the connection stays
    assert status == 403 and "connection" not in headers


def test_a_websocket_passes_untouched():
    seen = []

    async def inner(scope, receive, send):
        seen.append((scope["type"], receive, send))

    async def receive():
        return {}

    async def send(message):
        return None

    run(Bounds(inner)({"type": "websocket", "path": "/_stcore/stream", "headers": []}, receive, send))
    assert seen == [("websocket", receive, send)]


def test_a_ticket_still_becomes_the_cookie_through_the_middleware():
    with TestClient(APP) as client:
        answer = client.post("/api/phien", content=session_cookie.ticket("tok-b", 600))
        assert answer.status_code == 204
        assert answer.headers["set-cookie"] == "bhxh_phien=tok-b; HttpOnly; Max-Age=600; Path=/; SameSite=strict"
        assert "connection" not in answer.headers
        assert client.post("/api/phien", content="khong-co").status_code == 404
        assert client.delete("/api/phien").status_code == 204
        assert client.get("/tong-quan").status_code == 204
        assert client.post("/api/phien", content=b"x" * (TICKET + 1)).status_code == 413


def test_the_cookie_route_itself_reads_no_more_than_a_kilobyte():
    """Without the middleware in front (defence in depth)."""
    chunks, pulled = [b"x" * 100] * 1000, []

    async def receive():
        pulled.append(chunks[len(pulled)])
        return {"type": "http.request", "body": pulled[-1], "more_body": True}

    scope = {"type": "http", "method": "POST", "path": "/api/phien", "scheme": "http", "query_string": b"",
             "server": ("127.0.0.1", 8501), "headers": [(b"host", b"127.0.0.1:8501")]}
    answer = run(session_cookie.routes()[0].endpoint(Request(scope, receive)))
    assert answer.status_code == 413 and len(pulled) == TICKET // 100 + 1


# ---------------------------------------------------------------- values from a link


def every_change(connection, sums: dict) -> set[str]:
    return {name for name, digest in db.checksums(connection).items() if sums.get(name) != digest}


def settled(open_page, database, connection) -> dict:
    """Every table's checksum once a first run has made what the app makes on its first run (its session key)."""
    open_page("ui/overview.py", database)
    return db.checksums(connection)


def longest_run(text: str, char: str) -> int:
    return max((len(m) for m in re.findall(f"{re.escape(char)}+", text)), default=0)


def test_a_code_of_100000_characters_is_refused_quoting_50(open_page, tiny_db, tiny):
    sums = settled(open_page, tiny_db, tiny)
    at = open_page("ui/profile.py", tiny_db, query={"ma": "7" * 100_000})
    [warning] = [plain_text(w.value) for w in at.warning]
    assert warning == (f"Đường liên kết có giá trị «{'7' * 50}…» ở mục «ma» dài quá 64 ký tự nên không được "
                       "dùng.")
    shown = [e.value for kind in ("markdown", "caption", "error", "warning", "info", "title", "header")
             for e in getattr(at, kind)]
    assert max(longest_run(s, "7") for s in shown) == 50
    assert [h.value for h in at.header] == ["Bộ lọc"]  # no commune opened
    assert "ma" not in at.query_params
    assert every_change(tiny, sums) == set()


MARKUP = ["![ĐỘC](http://attacker.example/x.png)", "<img src=x onerror=alert(1)>ĐỘC",
          "**ĐỘC** :red[x] $x^2$ www.attacker.example"]


def refusal(value: str, key: str) -> str:
    return f"Đường liên kết có giá trị «{usertext.excerpt(value)}» ở mục «{key}» dài quá 64 ký tự nên không được dùng."


@pytest.mark.parametrize("text", MARKUP)
def test_a_long_code_of_markup_is_quoted_literally(open_page, tiny_db, tiny, text):
    sums = settled(open_page, tiny_db, tiny)
    value = text + "y" * 100
    at = open_page("ui/profile.py", tiny_db, query={"ma": value})
    assert quoting(at) == [refusal(value, "ma")]
    assert every_change(tiny, sums) == set()


@pytest.mark.parametrize("text", MARKUP)
def test_long_sidebar_values_of_markup_are_quoted_literally_and_the_defaults_used(open_page, demo_db, text):
    """The sidebar reads its values at a session's first run (open_page's first run, before it switches page)."""
    connection = db.connect(demo_db)
    sums = settled(open_page, demo_db, connection)
    value = text + "y" * 100
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    for key in ("theo", "thang", "pham_vi", "chi_so"):
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert sorted(quoting(at)) == sorted(refusal(value, key) for key in ("theo", "thang", "pham_vi", "chi_so"))
    assert (at.selectbox(key="pham_vi").value, at.selectbox(key="chi_so").value) == ("Toàn tỉnh", "attainment")
    assert at.query_params["thang"] in ("2026-10", ["2026-10"])  # the latest month, written back to the link
    with closing(connection):
        assert every_change(connection, sums) == set()


def test_an_unknown_code_is_quoted_at_most_50_characters(open_page, tiny_db, tiny):
    sums = settled(open_page, tiny_db, tiny)
    asked = "![x](http://a.example/c.png)" + "8" * 30  # 58 characters: within the limit, unknown
    at = open_page("ui/profile.py", tiny_db, query={"ma": asked})
    assert [plain_text(e.value) for e in at.error] == [
        f"Mã «{asked[:50]}…» không có trong danh mục đơn vị hành chính của tỉnh."]
    assert every_change(tiny, sums) == set()


# ---------------------------------------------------------------- file names


def test_a_file_name_is_cleaned_and_bounded():
    assert usertext.file_name("so\x00lieu\u202e\x1b.csv") == "solieu.csv"
    assert usertext.file_name("bang\ttinh\n2026-06.xlsx ") == "bang tinh 2026-06.xlsx"
    long = usertext.file_name("a" * 100_000 + ".csv")
    assert len(long) == usertext.FILE_NAME_CHARS and long.endswith("a….csv")
    assert len(usertext.file_name("b." + "c" * 500)) == usertext.FILE_NAME_CHARS  # a "suffix" that is no suffix


def test_prepare_reads_the_cleaned_name(tiny):
    sums = db.checksums(tiny)
    prepared = prepare(tiny, "Mã xã;Tổng số;Tự nguyện\n11953;130;17\n".encode(), "so-lieu-2026-06\x00.csv")
    assert prepared.file_name == "so-lieu-2026-06.csv"
    assert not prepared.errors and prepared.checked.table["period"].tolist() == ["2026-06"]  # the month from it
    assert every_change(tiny, sums) == set()


CSV = "Mã xã;Kỳ;Tổng số;Tự nguyện\n11953;2026-06;130;17\n".encode()


def test_a_nul_in_an_uploaded_name_neither_breaks_the_page_nor_the_next_upload(open_page, tiny_db):
    at = open_page("ui/upload.py", tiny_db, user=ANALYST)
    with closing(db.connect(tiny_db)) as con:
        sums = db.checksums(con)
    at.file_uploader[0].upload("so\x00lieu.csv", CSV, "text/csv").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [m.value for m in at.metric if m.label == "Dòng hợp lệ"] == ["1"]
    assert any(b.label == "Lưu số liệu" for b in at.button)
    at.file_uploader[0].upload("so-lieu-khac.csv", CSV.replace(b"130", b"131"), "text/csv").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [m.value for m in at.metric if m.label == "Dòng hợp lệ"] == ["1"]
    at.file_uploader[0].upload("bang.pdf", b"%PDF-1.7 ...", "application/pdf").run()  # a wrong type, in words
    assert not at.exception, [e.value for e in at.exception]
    said = [v for d in at.dataframe if "Nội dung" in d.value.columns for v in d.value["Nội dung"]]
    assert "Không nhận dạng được loại tệp “bang.pdf”; hãy tải lên tệp .xlsx hoặc .csv." in said
    with closing(db.connect(tiny_db)) as con:
        assert every_change(con, sums) - {"sessions"} == set()


def test_a_plan_allowing_more_than_the_widget_raises_the_upload_limit_with_it(monkeypatch):
    monkeypatch.setattr(bounds, "load_settings", lambda: SimpleNamespace(upload_max_mb=80))
    assert bounds.limit(UPLOAD) == 80 * 2**20 + 64 * 1024
