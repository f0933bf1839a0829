"""Nothing takes it down: each attack of issue 12, and more, is refused or contained, and the data stays as it was.

Every test checksums every table before and after (analytics.db.checksums). Logins are the
one attack that must write: their failure counts and audit entries are asserted exactly and
every other table must be unchanged. The upload bombs are made at test time by
tests/fixtures/bombs.py; the console's bombs run with a small memory limit so they die fast.
"""

from __future__ import annotations

import datetime as dt
import io
import multiprocessing
import os
import shutil
import sys
import threading
import time
import types
from contextlib import closing

import openpyxl
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from analytics import accounts, audit, console, db, exports, sandbox, store, usertext
from analytics.accounts import User
from analytics.errors import (
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
from analytics.intake.grid import Unreadable
from analytics.intake.pipeline import SHOWN_PROBLEMS
from analytics.upload_checks import sheet_names
from analytics.upload_worker import confined
from tests.conftest import plain_text, record_monthly
from tests.fixtures import bombs
from tests.test_console import tiny_database

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


UPLOAD_BOMBS = [  # issue 12's; (name, the refusal's gist)
    ("shared_string_1gb", "giải nén ra 1.024,0 MB"),
    ("whitespace_2_9mb", "giải nén ra 2.900,0 MB"),
    ("csv_20mb", "quá giới hạn 20 MB"),
    ("xlsx_1048576_rows", "hơn 250.000 dòng"),
    ("billion_laughs", "khai báo thực thể XML"),
    ("csv_field_200kib", "Tệp CSV có một ô dài quá"),
]


@pytest.mark.parametrize(("name", "gist"), UPLOAD_BOMBS, ids=[u[0] for u in UPLOAD_BOMBS])
def test_upload_bomb_is_refused_with_one_clear_message(con, prepared, upload_bombs, name, gist):
    data, filename = upload_bombs[name]
    assert sheet_names(data, filename, 20) in ([], ["Số liệu"])  # listing sheets never opens a bomb
    checked = prepare(con, data, filename, today=TODAY)
    assert [(p.row, p.column, p.severity) for p in checked.errors] == [(None, None, "error")]
    assert gist in checked.errors[0].message
    assert len(checked.checked.table) == 0 and len(checked.problem_table()) == 1
    assert changed(con, prepared) == set()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MORE_UPLOADS = [  # (id, bytes, file name, the refusal's gist)
    ("password_protected_xlsx", OLE + bytes(500) + "EncryptionInfo".encode("utf-16-le") + bytes(500), "a.xlsx",
     "đặt mật khẩu"),
    ("xls_renamed_xlsx", OLE + bytes(1000), "a.xlsx", "Excel 97–2003 (.xls) được đổi tên"),
    ("ods_renamed_xlsx", b"PK\x03\x04" + bytes(26) + b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet",
     "a.xlsx", "OpenDocument (.ods)"),
    ("pdf_renamed_csv", b"%PDF-1.4\n%%EOF\n", "a.csv", "không phải văn bản CSV"),
    ("xlsx_renamed_csv", bombs.xlsx(), "a.csv", "không phải văn bản CSV"),
    ("xxe_external_entity", bombs.xlsx({"xl/sharedStrings.xml":
     '<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     f'<sst {bombs.NS}><si><t>&x;</t></si></sst>'}), "a.xlsx", "khai báo thực thể XML"),
    ("cell_of_40000_characters", bombs.xlsx({"xl/sharedStrings.xml":
     f'<sst {bombs.NS}><si><t>Mã xã</t></si><si><t>{"x" * 40_000}</t></si></sst>'}), "a.xlsx",
     "dài hơn 32.767 ký tự"),
    ("two_thousand_columns", bombs.xlsx({"xl/worksheets/sheet1.xml": bombs._sheet(
        '<row r="1"><c r="A1"><v>1</v></c><c r="BXX1"><v>1</v></c></row>')}), "a.xlsx", "hơn 1.000 cột"),
    ("five_thousand_parts", bombs.zipped({**{f"xl/media/{n}.xml": "<a/>" for n in range(5000)}}), "a.xlsx",
     "tệp bất thường"),
    ("csv_of_300000_lines", b"Ma xa;Tong so;Tu nguyen\n" + b"11953;1;1\n" * 300_000, "a.csv", "hơn 250.000 dòng"),
]


@pytest.mark.parametrize(("data", "filename", "gist"), [u[1:] for u in MORE_UPLOADS], ids=[u[0] for u in MORE_UPLOADS])
def test_disguised_or_swollen_upload_is_refused(con, prepared, data, filename, gist):
    checked = prepare(con, data, filename, today=TODAY)
    assert len(checked.errors) == 1 and gist in checked.errors[0].message, checked.errors
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
            outcomes[n] = accounts.authenticate(cursor, username, password, NOW, client=client)
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
        accounts.authenticate(con, "quantri", PASSWORD, later, client=GUESSER)
    assert accounts.authenticate(con, "quantri", PASSWORD, later, client=OFFICE).username == "quantri"
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
    assert accounts.authenticate(con, "quantri", PASSWORD, NOW, client=OFFICE).username == "quantri"
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
            accounts.authenticate(con, username, "sai-mat-khau-roi", NOW)
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
                accounts.authenticate(con, "quantri", "sai-mat-khau-roi", NOW)
    if state == "disabled":
        con.execute("UPDATE users SET disabled = true WHERE username = 'quantri'")
    username = "ai-do" if state == "unknown" else "quantri"
    password = "sai-mat-khau-roi" if state == "wrong" else PASSWORD
    with pytest.raises(LoginFailed) as caught:
        accounts.authenticate(con, username, password, NOW)
    assert str(caught.value) == accounts.REFUSED
    assert changed(con, prepared) <= {"users", "login_failures", "audit_log"}


def test_a_full_width_name_is_the_same_account(con, prepared):
    assert accounts.authenticate(con, " ｑｕａｎｔｒｉ ", PASSWORD, NOW).username == "quantri"
    with pytest.raises(UserExists):
        accounts.create_user(con, accounts.SYSTEM, "ＱＵＡＮＴＲＩ", "Bản sao", "admin", PASSWORD)
    assert changed(con, prepared) == {"audit_log"}  # the login, and nothing else


@pytest.mark.parametrize("username", ["", "   ", "x" * 65, "nguyễn văn an", MARKDOWN, "ab\x00cd", "a\u202ebc",
                                      "-batdau-bang-dau-gach"],
                         ids=["empty", "blank", "too_long", "spaces_and_accents", "markdown", "nul", "bidi", "dash"])
def test_a_bad_user_name_is_never_created(con, prepared, username):
    with pytest.raises(InvalidUsername, match="Tên đăng nhập phải có 1–64 ký tự"):
        accounts.create_user(con, accounts.SYSTEM, username, "X", "viewer", PASSWORD)
    assert changed(con, prepared) == set()


@pytest.mark.parametrize("name", ["", " \x00\x07 \u202e ", "x" * 101, "x" * 5_000_000],
                         ids=["empty", "only_control_characters", "too_long", "five_megabytes"])
def test_a_bad_full_name_is_never_stored(con, prepared, name):
    with pytest.raises(InvalidDisplayName, match="Họ tên phải có 1–100 ký tự"):
        accounts.create_user(con, accounts.SYSTEM, "docgia", name, "viewer", PASSWORD)
    assert changed(con, prepared) == set()


def test_a_five_megabyte_name_or_a_password_in_the_name_box_is_never_stored(con, prepared):
    for typed in ("x" * 5_000_000, PASSWORD, "ｍａｔ-ｋｈａｕ-ｂｉ-ｍａｔ-2026"):
        with pytest.raises(LoginFailed):
            accounts.authenticate(con, typed, "", NOW)
    actors = logins(con)["actor"].tolist()
    assert all(len(a) == 13 and a.startswith("?") for a in actors) and len(actors) == 3
    assert actors[1] == accounts._audit_name(PASSWORD) != actors[0]  # repeats are recognisable, the text is not
    log = audit.entries(con).to_string()
    assert PASSWORD not in log and "xxxxxxxx" not in log and "khau" not in log
    assert changed(con, prepared) == {"login_failures", "audit_log"}


@pytest.mark.parametrize("password", ["aaaaaaaaaa", " " * 10, "matkhau123", "quantri2026", "1234567890",
                                      "qwertyuiop", "x" * 300],
                         ids=["a_x10", "spaces_x10", "common", "user_name", "digits", "keyboard_row", "too_long"])
def test_a_weak_password_is_refused_in_vietnamese(con, prepared, password):
    with pytest.raises(WeakPassword, match="Mật khẩu"):
        accounts.create_user(con, accounts.SYSTEM, "quantri2", "Quản trị", "admin", password)
    assert changed(con, prepared) == set()


def test_a_viewer_cannot_create_an_account_even_with_a_strong_password(con, prepared):
    with pytest.raises(NotAuthorised):
        accounts.create_user(con, User("lanhdao", "Lãnh đạo", "viewer"), "moi", "Mới", "admin", PASSWORD)
    assert changed(con, prepared) == set()


# ---------------------------------------------------------------- the upload in force

def test_a_clock_stepped_back_does_not_let_an_older_upload_win(con, prepared):
    def march():
        found = store.monthly(con)
        return found[found["period"] == "2026-03"].set_index("code")[["total", "upload_id"]].to_dict("index")

    before = store.data_version(con)
    later = record_monthly(con, [("2026-03", "11953", 150, 15)], sha="def", file_name="sua.csv",
                           now=dt.datetime(2026, 4, 1))  # the server's clock went back to before the first
    assert march() == {"11953": {"total": 150, "upload_id": later}, "11977": {"total": 190, "upload_id": 1}}
    assert store.data_version(con) != before  # caches keyed on it see the new upload
    store.withdraw(con, later, ANALYST, now=dt.datetime(2026, 4, 2))
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
    session's idle clock (analytics.sessions), and a page test signs in through a real session."""
    return {name for name, digest in db.checksums(connection).items() if sums.get(name) != digest} - {"sessions"}


def table_with(at, column: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if column in d.value.columns)


@HOSTILE
def test_a_display_name_is_shown_literally_in_the_sidebar(open_page, con, prepared, tmp_path, text):
    at = open_page("pages/overview.py", tmp_path / "bhxh.duckdb", user=User("an", text, "viewer"))
    signed = db.checksums(con)
    at.run()
    assert quoting(at) == [f"{text} · Xem"]
    assert differs(con, signed) == set()


@HOSTILE
def test_an_account_made_with_hostile_names_is_stored_clean_and_listed_literally(open_page, con, prepared,
                                                                                  tmp_path, text):
    at = open_page("pages/admin.py", tmp_path / "bhxh.duckdb", user=ADMIN)
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
    store.record_upload(con, pd.DataFrame({"period": ["2026-06"], "code": ["11953"], "total": [130],
                                           "compulsory": [113], "voluntary": [17], "labour_force": [None],
                                           "source_row": [2], "written_name": [text + CONTROL],
                                           "match_method": ["code"], "match_score": [None]}),
                        kind="monthly", file_name=f"{text}{CONTROL}.csv", sha256="hostile", user=ANALYST,
                        rows_read=1, note=text + CONTROL, now=NOW)
    at = open_page("pages/upload.py", tmp_path / "bhxh.duckdb", user=ANALYST)
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
    at = open_page("pages/upload.py", tmp_path / "bhxh.duckdb", user=ANALYST)
    signed = db.checksums(con)
    at.file_uploader[0].upload("so-lieu.xlsx", data.getvalue(), "application/octet-stream").run()
    assert quoting(at) == [f"Trang tính: «__{MARK}__ <img src=x onerror=f()>»."]
    assert [plain_text(s.label) for s in at.selectbox if MARK in s.label] == [
        f"cột E «![{MARK}](http://attacker.example/x.png)»"]
    assert differs(con, signed) == set()


@HOSTILE
def test_a_console_error_quoting_hostile_text_shows_it_literally(open_page, con, prepared, tmp_path, text):
    at = open_page("pages/explore.py", tmp_path / "bhxh.duckdb", user=ANALYST)
    signed = db.checksums(con)
    at.text_area(key="sql_text").input(f'SELECT "{text}" FROM v_xa')
    at.button(key="sql_run").click().run()
    assert [plain_text(e.value) for e in at.error] == [
        "Tên cột, hàm hoặc kiểu dữ liệu không đúng; xem danh sách cột của từng bảng."]
    assert [c.value for c in at.code] == [f'Binder Error: Referenced column "{text}" not found in FROM clause!']
    assert quoting(at) == []
    assert differs(con, signed) == set()


def test_a_file_name_and_note_lose_their_control_characters_on_the_way_in(open_page, con, prepared, tmp_path):
    at = open_page("pages/upload.py", tmp_path / "bhxh.duckdb", user=ANALYST)
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
    history = store.uploads(con, "monthly")[["id", "note"]]
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
