"""Every monitoring page renders with demo data, with no monthly data, and with a filter from the URL."""

import datetime as dt

import pytest

import ui.admin
import ui.completeness
import ui.lagging
import ui.overview
import ui.public
import ui.scorecard
import ui.upload
import ui.voluntary
from analytics import intake
from analytics.access.accounts import User
from analytics.figures import completeness, standing
from analytics.settings import load_settings
from analytics.storage import db
from analytics.text import fmt
from tests.helpers import DEMO_TODAY, offered, shown_table

ADMIN = User("quantri", "Quản trị", "admin")


def metrics_of(at):
    return {m.label: m.value for m in at.metric}


def expected_summary(db_file, codes=None):
    con = db.connect(db_file, read_only=True)
    try:
        return standing.summary(con, load_settings(), "2026-10", codes)
    finally:
        con.close()


def test_overview_cards(open_page, demo_db):
    card = expected_summary(demo_db)
    at = open_page("ui/overview.py", demo_db)
    shown = metrics_of(at)
    assert shown["Số người tham gia"] == fmt.number(card.total) == "728.037"
    assert shown["% chỉ tiêu 2030"] == fmt.percent(card.attainment)
    assert shown["Xã đạt tiến độ"] == f"{card.on_track}/104"
    assert any("DỮ LIỆU MINH HỌA" in w.value for w in at.warning)
    assert len(at.get("vega_lite_chart")) == 2
    # the demo's 728.037 participants over its labour force of 1.655.320 for 2026: 43,98 % → «44,0 %»
    assert shown["Bao phủ lực lượng lao động"] == "44,0 %"
    said = " ".join(c.value for c in at.caption)
    assert "Bao phủ: 44,0 % của 1.655.320 người (LLLĐ trong độ tuổi năm 2026, nguồn: Số liệu minh hoạ" in said
    assert at.expander[0].label == "Bao phủ lực lượng lao động theo huyện cũ"
    groups = shown_table(at.dataframe[0])
    assert groups["Lực lượng lao động"].map(lambda v: int(v.replace(".", ""))).sum() == 1655320


def test_overview_filtered_through_the_url(run_page, demo_db):
    con = db.connect(demo_db, read_only=True)
    expected = standing.summary(con, load_settings(), "2026-05", ["11986"])
    con.close()
    at = run_page(ui.overview.page, demo_db, query={"pham_vi": "Xã Như Quỳnh", "thang": "2026-05"})
    assert metrics_of(at)["Số người tham gia"] == fmt.number(expected.total)
    assert at.query_params["pham_vi"] in ("Xã Như Quỳnh", ["Xã Như Quỳnh"])
    assert "Xã Như Quỳnh · tháng 5/2026" in at.caption[0].value


@pytest.mark.parametrize("page", ["ui/overview.py", "ui/voluntary.py", "ui/lagging.py",
                                  "ui/scorecard.py", "ui/completeness.py"])
def test_pages_without_monthly_data_explain_what_to_do(open_page, tiny_db, page):
    at = open_page(page, tiny_db)
    assert any("Chưa có số liệu hằng tháng" in i.value for i in at.info)


def test_public_page_without_data(run_page, tiny_db):
    at = run_page(ui.public.page, tiny_db)
    assert [i.value for i in at.info] == ["Chưa có kết quả để công khai."]


def test_voluntary_page(run_page, demo_db):
    card = expected_summary(demo_db)
    at = run_page(ui.voluntary.page, demo_db)
    assert metrics_of(at)["Đạt chỉ tiêu tự nguyện tối thiểu"] == fmt.percent(card.voluntary_attainment)
    assert any("trong tháng vận động" in m.value for m in at.markdown)


def test_lagging_page_lists_slow_communes(run_page, demo_db):
    con = db.connect(demo_db, read_only=True)
    table = standing.commune_table(con, load_settings(), "2026-10")
    con.close()
    at = run_page(ui.lagging.page, demo_db)
    expected = standing.lagging(table, ["very_late", "late"], ["total", "voluntary"])
    assert metrics_of(at)["Số xã, phường trong danh sách"] == fmt.number(len(expected))
    assert at.dataframe[0].value["name"].tolist() == expected["name"].tolist()
    shown = shown_table(at.dataframe[0])
    assert list(shown.columns[:3]) == ["Hạng", "Xã, phường", "Tiến độ"]  # the key figure before the details
    first = expected.iloc[0]
    assert shown.iloc[0]["Tiến độ"] == fmt.percent(first["progress"])
    assert shown.iloc[0]["Mức cần đạt"] == fmt.number(first["expected"])  # a head count, never a fraction
    assert not shown["Mức cần đạt"].str.contains(",").any()
    assert [label for label, _ in offered(at)] == ["Tải CSV", "Tải Excel"]


def test_scorecard_page(run_page, demo_db):
    at = run_page(ui.scorecard.page, demo_db)
    frame = at.dataframe[0].value
    assert len(frame) == 104 and frame["rank"].tolist() == list(range(1, 105))
    shown = shown_table(at.dataframe[0])
    # No official annual targets in the demo: that column would be empty, so it is not there at all.
    assert list(shown.columns) == ["Hạng", "Xã, phường", "Đạt chỉ tiêu 2030", "Tự nguyện so với tối thiểu",
                                   "Tăng 3 tháng", "Đầy đủ báo cáo", "Bao phủ LLLĐ", "Giảm nợ BHXH so với tháng trước"]
    # Green at 75 %+. A commune without a target (Xã Mễ Sở, not in the appendix) reads "—": a column with a gap
    # goes over as its text, since Streamlit would draw a missing value as a grey "None".
    # First: no red and fewest ambers, the coverage of its labour force and the fall of its arrears counted too.
    assert shown.iloc[0][["Xã, phường", "Đạt chỉ tiêu 2030"]].tolist() == ["Phường Hồng Châu", "● 81,3 %"]
    untargeted = shown.set_index("Xã, phường").loc["Xã Mễ Sở"]
    assert untargeted[["Đạt chỉ tiêu 2030", "Tự nguyện so với tối thiểu"]].tolist() == ["—", "—"]
    assert frame["attainment_2030"].tolist() == shown["Đạt chỉ tiêu 2030"].tolist() and frame.notna().all().all()
    at.toggle[0].set_value(True).run()
    assert not at.exception and len(at.table) == 1


