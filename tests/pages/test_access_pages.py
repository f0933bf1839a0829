"""The app re-reads the signed-in account on every run, counts idleness from real interactions, and turns any
unexpected error into a Vietnamese incident message whose trace stays in the server's log."""

from __future__ import annotations

import datetime as dt
import logging
import re

from streamlit.testing.v1 import AppTest

from analytics.access import accounts
from analytics.figures import standing
from analytics.storage import db, reads, writes
from tests.helpers import ROOT, shown, signed_in
from ui.access import TOKEN

ANALYST = accounts.User("cv-kiem-thu", "Chuyên viên kiểm thử", "analyst")
ADMIN = accounts.User("qt-kiem-thu", "Quản trị kiểm thử", "admin")


def sidebar_text(at) -> str:
    return " ".join(str(e.value) for kind in ("caption", "success", "warning", "info", "error")
                    for e in getattr(at.sidebar, kind))


def notices(at) -> str:
    return " ".join(shown(e.value) for kind in ("success", "warning", "error") for e in getattr(at.main, kind))


def change(database, sql: str, params: list) -> None:
    """What another session (an administrator, the clock) does to the database in between two clicks."""
    con = db.connect(database)
    try:
        con.execute(sql, params)
    finally:
        con.close()


def last_active(database) -> dt.datetime:
    con = db.connect(database)
    try:
        return db.value(con, "SELECT last_active FROM sessions")
    finally:
        con.close()


def test_a_disabled_analysts_next_write_is_refused(open_page, demo_db):
    at = open_page("ui/upload.py", demo_db, user=ANALYST)
    assert at.title[0].value == "Nhập số liệu"
    con = db.connect(demo_db)
    writes.set_disabled(con, ADMIN, ANALYST.username, True)  # by the administrator, in another session
    before = db.checksums(con)
    con.close()
    next(b for b in at.button if b.label == "Xoá dữ liệu minh hoạ").click().run()
    assert not at.exception
    con = db.connect(demo_db)
    try:
        assert reads.has_demo(con) and db.checksums(con) == before
    finally:
        con.close()
    assert at.title[0].value == "Đăng nhập"  # the same page now asks for a login
    assert "tài khoản đã bị khoá" in notices(at)
    assert at.session_state["user"] is None and TOKEN not in at.session_state


def test_a_new_role_applies_at_the_next_click(open_page, demo_db):
    at = open_page("ui/upload.py", demo_db, user=ANALYST)
    change(demo_db, "UPDATE users SET role = 'viewer' WHERE username = ?", [ANALYST.username])
    at.run()
    assert at.title[0].value == "Nhập số liệu"
    assert "không có quyền mở trang «Nhập số liệu»" in at.warning[-1].value
    assert f"{ANALYST.display_name} · Xem" in sidebar_text(at)


def test_idleness_counts_from_the_last_real_interaction(open_page, demo_db):
    at = open_page("ui/overview.py", demo_db, user=ANALYST)
    twenty = dt.datetime.now() - dt.timedelta(minutes=20)
    change(demo_db, "UPDATE sessions SET last_active = ?", [twenty])
    at.run()  # a rerun with nothing changed by the reader
    assert last_active(demo_db) == twenty and at.session_state["user"] == ANALYST
    at.selectbox[0].select_index(1).run()  # the reader picks another month
    assert last_active(demo_db) > twenty + dt.timedelta(minutes=19)
    change(demo_db, "UPDATE sessions SET last_active = ?", [dt.datetime.now() - dt.timedelta(minutes=31)])
    at.selectbox[0].select_index(0).run()
    assert at.session_state["user"] is None
    assert "hết hạn vì không hoạt động quá 30 phút" in notices(at)


def test_logout_ends_the_session_on_the_server(open_page, demo_db):
    at = open_page("ui/overview.py", demo_db, user=ANALYST)
    token = at.session_state[TOKEN]
    next(b for b in at.sidebar.button if b.label == "Đăng xuất").click().run()
    assert "Đã đăng xuất." in notices(at) and at.session_state["user"] is None
    con = db.connect(demo_db)
    try:
        assert db.rows(con, "SELECT username, end_reason FROM sessions") == [(ANALYST.username, "logout")]
        assert writes.signed_in(con, token, idle_minutes=30, lifetime_hours=12, touch=True) is None
    finally:
        con.close()


def test_an_unexpected_error_shows_an_incident_number_and_logs_the_trace(demo_db, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("/srv/bi-mat/duong-dan: hỏng")

    monkeypatch.setattr(standing, "summary", broken)  # what the overview loads its cards with
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.session_state[TOKEN] = signed_in(demo_db, ANALYST)
    with caplog.at_level(logging.ERROR, logger="bhxh"):
        at.run()
    assert not at.exception
    shown = " ".join(str(e.value) for kind in ("title", "error", "markdown", "warning") for e in getattr(at, kind))
    assert "bi-mat" not in shown and "RuntimeError" not in shown and "Traceback" not in shown
    number = re.search(r"Mã sự cố: (\d{8}-[0-9A-F]{6})\.", at.error[0].value).group(1)
    record = next(r for r in caplog.records if r.name == "bhxh")
    assert record.getMessage() == f"Sự cố {number}"
    assert record.exc_info[0] is RuntimeError and "bi-mat" in caplog.text
