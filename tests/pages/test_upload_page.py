"""The upload page as an analyst uses it: confirming how columns are read (saved for the next file of the same
shape) and settling an unknown commune name right there (kept for every later file and the appendix)."""

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from analytics.access import audit
from analytics.access.accounts import User
from analytics.intake.pipeline import apply, prepare
from analytics.storage import db, writes
from analytics.units import communes
from analytics.units.targets import appendix_view

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "tests" / "fixtures" / "reports"
ANALYST = User("chuyenvien", "Chuyên viên", "analyst")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def upload_page(open_page, db_file):
    """upload_page(name, data, mime): the upload page, as the analyst, with that file chosen."""

    def run(name: str, data: bytes, mime: str = XLSX) -> AppTest:
        at = open_page("ui/upload.py", db_file, user=ANALYST)
        at.file_uploader[0].set_value((name, data, mime)).run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return run


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def november(data: bytes) -> bytes:
    """The same report a month later: another title month, other figures, the same columns."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book.active
    ws["A1"] = ws["A1"].value.replace("THÁNG 10/2026", "THÁNG 11/2026")
    for row in ws.iter_rows(min_row=3):
        row[2].value, row[3].value = row[2].value + 10, row[3].value + 10
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_mapping_confirmed_on_the_page_is_saved_and_the_next_file_of_that_shape_needs_none(upload_page,
                                                                                              db_file):
    data = (REPORTS / "tieu-de-la.xlsx").read_bytes()
    at = upload_page("tieu-de-la.xlsx", data)
    assert any("đoán theo nội dung" in w for w in texts(at.warning))
    assert not [b for b in at.button if b.label == "Lưu số liệu"]  # nothing is checked before the mapping
    shown = {s.label: s.value for s in at.selectbox if s.label.startswith("cột ")}
    assert shown == {"cột A «Mã»": "code", "cột B «Địa bàn»": "commune", "cột C «Chỉ số 1»": "total",
                     "cột D «Chỉ số 2»": "compulsory", "cột E «Chỉ số 3»": "voluntary"}
    at.selectbox(key=next(s.key for s in at.selectbox if s.label == "cột B «Địa bàn»")).set_value("skip")
    next(b for b in at.button if b.label == "Xác nhận cách đọc cột").click().run()
    assert not at.exception
    assert not any("đoán theo nội dung" in w for w in texts(at.warning))
    assert any("dùng cách đã lưu" in m for m in texts(at.markdown))
    assert [b.label for b in at.button if b.label == "Lưu số liệu"] == ["Lưu số liệu"]
    next(b for b in at.button if b.label == "Lưu số liệu").click().run()  # warnings not confirmed yet
    at.checkbox[0].check().run()
    next(b for b in at.button if b.label == "Lưu số liệu").click().run()
    assert any("Đã lưu lần tải lên số 1: 7 dòng, kỳ tháng 10/2026" in s for s in texts(at.success))

    later = upload_page("tieu-de-la-thang-11.xlsx", november(data))
    assert not any("đoán theo nội dung" in w for w in texts(later.warning))
    assert any("dùng cách đã lưu" in m and "chuyenvien" in m for m in texts(later.markdown))
    con = db.connect(db_file)
    try:
        prepared = prepare(con, november(data), "tieu-de-la-thang-11.xlsx", today=dt.date(2026, 12, 10))
        assert not prepared.needs_mapping and prepared.reading.layout is not None
        assert [(c.letter, c.field) for c in prepared.reading.columns] == [
            ("A", "code"), ("B", None), ("C", "total"), ("D", "compulsory"), ("E", "voluntary")]
        assert prepared.checked.table["total"].sum() == 23100 + 70
        log = audit.entries(con)
        assert log[log["action"] == "save_layout"]["detail"].tolist() == [
            "monthly «tieu-de-la.xlsx»: A=code, B=skip, C=total, D=compulsory, E=voluntary"]
    finally:
        con.close()


UNKNOWN = ("Tên xã/phường;Kỳ;Tổng số;Tự nguyện\r\nPhường Phố Hiến;2026-03;12450;1430\r\n"
           "Xã Bảo Khê;2026-03;2950;260\r\nPhường Sơn Nam;2026-03;6120;1140\r\n").encode()


def test_an_unknown_name_is_confirmed_on_the_page_and_the_same_file_then_passes(upload_page, db_file):
    at = upload_page("ten-moi.csv", UNKNOWN, "text/csv")
    problems = next(d.value for d in at.dataframe if "Nội dung" in d.value.columns)
    assert "Không tìm thấy xã, phường «Xã Bảo Khê». Tên gần nhất: Xã Thần Khê" in " ".join(problems["Nội dung"])
    assert problems[problems["Nội dung"].str.contains("Bảo Khê")][["Dòng", "Cột"]].values.tolist() == [
        ["3", "Tên xã/phường"]]
    assert "—" in problems["Dòng"].tolist()  # the month-wide warning has no row
    choice = next(s for s in at.selectbox if s.label == "«Xã Bảo Khê» là")
    assert choice.value == "12631"  # the nearest official name is offered first
    next(b for b in at.button if b.label == "Xác nhận tên").click().run()
    assert not at.exception
    assert not [e for e in at.error]
    assert [b.label for b in at.button if b.label == "Lưu số liệu"] == ["Lưu số liệu"]

    again = upload_page("ten-moi.csv", UNKNOWN, "text/csv")
    assert not [e for e in again.error]
    con = db.connect(db_file)
    try:
        assert communes.confirmed(con)["Xã Bảo Khê"] == "12631"
        prepared = prepare(con, UNKNOWN, "ten-moi.csv", today=dt.date(2026, 11, 27))
        assert prepared.errors == []
        row = prepared.checked.table.set_index("written_name").loc["Xã Bảo Khê"]
        assert (row["code"], row["match_method"]) == ("12631", "confirmed")
        assert audit.entries(con)["action"].tolist()[:1] == ["confirm_name"]
    finally:
        con.close()


@pytest.fixture
def analyst_con(con):
    return con


def test_a_name_confirmed_for_an_upload_also_settles_the_appendix_row_written_the_same_way(analyst_con):
    con = analyst_con
    before = appendix_view(con).set_index("name_as_printed").loc["Xã Mỹ Sở"]
    assert before["status"] in ("open", "unmatched")
    writes.confirm_name(con, ANALYST, "Xã Mỹ Sở", "12049", "lỗi in trong phụ lục")
    after = appendix_view(con).set_index("name_as_printed").loc["Xã Mỹ Sở"]
    assert (after["code"], after["status"]) == ("12049", "confirmed")
    upload = "Tên xã/phường;Kỳ;Tổng số;Tự nguyện\r\nXã Mỹ Sở;2026-03;5000;500\r\n".encode()
    table = prepare(con, upload, "a.csv", today=dt.date(2026, 11, 27)).checked.table
    assert table[["code", "match_method"]].values.tolist() == [["12049", "confirmed"]]


@pytest.mark.parametrize("page", ["overview", "map", "voluntary", "lagging", "forecast", "scorecard", "briefing",
                                  "public", "annual"])
def test_pages_render_when_the_latest_month_has_totals_only(open_page, totals_only_db, page):
    open_page(f"ui/{page}.py", totals_only_db, user=User("quantri", "Quản trị", "admin"))


@pytest.fixture(scope="module")
def totals_only_db(built_db_file, tmp_path_factory):
    """Demo months, then a real month of seven communes that gave their totals only."""
    from analytics.settings import load_settings
    from analytics.units import demo

    path = tmp_path_factory.mktemp("tong") / "bhxh.duckdb"
    path.write_bytes(built_db_file.read_bytes())
    con = db.connect(path)
    demo.install(con, load_settings(), dt.date(2026, 11, 27))
    data = (REPORTS / "chi-co-tong-so.csv").read_bytes()
    prepared = prepare(con, data, "chi-co-tong-so.csv", period="2026-10", today=dt.date(2026, 11, 27))
    apply(con, prepared, user=ANALYST, confirm_warnings=True)
    con.close()
    return path