def test_completeness_page(run_page, demo_db):
    con = db.connect(demo_db, read_only=True)
    frame = completeness.reporting(con, load_settings(), dt.date.today(), standing.reported_periods(con))
    con.close()
    at = run_page(ui.completeness.page, demo_db)
    counts = at.dataframe[0].value
    assert len(counts) == 10
    assert counts["missing"].sum() == (frame["status"] == completeness.MISSING).sum()
    assert list(shown_table(at.dataframe[0]).columns) == ["Tháng", "Đúng hạn", "Muộn", "Thiếu", "Chưa đến hạn"]


def test_public_page_ranks_communes(run_page, demo_db):
    at = run_page(ui.public.page, demo_db)
    table = at.dataframe[0].value
    assert table["rank"].tolist() == list(range(1, len(table) + 1))
    shown = shown_table(at.dataframe[0])
    # On a phone the first three columns fit the screen: the rate is one of them.
    assert list(shown.columns[:3]) == ["Hạng", "Xã, phường", "Tỷ lệ đạt"]
    # Highest rate first; the unit without a target comes last and reads "—" (never Streamlit's grey "None").
    rates = [float(r.removesuffix(" %").replace(",", ".")) for r in shown["Tỷ lệ đạt"].iloc[:-1]]
    assert rates == sorted(rates, reverse=True) and shown["Tỷ lệ đạt"].iloc[-1] == "—"
    assert shown["Tỷ lệ đạt"].iloc[0] == "82,3 %" and table["attainment"].tolist() == shown["Tỷ lệ đạt"].tolist()
    assert shown["Số người tham gia"].tolist() == [fmt.number(v) for v in table["total"]]
    assert "sha256" not in " ".join(table.columns)


def test_upload_page_for_an_analyst(run_page, demo_db):
    at = run_page(ui.upload.page, demo_db, user=User("cv", "Chuyên viên", "analyst"))
    assert [label for label, _ in offered(at)] == ["Mẫu Excel (.xlsx)", "Mẫu CSV (.csv)"]
    history = at.dataframe[0].value
    assert len(history) == 15 and history["file_name"].iloc[0] == "du-lieu-minh-hoa-2026-01"


def test_upload_page_takes_each_kind_of_file_with_its_own_history(run_page, demo_db):
    """The four kinds the page offers; the labour force's history names the source its upload gave (the demo's
    one illustrative upload), and saving it asks for a source."""
    at = run_page(ui.upload.page, demo_db, user=User("cv", "Chuyên viên", "analyst"))
    kinds = at.radio(key="upload_kind")
    assert kinds.options == ["Số người tham gia hằng tháng", "Lực lượng lao động trong độ tuổi (theo năm)",
                             "Nợ, chậm đóng theo xã", "Danh sách đơn vị nợ, chậm đóng"]
    kinds.set_value("labour").run()
    assert [h.value for h in at.subheader] == ["Lịch sử tải lên lực lượng lao động"]
    history = at.dataframe[0].value
    assert len(history) == 1
    assert history["source"].iloc[0].startswith("Số liệu minh hoạ, không phải số liệu thống kê")


def test_upload_page_is_not_offered_to_a_viewer(open_page, demo_db):
    at = open_page("ui/upload.py", demo_db, user=User("ld", "Lãnh đạo", "viewer"))
    assert at.title[0].value == "Nhập số liệu" and not at.file_uploader
    assert any("không có quyền mở trang «Nhập số liệu»" in w.value for w in at.warning)


def test_admin_page(run_page, demo_db):
    at = run_page(ui.admin.page, demo_db, user=ADMIN)
    assert [t.label for t in at.tabs] == ["Tài khoản", "Xác nhận tên đơn vị", "Cách đọc cột đã lưu",
                                          "Công khai danh sách nợ", "Cấu hình", "Sao lưu", "Nhật ký"]
    assert at.number_input[0].value == 98.0 and at.checkbox[0].value is False


def test_pages_say_when_official_annual_targets_set_the_trajectory(open_page, demo_db, settings):
    import io

    import openpyxl

    from analytics.figures import annual

    con = db.connect(demo_db)
    before = standing.commune_table(con, settings, "2026-10").set_index("code").loc["11953", "expected"]
    book = openpyxl.load_workbook(io.BytesIO(annual.proposal_xlsx(annual.propose(con, settings, DEMO_TODAY), settings)))
    ws = book.active
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[header.index("Mã xã")].value == "11953" and row[header.index("Năm")].value == 2026:
            row[header.index("Chỉ tiêu chung")].value += 500  # the analyst raises one commune's 2026 target
    out = io.BytesIO()
    book.save(out)
    prepared = intake.prepare(con, out.getvalue(), "chi-tieu-nam.xlsx", settings=settings, kind="annual")
    intake.apply(con, prepared, user=User("cv", "Chuyên viên", "analyst"), confirm_warnings=True)
    after = standing.commune_table(con, settings, "2026-10").set_index("code").loc["11953", "expected"]
    con.close()
    assert after > before
    for page in ("ui/overview.py", "ui/lagging.py"):
        at = open_page(page, demo_db)
        assert "chỉ tiêu năm chính thức (2026" in at.caption[0].value
