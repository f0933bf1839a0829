"""Links as leaders receive them: every page's own URL for every role, a login that survives a reload and a
new tab, logout and disabling that end the session for good, unknown paths, and no English on screen."""

from __future__ import annotations

import contextlib
import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.conftest import (
    ADMIN,
    ANALYST,
    BY_PATH,
    DISPOSABLE,
    LOGIN,
    PAGES,
    TIMEOUT_MS,
    VIEWER,
    AppPage,
    assert_clean,
    login,
    open_page,
    shot,
    url_path,
    wait_idle,
    wait_rendered,
)

pytestmark = pytest.mark.browser

# Streamlit's English words that must never be on screen (text, placeholders, tooltips).
ENGLISH = ("Deploy", "Rerun", "Clear cache", "Print", "Record a screencast", "Made with Streamlit", "View more",
           "View less", "Page not found", "Running the app's main page", "Upload", "Drag and drop file here",
           "200MB per file", "Browse files", "No results", "None", "empty", "Download as CSV", "Search",
           "Fullscreen", "Choose an option", "Choose options", "Clear all", "Made with")
# The pages not open to everyone and the least role that opens each (README, "Roles").
NEEDS = {"nhap-so-lieu": "analyst", "chi-tieu-nam": "analyst", "kham-pha": "analyst", "quan-tri": "admin"}
RANK = {None: 0, "viewer": 1, "analyst": 2, "admin": 3}  # None: anyone, as a need
ROLES = {"anonymous": (None, None), "viewer": (VIEWER, "viewer"), "analyst": (ANALYST, "analyst"),
         "admin": (ADMIN, "admin")}
COOKIE = "bhxh_phien"
# Tooltips of visible elements, and placeholders where they show: in an empty field that shows no choice.
ON_SCREEN_JS = """() => [...document.querySelectorAll('[title], [placeholder]')]
    .filter(e => e.offsetParent !== null)
    .map(e => `${e.getAttribute('title') || ''} ${e.value === '' && !e.closest('[data-baseweb="select"]')
        ?.querySelector('[data-baseweb="tag"]') ? e.getAttribute('placeholder') || '' : ''}`)"""


def english_on(page) -> list[str]:
    """Streamlit's English words in the page's visible text, placeholders and tooltips."""
    text = " ".join([page.locator("body").inner_text(), *page.evaluate(ON_SCREEN_JS)])
    return [word for word in ENGLISH if re.search(rf"\b{re.escape(word)}\b", text)]


BLANK_CELLS_JS = """() => [...document.querySelectorAll('td[role="gridcell"]')]
    .filter(c => c.textContent.trim() === '').length"""


def blank_cells(page) -> int:
    """Table cells drawn as Streamlit's grey "None" or as nothing (their accessible text is empty); only the rows
    a table has drawn are in the page. A grid fills its cells just after the run ends (at once when the figures
    come from the cache): a cell still empty once the grid has had time to fill counts."""
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(f"() => ({BLANK_CELLS_JS})() === 0", timeout=30_000, polling=100)
    return page.evaluate(BLANK_CELLS_JS)


def heading_for(target: AppPage, role: str | None) -> str:
    """A page the role opens shows its own title; a visitor elsewhere gets the login, an account its refusal."""
    need = NEEDS.get(target.url_path)
    if need is None or RANK[role] >= RANK[need]:
        return target.heading
    return LOGIN.heading if role is None else target.nav


def signed_in_as(page, account) -> bool:
    sidebar = page.locator('[data-testid="stSidebar"]').text_content()  # also while folded away on a phone
    return account.display_name in sidebar and "Đăng xuất" in sidebar


