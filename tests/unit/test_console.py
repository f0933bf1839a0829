"""The SQL console: hostile queries are refused or cut off and change nothing; legitimate ones answer.

The real database holds a tiny upload: Phố Hiến (11953) and Tân Hưng (11977), total / voluntary
2026-02 100/10 and 200/20, 2026-03 110/11 and 190/38, 2026-04 120/15 and 210/42, 2026-05 125/16
(Tân Hưng did not report May). So v_thang has 7 rows and March sums to 300 / 49.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import shutil
import threading
import time

import duckdb
import pandas as pd
import pytest

from analytics.access import accounts
from analytics.access.accounts import User
from analytics.errors import QueryFailed, QueryRefused, QueryTimeout
from analytics.figures import standing
from analytics.safety.console import VIEWS_DOC, locked_database, open_console, run_query
from analytics.storage import db, writes
from analytics.units import demo
from tests.helpers import offered, record_monthly

ANALYST = User("chuyen-vien", "Chuyên viên", "analyst")
ROWS = [  # period, code, total, voluntary
    ("2026-02", "11953", 100, 10), ("2026-03", "11953", 110, 11), ("2026-04", "11953", 120, 15),
    ("2026-05", "11953", 125, 16),
    ("2026-02", "11977", 200, 20), ("2026-03", "11977", 190, 38), ("2026-04", "11977", 210, 42),
]
LIMIT_S = 1.0
ONLY_SELECT = "Chỉ cho phép một câu lệnh SELECT"
ONLY_VIEWS = "Chỉ được đọc các bảng v_thang, v_xa, v_tai_len"
ONLY_PURE = "Trong FROM chỉ dùng được các bảng"
NO_TABLE = "Không có bảng hoặc hàm"
TOO_LONG = "vượt quá thời gian cho phép 1 giây"
HIDDEN = "cho biết cấu hình hoặc phiên bản của máy chủ"


def tiny_database(built_db_file, path):
    """The built database at ``path`` with the tiny upload and an administrator, and its checksums."""
    shutil.copy(built_db_file, path)
    con = db.connect(path)
    record_monthly(con, ROWS, sha="abc123", user=ANALYST, now=dt.datetime(2026, 6, 20))
    writes.create_user(con, accounts.SYSTEM, "quantri", "Quản trị", "admin", "mat-khau-rat-dai-123")  # + audit row
    sums = db.checksums(con)
    con.close()
    return path, sums


@pytest.fixture(scope="module")
def prepared(built_db_file, tmp_path_factory):
    """Each test copies it."""
    return tiny_database(built_db_file, tmp_path_factory.mktemp("console") / "prepared.duckdb")


@pytest.fixture
def real_db(prepared, tmp_path):
    path = tmp_path / "bhxh.duckdb"
    shutil.copy(prepared[0], path)
    return path


def checksums(path):
    con = db.connect(path, read_only=True)
    try:
        return db.checksums(con)
    finally:
        con.close()


HOSTILE = [
    ("read_csv", "SELECT * FROM read_csv('/etc/passwd')", QueryRefused, ONLY_PURE),
    ("read_text", "SELECT * FROM read_text('/etc/passwd')", QueryRefused, ONLY_PURE),
    ("read_parquet", "SELECT * FROM read_parquet('{db_dir}/monthly.parquet')", QueryRefused, ONLY_PURE),
    ("read_blob_real_db", "SELECT * FROM read_blob('{db}')", QueryRefused, ONLY_PURE),
    ("glob", "SELECT * FROM glob('/etc/*')", QueryRefused, ONLY_PURE),
    ("url", "SELECT * FROM read_csv('https://example.com/x.csv')", QueryRefused, ONLY_PURE),
    ("extensions_dir", "SELECT * FROM duckdb_extensions()", QueryRefused, ONLY_PURE),
    ("path_as_table", "SELECT * FROM '{db}'", QueryRefused, ONLY_VIEWS),
    ("copy_view", "COPY v_thang TO '{out}/x.csv'", QueryRefused, ONLY_SELECT),
    ("copy_select", "COPY (SELECT 1) TO '{out}/x.csv'", QueryRefused, ONLY_SELECT),
    ("export", "EXPORT DATABASE '{out}/x'", QueryRefused, ONLY_SELECT),
    ("attach_real_db", "ATTACH '{db}' AS real", QueryRefused, ONLY_SELECT),
    ("attach_new", "ATTACH '{out}/x.duckdb'", QueryRefused, ONLY_SELECT),
    ("install", "INSTALL httpfs", QueryRefused, ONLY_SELECT),
    ("load", "LOAD httpfs", QueryRefused, ONLY_SELECT),
    ("set_external", "SET enable_external_access = true", QueryRefused, ONLY_SELECT),
    ("set_memory", "SET memory_limit = '100GB'", QueryRefused, ONLY_SELECT),
    ("reset_lock", "RESET lock_configuration", QueryRefused, ONLY_SELECT),
    ("pragma", "PRAGMA database_list", QueryRefused, ONLY_SELECT),
    ("call_reader", "CALL read_text('/etc/passwd')", QueryRefused, ONLY_SELECT),
    ("create_table", "CREATE TABLE t AS SELECT 1", QueryRefused, ONLY_SELECT),
    ("create_view", "CREATE VIEW w AS SELECT * FROM v_thang", QueryRefused, ONLY_SELECT),
    ("create_secret", "CREATE SECRET (TYPE s3, KEY_ID 'k', SECRET 's')", QueryRefused, ONLY_SELECT),
    ("drop_view", "DROP VIEW v_thang", QueryRefused, ONLY_SELECT),
    ("delete", "DELETE FROM v_thang", QueryRefused, ONLY_SELECT),
    ("delete_in_cte", "WITH x AS (SELECT 1) DELETE FROM v_thang", QueryRefused, ONLY_SELECT),
    ("update", "UPDATE v_thang SET total = 0", QueryRefused, ONLY_SELECT),
    ("insert", "INSERT INTO v_thang SELECT * FROM v_thang", QueryRefused, ONLY_SELECT),
    ("two_statements", "SELECT 1; DROP TABLE communes", QueryRefused, ONLY_SELECT),
    ("select_then_copy", "SELECT 1; COPY v_thang TO '{out}/x.csv'", QueryRefused, ONLY_SELECT),
    ("begin", "BEGIN TRANSACTION", QueryRefused, ONLY_SELECT),
    ("checkpoint", "CHECKPOINT", QueryRefused, ONLY_SELECT),
    ("use", "USE system", QueryRefused, ONLY_SELECT),
    ("explain", "EXPLAIN ANALYZE SELECT * FROM v_thang", QueryRefused, ONLY_SELECT),
    ("empty", "   ", QueryRefused, ONLY_SELECT),
    ("comment_only", "-- DROP TABLE users", QueryRefused, ONLY_SELECT),
    ("query_smuggles_ddl", "SELECT * FROM query('DROP TABLE v_xa')", QueryRefused, ONLY_PURE),
    ("users", "SELECT username, password_hash FROM users", QueryRefused, ONLY_VIEWS),
    ("users_qualified", "SELECT * FROM main.users", QueryRefused, ONLY_VIEWS),
    ("audit_log", "SELECT * FROM audit_log", QueryRefused, ONLY_VIEWS),
    ("monthly_values", "SELECT * FROM monthly_values", QueryRefused, ONLY_VIEWS),
    ("unknown_function", "SELECT no_such_function(1)", QueryFailed, NO_TABLE),
    ("getenv", "SELECT getenv('HOME')", QueryRefused, HIDDEN),
    ("memory", "SELECT list(range) FROM range(200000000)", QueryFailed, "bộ nhớ"),
    ("endless_count", "SELECT count(*) FROM range(100000000000)", QueryTimeout, TOO_LONG),
    ("cross_join", "SELECT count(*) FROM range(1000000) a, range(1000000) b", QueryTimeout, TOO_LONG),
    ("endless_recursion", "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
     QueryTimeout, TOO_LONG),
]


@pytest.mark.parametrize(("sql", "error", "message"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_hostile_query_is_refused_and_changes_nothing(real_db, prepared, tmp_path, sql, error, message):
    out = tmp_path / "out"
    out.mkdir()
    console = open_console(real_db, memory_mb=256)
    limit = LIMIT_S if error is QueryTimeout else 30  # a slow machine must not turn a refusal into a timeout
    with pytest.raises(error) as caught:
        run_query(console, sql.format(db=real_db, db_dir=real_db.parent, out=out), time_limit_s=limit)
    assert message in str(caught.value)
    assert multiprocessing.active_children() == []  # the query's process is gone, killed if it overran
    # The console's own tables are untouched and it still answers.
    assert run_query(console, "SELECT count(*) AS n FROM v_thang")["n"].tolist() == [7]
    assert checksums(real_db) == prepared[1]
    assert list(out.iterdir()) == []
    assert sorted(p.name for p in real_db.parent.iterdir()) == ["bhxh.duckdb", "out"]


def test_secrets_are_not_in_the_console(real_db):
    console = open_console(real_db)
    child = locked_database(console.views, 256)  # what a query could reach past the checks
    tables = child.execute("SELECT database_name, table_name FROM duckdb_tables() ORDER BY ALL").fetchall()
    assert tables == [("memory", "v_tai_len"), ("memory", "v_thang"), ("memory", "v_xa")]
    found = run_query(console, "SELECT * FROM v_tai_len")
    assert "sha256" not in found.columns and "abc123" not in found.to_string()
    for reveals, name, message in [
            ("SELECT name, value FROM duckdb_settings()", "duckdb_settings", ONLY_PURE),
            ("SELECT current_setting('home_directory')", "current_setting", HIDDEN),
            ("SELECT * FROM pragma_user_agent()", "pragma_user_agent", ONLY_PURE),
            ("SELECT version()", "version", HIDDEN),
            ("SELECT * FROM pragma_version()", "pragma_version", ONLY_PURE),
            ("SELECT * FROM system.main.duckdb_settings()", "system.main.duckdb_settings", ONLY_PURE),
            ("SELECT (SELECT max(platform) FROM pragma_platform())", "pragma_platform", ONLY_PURE),
            ("SELECT * FROM duckdb_tables()", "duckdb_tables", ONLY_PURE)]:
        with pytest.raises(QueryRefused) as caught:
            run_query(console, reveals)
        assert message in str(caught.value) and f"“{name}”" in str(caught.value)


def test_the_connection_itself_is_locked(real_db):
    """Beneath run_query's checks, the database refuses files, settings and Python variables on its own."""
    console = locked_database(open_console(real_db).views, 256)
    hidden = pd.DataFrame({"password_hash": ["x"]})  # noqa: F841 - what a Python variable scan would find
    for sql, error in [("SET enable_external_access = true", duckdb.InvalidInputException),
                       ("SET memory_limit = '100GB'", duckdb.InvalidInputException),
                       (f"ATTACH '{real_db}' AS real", duckdb.PermissionException),
                       ("SELECT * FROM read_text('/etc/passwd')", duckdb.PermissionException),
                       ("SELECT * FROM hidden", duckdb.CatalogException)]:
        with pytest.raises(error):
            console.execute(sql)


