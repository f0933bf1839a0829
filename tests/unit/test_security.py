"""Roles are enforced inside analytics, the public page stays open, exports neutralise formulas."""

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from analytics.access.accounts import User
from analytics.errors import NotAuthorised
from analytics.intake import apply, prepare
from analytics.reports import exports
from analytics.storage import db, writes
from analytics.units import communes, demo
from tests.helpers import switch_page

VIEWER = User("lanhdao", "Lãnh đạo", "viewer")
ANALYST = User("chuyenvien", "Chuyên viên", "analyst")
TODAY = dt.date(2026, 11, 27)
CSV = "Mã xã;Kỳ;Tổng số;Bắt buộc;Tự nguyện\n11953;2026-03;1000;900;100\n".encode()


@pytest.mark.parametrize("who", [VIEWER, None, "chuyenvien"], ids=["viewer", "anonymous", "bare-name"])
def test_only_analysts_write_even_when_calling_functions_directly(con, settings, who):
    demo.install(con, settings, TODAY)
    before = db.checksums(con)
    prepared = prepare(con, CSV, "t.csv", today=TODAY)
    attempts = [
        lambda: apply(con, prepared, user=who, confirm_warnings=True),
        lambda: writes.record_upload(con, prepared.checked.table, kind="monthly", file_name="t.csv", sha256="x",
                                    user=who, rows_read=1),
        lambda: writes.withdraw(con, 1, who),
        lambda: writes.remove_demo(con, who),
        lambda: writes.confirm_name(con, who, "Xã Mỹ Sở", "12049"),
    ]
    for attempt in attempts:
        with pytest.raises(NotAuthorised):
            attempt()
    assert db.checksums(con) == before


def test_analyst_confirms_names_only_an_admin_deletes_layouts(con):
    writes.confirm_name(con, ANALYST, "Xã Mỹ Sở", "12049")
    assert communes.confirmed(con)["Xã Mỹ Sở"] == "12049"
    with pytest.raises(NotAuthorised, match="chuyenvien"):
        writes.delete_layout(con, ANALYST, "1|ma xa")


def test_uploads_and_withdrawals_are_audited(con):
    upload_id = apply(con, prepare(con, CSV, "t.csv", today=TODAY), user=ANALYST, confirm_warnings=True)
    writes.withdraw(con, upload_id, ANALYST)
    log = con.execute("SELECT actor, action, detail FROM audit_log WHERE action <> 'build' ORDER BY id").fetchall()
    assert log == [("chuyenvien", "upload", "monthly #1 t.csv: 1 dòng"), ("chuyenvien", "withdraw", "#1")]


def test_anonymous_sees_only_the_public_page_when_viewing_needs_login(open_page, db_file, plan_dir, monkeypatch):
    plan = plan_dir / "plan.toml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("viewing_requires_login = false",
                                                             "viewing_requires_login = true"), encoding="utf-8")
    monkeypatch.setenv("BHXH_PLAN", str(plan))
    at = open_page("ui/public.py", db_file)
    assert at.title[0].value == "Công khai kết quả phát triển người tham gia BHXH"
    for hidden in ("ui/overview.py", "ui/upload.py", "ui/explore.py", "ui/admin.py"):
        switch_page(at, hidden).run()
        assert at.title[0].value == "Đăng nhập" and "chỉ mở cho người đã đăng nhập" in at.info[0].value
    switch_page(at, "ui/login.py").run()
    assert at.title[0].value == "Đăng nhập"


@pytest.mark.parametrize("cell", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\t=x"])
def test_exported_cells_cannot_run_as_formulas(cell):
    frame = pd.DataFrame({"Tên": [cell, "Xã An"], "Số": [1, 2]})
    assert exports.to_csv(frame).decode("utf-8-sig").splitlines()[1].startswith("'")
    ws = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(frame))).active
    assert ws["A2"].value == "'" + cell and ws["A2"].data_type == "s"
    assert ws["A3"].value == "Xã An"