def wait_signed_in(page, account) -> None:
    """The sidebar names the account and offers the logout (it may be folded away, on a phone)."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text(account.display_name, exact=False).first.wait_for(state="attached")
    sidebar.get_by_role("button", name="Đăng xuất").wait_for(state="attached")


def session_cookie(context) -> dict:
    return next(c for c in context.cookies() if c["name"] == COOKIE)


def test_the_first_visitor_of_a_fresh_server_gets_the_page_asked_for(warm_server):
    assert warm_server.first_visit == []


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_at_its_own_url(context, server, role):
    account, rank = ROLES[role]
    page = context.new_page()
    if account is not None:
        login(page, server.url, account)
    listed = {p.path for p in PAGES if RANK[rank] >= RANK[NEEDS.get(p.url_path)]} | (
        {f"/{LOGIN.url_path}"} if account is None else set())
    for target, path in [(BY_PATH["tong-quan"], "/"), *((p, f"/{p.url_path}") for p in (*PAGES, LOGIN))]:
        page.goto(f"{server.url}{path}")
        wait_rendered(page, heading_for(target, rank))
        where = f"{role}{path}"
        assert url_path(page) == path, where
        assert_clean(page, where)
        assert english_on(page) == [], (where, shot(page, f"FAIL-english-{role}-{target.url_path}"))
        assert blank_cells(page) == 0, (where, shot(page, f"FAIL-blank-{role}-{target.url_path}"))
        if account is not None:
            wait_signed_in(page, account)  # every fresh load keeps the login
        links = page.locator('[data-testid="stSidebarNav"] a[data-testid="stSidebarNavLink"]')
        assert {urlparse(a).path for a in links.evaluate_all("els => els.map(e => e.href)")} == listed, where


def test_a_reload_and_a_new_tab_keep_the_login(context, server):
    page = context.new_page()
    login(page, server.url, ANALYST)
    open_page(page, server.url, BY_PATH["nhap-so-lieu"])
    cookie = session_cookie(context)
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Strict", "/")
    page.reload()
    wait_rendered(page, BY_PATH["nhap-so-lieu"].heading)
    wait_signed_in(page, ANALYST)
    assert url_path(page) == "/nhap-so-lieu"
    assert cookie["value"] not in page.url
    tab = context.new_page()
    tab.goto(f"{server.url}/kham-pha")
    wait_rendered(tab, BY_PATH["kham-pha"].heading)
    wait_signed_in(tab, ANALYST)


def test_logout_ends_the_session_for_the_cookie_too(chromium_browser, context, server):
    page = context.new_page()
    login(page, server.url, ANALYST)
    kept = session_cookie(context)
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Đăng xuất").click()
    page.locator('[data-testid="stMain"]').get_by_text("Đã đăng xuất.").wait_for()
    wait_idle(page)
    assert not signed_in_as(page, ANALYST)
    replay = chromium_browser.new_context(locale="vi-VN")  # someone who copied the cookie before the logout
    try:
        replay.add_cookies([kept])
        other = replay.new_page()
        other.goto(f"{server.url}/nhap-so-lieu")
        wait_rendered(other, LOGIN.heading, TIMEOUT_MS)
        assert not signed_in_as(other, ANALYST)
    finally:
        replay.close()


def test_disabling_an_account_ends_its_session_at_the_next_click(chromium_browser, context, server):
    page = context.new_page()
    login(page, server.url, DISPOSABLE)
    kept = session_cookie(context)
    admin = chromium_browser.new_context(locale="vi-VN", viewport={"width": 1400, "height": 1000})
    try:
        console = admin.new_page()
        login(console, server.url, ADMIN)
        open_page(console, server.url, BY_PATH["quan-tri"])
        console.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').filter(
            has=console.get_by_text("Tài khoản", exact=True)).click()
        console.get_by_role("option", name=DISPOSABLE.username, exact=True).click()
        wait_idle(console)
        console.get_by_role("button", name="Khoá", exact=True).click()
        console.get_by_text(f"Đã khoá tài khoản «{DISPOSABLE.username}»", exact=False).wait_for()
    finally:
        admin.close()
    open_page(page, server.url, BY_PATH["tu-nguyen"])  # the next click
    page.locator('[data-testid="stMain"]').get_by_text("tài khoản đã bị khoá", exact=False).wait_for()
    assert not signed_in_as(page, DISPOSABLE)
    replay = chromium_browser.new_context(locale="vi-VN")
    try:
        replay.add_cookies([kept])
        other = replay.new_page()
        other.goto(f"{server.url}/ke-hoach")
        wait_rendered(other, BY_PATH["ke-hoach"].heading, TIMEOUT_MS)
        assert not signed_in_as(other, DISPOSABLE)
    finally:
        replay.close()


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_login_reload_and_unknown_paths_on_screen(chromium_browser, warm_server, size):
    width, height = size
    ctx = chromium_browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    try:
        page = ctx.new_page()
        page.goto(f"{warm_server.url}/{LOGIN.url_path}")
        wait_rendered(page, LOGIN.heading)
        page.get_by_label("Mật khẩu", exact=True).wait_for()  # the form's widgets load after the heading
        shot(page, f"links-login-{width}")
        login(page, warm_server.url, VIEWER)
        page.goto(f"{warm_server.url}/bang-diem")
        wait_rendered(page, BY_PATH["bang-diem"].heading)
        page.reload()
        wait_rendered(page, BY_PATH["bang-diem"].heading)
        wait_signed_in(page, VIEWER)
        shot(page, f"links-reload-{width}")
        for unknown in ("/khong-co-trang-nay", "/ban-do/cu/2024"):
            answer = page.goto(f"{warm_server.url}{unknown}")
            assert answer.status == 404
            page.locator("h1").filter(has_text="Không tìm thấy trang").wait_for()
            assert unknown in page.locator("main").inner_text() and english_on(page) == []
        shot(page, f"links-unknown-{width}")
    finally:
        ctx.close()
