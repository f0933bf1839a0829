"""Arrears: the page's figures worked by hand, the page with demo data and with none, and the publication of a
month's violators' list (role-checked, audited, a snapshot, shown on the public page until withdrawn)."""

import datetime as dt

import pandas as pd
import pytest

import ui.admin
import ui.arrears
import ui.public
from analytics.access import audit
from analytics.access.accounts import User
from analytics.errors import NotAuthorised, PublicationRefused
from analytics.figures import arrears, publication
from analytics.storage import db, reads, writes
from analytics.text import fmt
from tests.helpers import ANALYST, plain_text, shown_table

ADMIN = User("quantri", "Quản trị", "admin")
VIEWER = User("lanh-dao", "Lãnh đạo", "viewer")
T0 = dt.datetime(2026, 11, 12, 9)
DETAIL = {"source_row": None, "written_name": None, "match_method": "code", "match_score": None}


def record_arrears(con, rows, sha="no"):
    """(period, code, employers_late, amount_owed) rows as one upload; the other two figures not given."""
    frame = pd.DataFrame(rows, columns=["period", "code", "employers_late", "amount_owed"]).assign(
        workers_affected=None, employers_evading=None, **DETAIL)
    return writes.record_upload(con, frame, kind="arrears", file_name=f"{sha}.csv", sha256=sha, user=ANALYST,
                               rows_read=len(rows), now=T0)


def record_employers(con, rows, sha="ds", now=T0):
    """(period, code, employer, tax_code, months_late, amount_owed, status) rows as one employer list."""
    frame = pd.DataFrame(rows, columns=["period", "code", "employer", "tax_code", "months_late", "amount_owed",
                                        "status"]).assign(taxpayer="enterprise", unit_code=None, **DETAIL)
    return writes.record_upload(con, frame, kind="employers", file_name=f"{sha}.csv", sha256=sha, user=ANALYST,
                               rows_read=len(rows), now=now)


def test_communes_ranked_with_the_change_since_the_month_before(tiny):
    """September: Phố Hiến 100,0 triệu and 5 late, Tân Hưng 40,5 and 2, Hồng Châu nothing. October: Phố Hiến
    120,5 and 6, Hồng Châu 55,0 and 3, Tân Hưng 30,0 and 2. October ranked by amount: Phố Hiến, Hồng Châu,
    Tân Hưng. Changes: Phố Hiến 120,5 − 100,0 = +20,5 (late 6 − 5 = +1), Tân Hưng 30,0 − 40,5 = −10,5 (0),
    Hồng Châu none (no September). Province: 120,5 + 55,0 + 30,0 = 205,5 triệu, 11 late; change over the two
    communes with both months 20,5 − 10,5 = +10,0 triệu and +1 late."""
    record_arrears(tiny, [("2026-09", "11953", 5, 100.0), ("2026-09", "11977", 2, 40.5),
                          ("2026-10", "11953", 6, 120.5), ("2026-10", "11980", 3, 55.0),
                          ("2026-10", "11977", 2, 30.0)])
    table = arrears.communes(tiny, "2026-10")
    assert table[["rank", "code", "amount_owed", "amount_change", "late_change"]].fillna(-999).values.tolist() == [
        [1, "11953", 120.5, 20.5, 1.0], [2, "11980", 55.0, -999, -999], [3, "11977", 30.0, -10.5, 0.0]]
    assert arrears.province_change(table) == {
        "amount_owed": 205.5, "amount_change": pytest.approx(10.0), "amount_change_communes": 2,
        "employers_late": 11.0, "late_change": 1.0, "late_change_communes": 2}
    trend = arrears.trend(tiny)
    assert trend[["period", "amount_owed", "employers_late", "communes"]].values.tolist() == [
        ["2026-09", 140.5, 7.0, 2], ["2026-10", 205.5, 11.0, 3]]


def test_page_without_arrears_says_where_they_come_from(run_page, tiny_db):
    at = run_page(ui.arrears.page, tiny_db)
    assert [i.value for i in at.info][0].startswith("Chưa có số liệu nợ, chậm đóng.")