def test_views_have_their_documented_columns(real_db):
    console = open_console(real_db)
    for name, doc in VIEWS_DOC.items():
        assert list(run_query(console, f"SELECT * FROM {name} LIMIT 1").columns) == list(doc["columns"]), name
    assert run_query(console, "SELECT count(*) AS n FROM v_xa")["n"].tolist() == [104]


def test_group_by_equals_the_analytics_totals(real_db, settings):
    console = open_console(real_db)
    sums = run_query(console, "SELECT period, sum(total) AS total, sum(voluntary) AS voluntary, string_agg(name, "
                              "', ' ORDER BY name) AS names FROM v_thang GROUP BY period ORDER BY period")
    assert sums[["period", "total", "voluntary"]].values.tolist() == [
        ["2026-02", 300, 30], ["2026-03", 300, 49], ["2026-04", 330, 57], ["2026-05", 125, 16]]
    assert sums["names"].iloc[0] == "Phường Phố Hiến, Xã Tân Hưng"
    con = db.connect(real_db, read_only=True)
    assert standing.summary(con, settings, "2026-03").total == 300 == sums["total"].iloc[1]
    con.close()


@pytest.mark.parametrize(("sql", "rows", "truncated"), [
    ("SELECT * FROM range(1000000)", 10_000, True),
    ("SELECT * FROM range(10000)", 10_000, False),
    ("SELECT * FROM range(10001)", 10_000, True),
    ("SELECT * FROM v_thang WHERE total > 1000", 0, False),
])
def test_row_limit(real_db, sql, rows, truncated):
    result = run_query(open_console(real_db), sql, row_limit=10_000)
    assert (len(result), result.attrs["truncated"]) == (rows, truncated)


