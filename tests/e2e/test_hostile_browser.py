"""A runaway console query in one browser session does not hold up another session's pages."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ADMIN, ANALYST, BY_PATH, VIEWPORT, assert_clean, login, open_page, wait_rendered

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