def test_page_with_demo_data_hides_employer_names_from_anonymous_readers(run_page, demo_db):
    con = db.connect(demo_db, read_only=True)
    table = arrears.communes(con, "2026-10")
    top = arrears.debtors(con, "2026-10")
    con.close()
    at = run_page(ui.arrears.page, demo_db)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Số tiền nợ (triệu đồng)"] == fmt.number(table["amount_owed"].sum(), 1)
    assert shown["Đơn vị chậm đóng"] == fmt.number(table["employers_late"].sum())
    assert len(at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")) == 3  # two trends, one ranking
    ranked = shown_table(at.dataframe[0])
    assert ranked["Xã, phường"].tolist() == table["name"].tolist()
    assert len(at.dataframe) == 1  # no employer table
    assert any("chỉ hiện cho người đã đăng nhập" in i.value for i in at.info)
    assert not any(name in str(at) for name in top["employer"])

    signed = run_page(ui.arrears.page, demo_db, user=VIEWER)
    debtors = shown_table(signed.dataframe[1])
    assert debtors["Đơn vị"].tolist() == top["employer"].tolist()  # largest amount first
    assert debtors["Số tiền nợ (triệu đồng)"].iloc[0] == fmt.number(top["amount_owed"].iloc[0], 1)


SEPTEMBER = [("2026-09", "11953", "Công ty TNHH Minh họa An Phát", "0100109106", 4, 1250.5, "late"),
             ("2026-09", "11977", "Công ty CP Minh họa Bình Minh", "0800123459", 7, 86.2, "evading")]


def test_largest_debtors_are_those_of_the_scope_chosen(run_page, demo_db):
    """The demo's 24 employers of 10/2026: the commune of the one owing least is chosen as the scope; its
    employers are listed (not the province's ten largest, which it is not among), the largest first."""
    con = db.connect(demo_db, read_only=True)
    every = arrears.debtors(con, "2026-10", None)
    con.close()
    commune = every["commune"].iloc[-1]
    theirs = every[every["commune"] == commune]
    at = run_page(ui.arrears.page, demo_db, user=VIEWER, query={"pham_vi": commune})
    listed = shown_table(at.dataframe[1])
    assert listed["Đơn vị"].tolist() == theirs["employer"].tolist()[:10]
    assert set(listed["Xã, phường"]) == {commune}


def test_publish_is_for_administrators_audited_a_snapshot_and_withdrawable(tiny):
    record_employers(tiny, SEPTEMBER)
    assert publication.public_lists(tiny) == []  # nothing is public by default
    with pytest.raises(NotAuthorised):
        writes.publish(tiny, ANALYST, "2026-09", "BHXH tỉnh, công văn số 1/BHXH", dt.date(2026, 10, 20))
    with pytest.raises(PublicationRefused, match="Chưa có danh sách"):
        writes.publish(tiny, ADMIN, "2026-08", "BHXH tỉnh, công văn số 1/BHXH", dt.date(2026, 10, 20))
    with pytest.raises(PublicationRefused, match="Hãy ghi nguồn"):
        writes.publish(tiny, ADMIN, "2026-09", "  ", dt.date(2026, 10, 20))
    version = reads.data_version(tiny)
    done = writes.publish(tiny, ADMIN, "2026-09", "BHXH tỉnh, công văn số 1/BHXH", dt.date(2026, 10, 20),
                               now=T0)
    assert reads.data_version(tiny) != version
    entry = audit.entries(tiny).iloc[0]
    assert (entry["actor"], entry["action"]) == ("quantri", "publish_employers")
    assert entry["detail"].startswith(f"#{done} 2026-09: 2 đơn vị")

    # A later list of September changes what is monitored, not what was published.
    record_employers(tiny, [SEPTEMBER[1][:5] + (99.0, "evading")], sha="ds2", now=T0 + dt.timedelta(hours=1))
    [(shown, rows)] = publication.public_lists(tiny)
    assert (shown["period"], shown["published_on"].date(), shown["source"]) == (
        "2026-09", dt.date(2026, 10, 20), "BHXH tỉnh, công văn số 1/BHXH")
    assert rows.values.tolist() == [
        ["Công ty TNHH Minh họa An Phát", "0100109106", "Phường Phố Hiến", 4, 1250.5, "late"],
        ["Công ty CP Minh họa Bình Minh", "0800123459", "Xã Tân Hưng", 7, 86.2, "evading"]]
    with pytest.raises(PublicationRefused, match="đang được công khai"):
        writes.publish(tiny, ADMIN, "2026-09", "lần hai", dt.date(2026, 10, 21))

    with pytest.raises(NotAuthorised):
        writes.withdraw_publication(tiny, ANALYST, done)
    writes.withdraw_publication(tiny, ADMIN, done, now=T0 + dt.timedelta(hours=2))
    assert publication.public_lists(tiny) == []
    assert audit.entries(tiny).iloc[0][["action", "detail"]].tolist() == ["withdraw_publication", f"#{done} 2026-09"]
    with pytest.raises(PublicationRefused):
        writes.withdraw_publication(tiny, ADMIN, done)


def test_a_published_demo_list_goes_with_the_demo_data(tiny):
    """An illustrative list (September, 2 employers) and a real one (August, 1 employer) are both published; when
    the demo data goes, the illustrative publication goes with it and only August's stays public."""
    frame = pd.DataFrame(SEPTEMBER, columns=["period", "code", "employer", "tax_code", "months_late", "amount_owed",
                                             "status"]).assign(taxpayer="enterprise", unit_code=None, **DETAIL)
    writes.record_upload(tiny, frame, kind="employers", file_name="demo.csv", sha256="demo", user=ANALYST,
                        rows_read=2, is_demo=True, now=T0)
    record_employers(tiny, [("2026-08",) + SEPTEMBER[0][1:]], sha="real")
    for month in ("2026-09", "2026-08"):
        writes.publish(tiny, ADMIN, month, "BHXH tỉnh, công văn số 1/BHXH", dt.date(2026, 10, 20), now=T0)
    assert [shown["period"] for shown, _ in publication.public_lists(tiny)] == ["2026-09", "2026-08"]

    writes.remove_demo(tiny, ANALYST)
    [(shown, rows)] = publication.public_lists(tiny)
    assert (shown["period"], rows["employer"].tolist()) == ("2026-08", ["Công ty TNHH Minh họa An Phát"])
    assert publication.publications(tiny)["period"].tolist() == ["2026-08"]


def test_public_page_shows_a_published_list_until_it_is_withdrawn(run_page, tiny_db):
    con = db.connect(tiny_db)
    record_employers(con, SEPTEMBER)
    con.close()
    at = run_page(ui.public.page, tiny_db)
    assert not any("Minh họa" in str(t.value) for t in at.dataframe)
    con = db.connect(tiny_db)
    done = writes.publish(con, ADMIN, "2026-09", "BHXH tỉnh, công văn số 1/BHXH", dt.date(2026, 10, 20))
    con.close()
    at = run_page(ui.public.page, tiny_db)
    listed = shown_table(at.dataframe[-1])
    assert listed["Đơn vị"].tolist() == ["Công ty TNHH Minh họa An Phát", "Công ty CP Minh họa Bình Minh"]
    assert listed["Số tiền nợ (triệu đồng)"].tolist() == ["1.250,5", "86,2"]
    assert listed["Tình trạng"].tolist() == ["Chậm đóng", "Trốn đóng"]
    assert "Công bố ngày 20/10/2026. Nguồn: BHXH tỉnh, công văn số 1/BHXH. Số tiền nợ tính bằng triệu đồng." in [
        plain_text(c.value) for c in at.caption]
    con = db.connect(tiny_db)
    writes.withdraw_publication(con, ADMIN, done)
    con.close()
    at = run_page(ui.public.page, tiny_db)
    assert not any("Minh họa" in str(t.value) for t in at.dataframe)


def test_an_administrator_publishes_and_withdraws_on_the_admin_page(run_page, demo_db):
    """The demo's employer list of 10/2026 (24 fictional employers) published from the form, then withdrawn."""
    at = run_page(ui.admin.page, demo_db, user=ADMIN)
    form = [t for t in at.text_input if t.label == "Nguồn"][0]
    form.input("Bảo hiểm xã hội tỉnh, công văn số 12/BHXH-QLT")
    [b for b in at.button if b.label == "Công bố danh sách"][0].click().run()
    assert "Đã công bố danh sách tháng 10/2026 (24 đơn vị) trên trang «Công khai kết quả»." in [
        s.value for s in at.success]
    con = db.connect(demo_db)  # as the app's own connection is configured
    [(shown, rows)] = publication.public_lists(con)
    con.close()
    assert (shown["period"], shown["source"], len(rows)) == ("2026-10", "Bảo hiểm xã hội tỉnh, công văn số 12/BHXH-QLT",
                                                             24)
    [b for b in at.button if b.label == "Rút khỏi trang công khai"][0].click().run()
    assert any(s.value.startswith("Đã rút lần công bố số") for s in at.success)
    con = db.connect(demo_db)  # as the app's own connection is configured
    assert publication.public_lists(con) == []
    con.close()


def test_demo_arrears_are_labelled_and_their_tax_codes_valid(demo_db):
    """Ten demo months of arrears for all 104 communes, and one list of 24 fictional employers for 10/2026."""
    from analytics.intake import taxcode

    con = db.connect(demo_db, read_only=True)
    listed, figures, kinds = reads.employers(con), reads.arrears(con), reads.uploads(con)
    con.close()
    assert len(figures) == 10 * 104 and sorted(figures["period"].unique())[-1] == "2026-10"
    assert len(listed) == 24 and set(listed["period"]) == {"2026-10"}
    assert all(taxcode.parse(code).code == code for code in listed["tax_code"])
    assert listed["employer"].str.contains("Minh họa").all()
    demo = kinds[kinds["kind"].isin(["arrears", "employers"])]
    assert demo["is_demo"].all() and (demo["note"] == "Dữ liệu minh hoạ").all()


def test_briefing_names_employers_only_once_their_month_is_published(tiny, tiny_settings):
    """Arrears of 09 and 10/2026 as in the ranking test: the briefing's sentence gives 11 late, 205,5 triệu
    (+10,0 on 2 communes) and the three communes owing most, and leaves out the two figures no file gave; the
    September list stays unnamed until published."""
    from analytics.reports import briefing

    record_arrears(tiny, [("2026-09", "11953", 5, 100.0), ("2026-09", "11977", 2, 40.5),
                          ("2026-10", "11953", 6, 120.5), ("2026-10", "11980", 3, 55.0),
                          ("2026-10", "11977", 2, 30.0)])
    record_employers(tiny, SEPTEMBER)
    october = briefing.arrears_sentences(arrears.brief(tiny, "2026-10"))
    assert october == [
        "Theo số liệu của cơ quan Bảo hiểm xã hội, đến hết tháng 10/2026 toàn tỉnh có 11 đơn vị chậm đóng BHXH; "
        "số tiền nợ 205,5 triệu đồng (+10,0 triệu đồng so với tháng trước, cộng trên 2 xã, phường có số liệu cả "
        "hai tháng). Các xã, phường có số tiền nợ lớn nhất: "
        "Phường Phố Hiến (120,5 triệu đồng), Phường Hồng Châu (55,0 triệu đồng), Xã Tân Hưng (30,0 triệu đồng)."]
    september = arrears.brief(tiny, "2026-09")
    assert len(briefing.arrears_sentences(september)) == 1 and "Minh họa" not in briefing.arrears_sentences(
        september)[0]
    writes.publish(tiny, ADMIN, "2026-09", "BHXH tỉnh, công văn số 1/BHXH", dt.date(2026, 10, 20))
    assert briefing.arrears_sentences(arrears.brief(tiny, "2026-09"))[1] == (
        "Danh sách 2 đơn vị vi phạm tháng 9/2026 đã được công khai ngày 20/10/2026 (nguồn: BHXH tỉnh, công văn số "
        "1/BHXH); nợ nhiều nhất: Công ty TNHH Minh họa An Phát (mã số thuế 0100109106, 1.250,5 triệu đồng), "
        "Công ty CP Minh họa Bình Minh (mã số thuế 0800123459, 86,2 triệu đồng).")
