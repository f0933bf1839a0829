"""The violators' list in Chromium: an administrator uploads a month's list of employers on Nhập số liệu and
publishes it on Quản trị; an anonymous visitor (a browser context of its own, no cookie) finds nothing about it
before, then finds it on the public page with its date and source, and nothing again once it is withdrawn.

The test brings its own list: the demo's illustrative list is gone once an earlier test's real upload replaced
the demo data."""

from __future__ import annotations

import pytest

from analytics.access import accounts
from tests.e2e.conftest import (
    ADMIN,
    BY_PATH,
    VIEWPORT,
    assert_clean,
    changes_data,
    open_page,
    save_upload,
    shot,
    wait_idle,
    wait_rendered,
)

pytestmark = pytest.mark.browser
SOURCE = "Bảo hiểm xã hội tỉnh, công văn số 215/BHXH-QLT"
LARGEST = "Công ty TNHH Thử nghiệm Công khai"
# Two employers of one commune; 0100109106 and 0800123459 carry valid check digits.
EMPLOYERS = ("Kỳ;Tên đơn vị;Mã số thuế;Xã, phường;Số tháng chậm đóng;Số tiền nợ (triệu đồng);Tình trạng\r\n"
             f"{{period}};{LARGEST};0100109106;Phường Phố Hiến;5;333,6;Chậm đóng\r\n"
             "{period};Hợp tác xã Thử nghiệm Bình An;0800123459;Phường Phố Hiến;2;12,5;Nợ đọng\r\n")


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
def test_a_published_list_is_public_until_it_is_withdrawn(admin_page, server, chromium_browser, tmp_path):
    period = server.expected().period
    data = EMPLOYERS.format(period=period).encode("utf-8-sig")
    upload = tmp_path / "danh-sach-no-cham-dong.csv"
    upload.write_bytes(data)
    page = admin_page
    open_page(page, server.url, BY_PATH["nhap-so-lieu"])
    page.locator('[data-testid="stRadio"]').get_by_text("Danh sách đơn vị nợ, chậm đóng", exact=True).click()
    wait_idle(page)
    review, saved = save_upload(page, upload, "danh-sach-no")
    assert review["Lỗi"] == "0" and "2 dòng" in saved
    server.mirror_upload(data, upload.name, accounts.User(ADMIN.username, ADMIN.display_name, "admin"), "employers")

    seen, text = visitor_sees(chromium_browser, server.url, LARGEST, "truoc", False)
    assert not seen and "Danh sách đơn vị vi phạm" not in text

    open_page(page, server.url, BY_PATH["quan-tri"])
    page.get_by_role("tab", name="Công khai danh sách nợ").click()
    page.get_by_label("Nguồn", exact=True).fill(SOURCE)
    page.get_by_role("button", name="Công bố danh sách").click()
    page.get_by_text(f"Đã công bố danh sách tháng {int(period[5:])}/{period[:4]} (2 đơn vị)").wait_for()
    wait_idle(page)
    assert_clean(page, "quan-tri-cong-bo")

    seen, text = visitor_sees(chromium_browser, server.url, LARGEST, "da-cong-bo", True)
    assert seen
    assert f"Danh sách đơn vị vi phạm về đóng BHXH tháng {int(period[5:])}/{period[:4]}" in text
    assert f"Nguồn: {SOURCE}." in text

    page.get_by_role("tab", name="Công khai danh sách nợ").click()
    page.get_by_role("button", name="Rút khỏi trang công khai").click()
    page.get_by_text("khỏi trang công khai.").first.wait_for()
    wait_idle(page)
    seen, text = visitor_sees(chromium_browser, server.url, LARGEST, "da-rut", False)
    assert not seen and "Danh sách đơn vị vi phạm" not in text
