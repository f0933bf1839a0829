"""Every file a page hands out, as an administrator sees it, fetched by someone else: without a cookie, with a
viewer's cookie. Only the administrator's own browser gets them (that each download is audited:
tests/test_hostile.py); no page offers a file
through Streamlit's open /media/ URLs, and the server's metrics are closed to everyone but an administrator."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from tests.e2e.conftest import PAGES, VIEWER, login, open_page, wait_idle, wait_rendered
from web import session_cookie

pytestmark = pytest.mark.browser

PROFILED = "11986"  # Xã Như Quỳnh
LINKS_JS = """() => [...document.querySelectorAll('a.tai-ve')].map(a => [a.textContent.trim(), a.href])"""
MEDIA_JS = """() => [...document.querySelectorAll('a[href*="/media/"], [data-testid="stDownloadButton"]')]
    .map(e => e.href || e.textContent)"""
# The pages that offer files to an administrator on the demo data, and how many each offers at least.
EXPECTED = {"xa-cham-tien-do": 2, "du-bao-2030": 1, "ho-so-xa": 1, "bao-cao": 2, "bao-cao-nam": 6,
            "kinh-phi-ho-tro": 1, "nhap-so-lieu": 2, "chi-tieu-nam": 2, "kham-pha": 2, "quan-tri": 3}


def status(url: str, cookie: str | None = None) -> int:
    request = urllib.request.Request(url, headers={"Cookie": f"{session_cookie.NAME}={cookie}"} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code


def cookie_of(context) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == session_cookie.NAME)


def every_link(page, server) -> dict[str, list[tuple[str, str]]]:
    """url path -> (label, URL) of each download link on that page, the fresh backup's included."""
    found = {}
    for target in PAGES:
        open_page(page, server.url, target)
        if target.url_path == "ho-so-xa":  # a commune's profile, as a link from a table opens it
            page.goto(f"{server.url}/ho-so-xa?ma={PROFILED}")
            wait_rendered(page, target.heading)
        if target.url_path == "quan-tri":
            page.get_by_role("tab", name="Sao lưu").click()
            page.get_by_role("button", name="Sao lưu ngay").click()
            page.locator("a.tai-ve", has_text="Tải bản sao lưu").wait_for()
            wait_idle(page)
        assert page.evaluate(MEDIA_JS) == [], f"{target.url_path} offers a file through /media/"
        found[target.url_path] = page.evaluate(LINKS_JS)
    return found


def test_no_file_leaves_without_its_owner(admin_page, server, chromium_browser):
    links = every_link(admin_page, server)
    assert {path: len(links[path]) >= least for path, least in EXPECTED.items()} == dict.fromkeys(EXPECTED, True)
    assert [path for path, shown in links.items() if shown and path not in EXPECTED] == []
    everything = [url for shown in links.values() for _, url in shown]
    assert all("/api/tai-ve/" in url for url in everything)

    viewer = chromium_browser.new_context()
    login(viewer.new_page(), server.url, VIEWER)
    refused = {url: (status(url), status(url, cookie_of(viewer))) for url in everything}
    viewer.close()
    assert refused == {url: (403, 403) for url in everything}
    mine = cookie_of(admin_page.context)
    assert {url: status(url, mine) for url in everything} == {url: 200 for url in everything}


def test_metrics_only_for_an_administrator(admin_page, server, chromium_browser):
    url = f"{server.url}/_stcore/metrics"
    viewer = chromium_browser.new_context()
    login(viewer.new_page(), server.url, VIEWER)
    assert (status(url), status(url, cookie_of(viewer)), status(url, cookie_of(admin_page.context))) == (
        403, 403, 200)
    viewer.close()
