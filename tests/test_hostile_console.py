"""The console reads the three documented views and the query's own WITH tables, and nothing else.

The rule is an allow rule (analytics.console._check): a deny list of the engine's catalog (pg_settings,
duckdb_logs, information_schema, the duckdb_*() functions) always misses one. Each refused query must name
what it refused and leave every table of the real database as it was. The database is test_console's tiny
one: v_thang has 7 rows (totals 100, 110, 120, 125 for Phố Hiến 11953; 200, 190, 210 for Tân Hưng 11977),
March sums to 300 / 49.
"""

from __future__ import annotations

import duckdb
import pytest

from analytics import console
from analytics.console import open_console, run_query
from analytics.errors import QueryRefused
from tests.test_hostile import changed, con, prepared  # noqa: F401 - fixtures

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
