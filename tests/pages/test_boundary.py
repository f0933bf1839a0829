"""DuckDB's errors become named project errors at the storage boundary, and every page shows them as an error."""

from __future__ import annotations

import importlib

import duckdb
import pytest

from analytics.access.accounts import User
from analytics.errors import DatabaseError, SchemaMismatch, StorageFailed, WriteConflict
from analytics.storage import db
from tests.helpers import ROOT, TINY, plain_text, record_monthly


def test_a_read_of_a_file_that_is_not_there_says_what_to_do(tiny):
    with pytest.raises(StorageFailed) as caught:
        db.query(tiny, "SELECT * FROM read_csv('/khong-co/tep.csv')")
    assert "Hãy kiểm tra chỗ trống trên đĩa và quyền ghi thư mục" in str(caught.value)
    assert "python -m analytics backup restore" in str(caught.value)
    assert isinstance(caught.value.__cause__, duckdb.IOException)


def test_a_missing_table_points_at_the_schema(tiny):
    with pytest.raises(SchemaMismatch, match="python -m analytics build --force"):
        db.value(tiny, "SELECT count(*) FROM bang_khong_co")
    with pytest.raises(SchemaMismatch, match="thiếu bảng hoặc cột"):
        db.rows(tiny, "SELECT cot_khong_co FROM communes")


def test_a_closed_connection_is_named(tiny_db):
    con = db.connect(tiny_db)
    con.close()
    with pytest.raises(DatabaseError, match="Kết nối tới cơ sở dữ liệu đã đóng"):
        db.query(con, "SELECT * FROM communes")


def test_a_failed_write_rolls_back_and_is_translated(tiny):
    before = db.checksums(tiny)
    with pytest.raises(DatabaseError, match="không có gì thay đổi"), db.transaction(tiny):
        tiny.execute("INSERT INTO audit_log (happened_at, actor, action, detail) VALUES (now(), 'a', 'b', 'c')")
        tiny.execute("INSERT INTO communes (code, name, unit_type) VALUES ('11953', 'Trùng mã', 'xã')")
    assert db.checksums(tiny) == before


def test_two_writers_of_the_same_row_conflict_and_nothing_is_half_written(tiny):
    record_monthly(tiny, [("2026-01", "11953", 100, 10)])
    first, second = tiny.cursor(), tiny.cursor()
    with pytest.raises(WriteConflict, match="Hãy thử lại"), db.transaction(first):
        first.execute("UPDATE uploads SET note = 'một' WHERE id = 1")
        with db.transaction(second):
            second.execute("UPDATE uploads SET note = 'hai' WHERE id = 1")
    # The second writer is refused and rolled back; the refusal, unhandled, rolls the first back too.
    assert db.value(tiny, "SELECT note FROM uploads WHERE id = 1") == ""


# Each page and the analytics function its content is loaded with; a DuckDB failure there must become an error
# message on the page, never a traceback. A page that shows one commune opens on the tiny plan's first.
LOADERS = [
    ("ui/overview.py", "analytics.figures.standing.summary"),
    ("ui/map.py", "analytics.figures.standing.commune_table"),
    ("ui/voluntary.py", "analytics.figures.standing.campaign_effect"),
    ("ui/lagging.py", "analytics.figures.standing.trajectory_source"),
    ("ui/forecast.py", "analytics.figures.outlook.province_outlook"),
    ("ui/arrears.py", "analytics.figures.arrears.months"),
    ("ui/scorecard.py", "analytics.figures.completeness.reporting"),
    ("ui/completeness.py", "analytics.figures.completeness.reporting"),
    ("ui/briefing.py", "analytics.reports.briefing.figures"),
    ("ui/annual_report.py", "analytics.figures.standing.span_state"),
    ("ui/budget.py", "analytics.figures.support_budget.budget"),
    ("ui/profile.py", "analytics.figures.profile.uploads"),
    ("ui/public.py", "analytics.figures.standing.public_results"),
    ("ui/home.py", "analytics.units.targets.plan_summary"),
    ("ui/data_check.py", "analytics.units.targets.findings_view"),
    ("ui/upload.py", "analytics.storage.reads.uploads"),
    ("ui/annual.py", "analytics.figures.annual.annual_targets"),
    ("ui/explore.py", "analytics.storage.reads.data_version"),
    ("ui/admin.py", "analytics.access.accounts.users"),
    ("ui/login.py", "analytics.storage.writes.authenticate"),
]
ADMIN = User("quantri", "Quản trị", "admin")


@pytest.fixture
def two_months(tiny_db):
    """The tiny plan with figures for 2026-01 and 2026-02, so every month page reaches its loader."""
    con = db.connect(tiny_db)
    record_monthly(con, [(p, code, 1000 + i, 100) for i, p in enumerate(("2026-01", "2026-02")) for code in TINY])
    con.close()
    return tiny_db


def fault() -> duckdb.Error:
    return duckdb.IOException('IO Error: Could not read from file "bhxh.duckdb": Input/output error')


def fail(*args, **kwargs):
    raise fault()


@pytest.mark.parametrize(("page", "loader"), LOADERS, ids=[p.removeprefix("ui/") for p, _ in LOADERS])
def test_a_storage_failure_is_an_error_message_on_every_page(open_page, two_months, monkeypatch, page, loader):
    module, _, name = loader.rpartition(".")
    monkeypatch.setattr(importlib.import_module(module), name, fail)
    if page == "ui/login.py":
        at = open_page(page, two_months)
        at.text_input[0].input("quantri")
        at.text_input[1].input("mat-khau-bat-ky")
        at.button[0].click().run()
        assert not at.exception, [e.value for e in at.exception]
    else:
        at = open_page(page, two_months, user=ADMIN, query={"ma": "11953"} if page == "ui/profile.py" else None)
    assert [plain_text(e.value) for e in at.error] == [str(db.translated(fault()))]
    assert plain_text(at.error[0].value).startswith("Không đọc hoặc ghi được tệp cơ sở dữ liệu (IO Error: Could not")


def test_every_page_is_in_the_list():
    assert {p for p, _ in LOADERS} == {f"ui/{p.name}" for p in (ROOT / "ui").glob("*.py")} - {
        "ui/__init__.py", "ui/state.py", "ui/widgets.py", "ui/errors.py", "ui/routes.py", "ui/access.py",
        "ui/downloads.py", "ui/requester.py"}
