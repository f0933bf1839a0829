"""A runaway console query in one browser session does not hold up another session's pages."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import (
    ADMIN,
    ANALYST,
    BY_PATH,
    VIEWPORT,
    Account,
    assert_clean,
    login,
    norm,
    open_page,
    wait_rendered,
)

pytestmark = pytest.mark.browser

BOMB = "SELECT levenshtein(repeat('a',250000), repeat('b',250000))"  # ran 206 s in the server before


def test_a_console_bomb_runs_while_another_session_renders_the_overview(context, chromium_browser, server):
    other = chromium_browser.new_context(viewport=VIEWPORT, locale="vi-VN")
    try:
        reader = other.new_page()
        login(reader, server.url, ADMIN)  # lands on the overview
        analyst = context.new_page()
        login(analyst, server.url, ANALYST)
        open_page(analyst, server.url, BY_PATH["kham-pha"])
        analyst.get_by_role("tab", name="Truy vấn SQL").click()
        analyst.get_by_label("Câu lệnh SELECT").fill(BOMB)
        analyst.get_by_role("button", name="Chạy truy vấn").click()
        # While the bomb runs in its own process, the other session moves to another page and back.
        open_page(reader, server.url, BY_PATH["ban-do"])
        open_page(reader, server.url, BY_PATH["tong-quan"])
        assert_clean(reader, "overview-during-console-bomb")
        analyst.get_by_text("vượt quá thời gian cho phép 5 giây").wait_for()
        wait_rendered(analyst, BY_PATH["kham-pha"].heading)
    finally:
        other.close()


# as much markup as a full name's 100 characters hold (accounts.DISPLAY_NAME_MAX)
HOSTILE = "![x](//attacker.example/x.png) [a](//attacker.example) <img src=x onerror=f()> **đậm** :red[đỏ] $x$"
NEWCOMER = Account("an@attacker.example", "e2e-ten-la-an-toan-2030", HOSTILE)
MARKUP = "img, a, strong, em, code, svg, .katex, [data-testid='stIconMaterial']"


def test_a_name_with_markdown_and_html_is_shown_as_typed(admin_page, chromium_browser, server):
    """The administrator creates an account whose name is all markup; the confirmation and the new user's
    sidebar show the characters typed, render none of it, and load nothing from outside."""
    open_page(admin_page, server.url, BY_PATH["quan-tri"])
    admin_page.get_by_label("Tên đăng nhập", exact=True).fill(NEWCOMER.username)
    admin_page.get_by_label("Họ tên", exact=True).fill(NEWCOMER.display_name)
    admin_page.get_by_label("Mật khẩu (ít nhất 10 ký tự)", exact=True).fill(NEWCOMER.password)
    admin_page.get_by_role("button", name="Tạo", exact=True).click()
    done = admin_page.locator('[data-testid="stAlertContentSuccess"]')
    done.wait_for()
    assert norm(done.inner_text().replace("\u2060", "")) == f"Đã tạo tài khoản «{NEWCOMER.username}»."
    assert done.locator(MARKUP).count() == 0
    other = chromium_browser.new_context(viewport=VIEWPORT, locale="vi-VN")
    try:
        page = other.new_page()
        requested = []
        page.on("request", lambda request: requested.append(request.url))
        login(page, server.url, NEWCOMER)
        caption = page.locator('[data-testid="stSidebar"] [data-testid="stCaptionContainer"]').filter(has_text="Xem")
        assert norm(caption.inner_text().replace("\u2060", "")) == f"{HOSTILE} · Xem"
        assert caption.locator(MARKUP).count() == 0
        assert [url for url in requested if "attacker" in url or url.endswith("/x")] == []
        assert_clean(page, "hostile-display-name")
    finally:
        other.close()
