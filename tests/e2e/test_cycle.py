"""The year's cycle in Chromium: a commune chosen beside the map opens its profile; a commune's returned report,
uploaded on the completeness page, is counted there."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from analytics.access import accounts
from analytics.figures import commune_reports
from analytics.settings import load_settings
from analytics.storage import db, reads, writes
from analytics.text import fmt
from tests.e2e.conftest import (
    ADMIN,
    BY_PATH,
    assert_clean,
    changes_data,
    open_page,
    read_cards,
    shot,
    wait_idle,
    wait_rendered,
)
from tests.helpers import docx_bytes

pytestmark = pytest.mark.browser
COMMUNE, CODE = "Xã Như Quỳnh", "11986"


def choose(page, label: str, option: str, within=None) -> None:
    """Pick ``option`` in the selectbox labelled ``label`` (inside ``within``, if given) as a keyboard user does:
    open it, type the name, take the one option left."""
    box = (within or page).locator('[data-testid="stSelectbox"]').filter(has_text=label)
    box.click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).wait_for()
    page.keyboard.press("Enter")


def test_a_commune_chosen_beside_the_map_opens_its_profile(admin_page, server):
    page = admin_page
    open_page(page, server.url, BY_PATH["ban-do"])
    choose(page, "Mở hồ sơ xã, phường", COMMUNE)
    wait_rendered(page, BY_PATH["ho-so-xa"].heading)
    assert_clean(page, "ho-so-xa-from-map")
    assert page.locator("h2").filter(has_text=re.compile(rf"^\s*{COMMUNE}\s*$")).count() == 1
    assert f"ma={CODE}" in page.url and "/ho-so-xa" in page.url
    caption = page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first.inner_text()
    assert caption.startswith(f"Mã {CODE} · xã")
    shot(page, "ho-so-xa-from-map")


def expected_returns(model, year: int) -> dict[str, str]:
    """The completeness page's four cards of returned reports, computed from the model copy."""
    con = db.connect(model, read_only=True)
    try:
        counts = commune_reports.counts(commune_reports.status(con, load_settings(), year, dt.date.today()))
    finally:
        con.close()
    return {f"Báo cáo năm: {text.lower()}": fmt.number(counts[status])
            for status, text in (("on_time", "Đúng hạn"), ("late", "Muộn"), ("missing", "Thiếu"),
                                 ("pending", "Chưa đến hạn"))}


@changes_data
def test_completeness_page_counts_an_uploaded_commune_report(admin_page, server, tmp_path):
    page = admin_page
    con = db.connect(server.model, read_only=True)
    year = int(reads.latest_period(con)[:4])
    con.close()
    open_page(page, server.url, BY_PATH["tien-do-bao-cao"])
    before = {k: v for k, v in read_cards(page).items() if k.startswith("Báo cáo năm")}
    assert before == expected_returns(server.model, year)

    report = tmp_path / "bao-cao-nam-nhu-quynh.docx"
    data = docx_bytes("Kết quả đạt được: …", "Khó khăn, vướng mắc: …")
    report.write_bytes(data)
    form = page.locator('[data-testid="stForm"]')
    choose(page, "Xã, phường", COMMUNE, within=form)
    form.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(report))
    form.locator('[data-testid="stFileChip"]').wait_for(state="visible")  # the file is in; long names are cut
    form.get_by_role("button", name="Lưu báo cáo").click()
    page.locator('[data-testid="stAlertContentSuccess"]').filter(has_text="Đã lưu báo cáo năm").wait_for()
    wait_idle(page)
    assert_clean(page, "tien-do-bao-cao-after-return")

    con = db.connect(server.model)  # the model follows the server, as for every change the tests make
    try:
        admin = accounts.User(ADMIN.username, ADMIN.display_name, "admin")
        writes.record_commune_report(con, admin, load_settings(), CODE, year, report.name, data)
    finally:
        con.close()
    after = {k: v for k, v in read_cards(page).items() if k.startswith("Báo cáo năm")}
    assert after == expected_returns(server.model, year) != before
    shot(page, "tien-do-bao-cao-after-return")