@pytest.mark.slow
def test_a_slow_query_does_not_hold_up_another_session(real_db):
    """Another session's query answers while the endless one is still running, which is then interrupted."""
    console = open_console(real_db)
    caught = []

    def slow():
        try:
            run_query(console, "SELECT count(*) FROM range(1000000) a, range(1000000) b", time_limit_s=5)
        except QueryTimeout as exc:
            caught.append(exc)

    worker = threading.Thread(target=slow)
    worker.start()
    while worker.is_alive() and not multiprocessing.active_children():
        time.sleep(0.01)  # until the slow query's process runs
    assert run_query(console, "SELECT count(*) AS n FROM v_xa")["n"].tolist() == [104]
    worker.join()
    assert len(caught) == 1 and "5 giây" in str(caught[0])


def run_page(open_page, database, sql=None):
    at = open_page("ui/explore.py", database, user=accounts.User("phantich", "Chuyên viên", "analyst"))
    if sql is not None:
        at.text_area(key="sql_text").input(sql)
        at.button(key="sql_run").click()
        at.run()
        assert not at.exception
    return at


def result_table(at):
    return next(d.value for d in at.dataframe if "n" in d.value.columns)


def test_page_with_demo_data(open_page, db_file, settings):
    con = db.connect(db_file)
    demo.install(con, settings, dt.date(2026, 7, 1))
    con.close()
    at = run_page(open_page, db_file, "SELECT count(*) AS n FROM v_xa")
    pivot_table = at.dataframe[0].value
    assert list(pivot_table.columns[:3]) == ["Huyện cũ", "Quý 1/2026", "Quý 2/2026"]
    assert len(pivot_table) == 18
    assert len(at.get("vega_lite_chart")) == 1
    assert [label for label, _ in offered(at)] == ["Tải CSV", "Tải Excel", "Tải CSV kết quả"]
    assert result_table(at)["n"].tolist() == [104]
    assert not at.error


def test_page_without_monthly_data(open_page, db_file):
    at = run_page(open_page, db_file, "SELECT count(*) AS n FROM v_xa")
    assert any("Chưa có số liệu hằng tháng" in i.value for i in at.info)
    assert result_table(at)["n"].tolist() == [104]


def test_page_shows_a_refusal_as_an_error(open_page, db_file):
    at = run_page(open_page, db_file, "SELECT 1; DROP TABLE users")
    assert ONLY_SELECT in at.error[0].value
