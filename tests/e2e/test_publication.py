"""The violators' list in Chromium: an administrator publishes the demo month's list of employers on Quản trị, an
anonymous visitor (a browser context of its own, no cookie) then finds it on the public page with its date and
source, and after the administrator withdraws it the visitor finds nothing about any employer."""

from __future__ import annotations

import pytest

from analytics import arrears, db
from tests.e2e.conftest import (
    BY_PATH,
    VIEWPORT,
    assert_clean,
    changes_data,
    open_page,
    shot,
    wait_idle,
    wait_rendered,
)

pytestmark = pytest.mark.browser
SOURCE = "Bảo hiểm xã hội tỉnh, công văn số 215/BHXH-QLT"


def employer_tables(page):
    return page.locator('[data-testid="stDataFrame"]').filter(has_text="Mã số thuế")


def visitor_sees(chromium_browser, base_url: str, name: str, when: str, expected: bool) -> tuple[bool, str]:
    """Open the public page in a fresh context, as someone who never signed in: whether ``name`` is in a table
    there (waited for when ``expected``), and the page's text."""
    ctx = chromium_browser.new_context(viewport=VIEWPORT, locale="vi-VN")
    try:
        page = ctx.new_page()
        page.goto(f"{base_url}{BY_PATH['cong-khai'].path}")
        wait_rendered(page, BY_PATH["cong-khai"].heading)
        assert_clean(page, f"cong-khai-{when}")
        page.locator('[data-testid="stDataFrame"]').first.wait_for(state="visible")
        if expected:
            employer_tables(page).filter(has_text=name).first.wait_for(state="attached", timeout=30_000)
        found = employer_tables(page).filter(has_text=name).count() > 0
        shot(page, f"cong-khai-{when}")
        return found, page.locator('[data-testid="stMain"]').inner_text()
    finally:
        ctx.close()


@changes_data
def test_a_published_list_is_public_until_it_is_withdrawn(admin_page, server, chromium_browser):
    con = db.connect(server.model, read_only=True)
    try:
        period = arrears.months(con)[-1]
        largest = arrears.debtors(con, period, 1)["employer"].iloc[0]
    finally:
        con.close()
    seen, text = visitor_sees(chromium_browser, server.url, largest, "truoc", False)
    assert not seen and "Danh sách đơn vị vi phạm" not in text

    page = admin_page
    open_page(page, server.url, BY_PATH["quan-tri"])
    page.get_by_role("tab", name="Công khai danh sách nợ").click()
    page.get_by_label("Nguồn", exact=True).fill(SOURCE)
    page.get_by_role("button", name="Công bố danh sách").click()
    page.get_by_text(f"Đã công bố danh sách tháng {int(period[5:])}/{period[:4]}").wait_for()
    wait_idle(page)
    assert_clean(page, "quan-tri-cong-bo")

    seen, text = visitor_sees(chromium_browser, server.url, largest, "da-cong-bo", True)
    assert seen
    assert f"Danh sách đơn vị vi phạm về đóng BHXH tháng {int(period[5:])}/{period[:4]}" in text
    assert f"Nguồn: {SOURCE}." in text

    page.get_by_role("tab", name="Công khai danh sách nợ").click()
    page.get_by_role("button", name="Rút khỏi trang công khai").click()
    page.get_by_text("khỏi trang công khai.").first.wait_for()
    wait_idle(page)
    seen, text = visitor_sees(chromium_browser, server.url, largest, "da-rut", False)
    assert not seen and "Danh sách đơn vị vi phạm" not in text
