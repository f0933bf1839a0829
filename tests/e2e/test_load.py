"""Five logged-in users at once, each touring every page, after one user has toured them alone.

What this checks is correctness under concurrent use, never speed (page times under load are measured by
``make bench``, see bench/concurrency.py):
- no error element on any page, and every page renders for every user;
- the overview's cards are the same for every user, equal to those one user saw alone, which equal the
  figures ``analytics`` computes from the model copy;
- readers change nothing: once the server has stopped, every table's checksum equals the one taken before it
  started, except the audit log, which has gained exactly one "login" entry per sign-in.

The run is bounded by a count of page visits (PASSES tours of every page for each user), not by a clock. The
users are five contexts of one Chromium (five Streamlit sessions), driven by Playwright's async API from a
thread of their own, since the session's sync Playwright holds the main thread. The test has a server of its
own, so that it can stop it and read its database afterwards.
"""

from __future__ import annotations

import asyncio
import re
import threading
import traceback
from dataclasses import dataclass, field

import pytest
from playwright.async_api import async_playwright

from analytics.storage import db
from tests.e2e.conftest import (
    ADMIN,
    BY_PATH,
    CHROMIUM_ARGS,
    IDLE_JS,
    LOGIN,
    PAGES,
    POLL_MS,
    PROBLEMS,
    SCREENSHOTS,
    TIMEOUT_MS,
    VIEWPORT,
    build_demo,
    norm,
    serving,
)

pytestmark = pytest.mark.browser

USERS = 5
PASSES = 2  # tours of every page per loaded user
HANG_S = 1800  # only stops a hung run: a whole run takes 2-4 minutes on 2 busy cores
OVERVIEW = "tong-quan"
# Start away from the overview, where logging in lands; consecutive pages always differ.
ORDER = PAGES[1:] + PAGES[:1]


@dataclass
class Tour:
    rendered: list[str] = field(default_factory=list)  # url paths, in the order they rendered
    cards: list[dict[str, str]] = field(default_factory=list)  # the overview's cards at each visit
    problems: list[str] = field(default_factory=list)


async def rendered(page, heading: str) -> None:
    title = re.compile(rf"^\s*{re.escape(heading)}\s*$")
    await page.locator("h1").filter(has_text=title).first.wait_for(state="visible")
    await page.wait_for_function(IDLE_JS, timeout=TIMEOUT_MS, polling=POLL_MS)


async def log_in(page, base_url: str) -> None:
    await page.goto(f"{base_url}/{LOGIN.url_path}")
    await rendered(page, LOGIN.heading)
    await page.get_by_label("Tên đăng nhập", exact=True).fill(ADMIN.username)
    await page.get_by_label("Mật khẩu", exact=True).fill(ADMIN.password)
    await page.get_by_role("button", name="Đăng nhập", exact=True).click()
    await rendered(page, BY_PATH[OVERVIEW].heading)


async def visit(page, base_url: str, target, tour: Tour, label: str) -> None:
    await page.locator(f'[data-testid="stSidebarNav"] a[data-testid="stSidebarNavLink"]'
                       f'[href="{base_url}{target.path}"]').click()
    await rendered(page, target.heading)
    tour.rendered.append(target.url_path)
    found = [text for selector in PROBLEMS for text in await page.locator(selector).all_inner_texts()]
    if found:
        shot = SCREENSHOTS / f"e2e-FAIL-load-{label}-{target.url_path}.png"
        await page.screenshot(path=str(shot))
        tour.problems.append(f"{label} {target.url_path}: {[norm(t)[:300] for t in found]} ({shot})")
    if target.url_path == OVERVIEW:
        cards = {}
        for metric in await page.locator('[data-testid="stMetric"]').all():
            name = await metric.locator('[data-testid="stMetricLabel"]').inner_text()
            cards[norm(name)] = norm(await metric.locator('[data-testid="stMetricValue"]').inner_text())
        tour.cards.append(cards)


async def walk(context, base_url: str, order, passes: int, label: str) -> Tour:
    page = await context.new_page()
    await log_in(page, base_url)
    tour = Tour()
    for _ in range(passes):
        for target in order:
            await visit(page, base_url, target, tour, label)
    return tour


async def tours(chromium: str, base_url: str) -> tuple[Tour, list[Tour]]:
    """One user alone, then USERS users at once, each in a context (a session) of its own."""
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            contexts = [await browser.new_context(viewport=VIEWPORT) for _ in range(USERS + 1)]
            for context in contexts:
                context.set_default_timeout(TIMEOUT_MS)
            alone = await walk(contexts[0], base_url, ORDER, 1, "single")
            loaded = await asyncio.gather(*[
                walk(context, base_url, ORDER[3 * n:] + ORDER[:3 * n], PASSES, f"user{n}")
                for n, context in enumerate(contexts[1:])])
            return alone, list(loaded)
        finally:
            await browser.close()


def run_in_thread(coroutine):
    """asyncio.run in a thread of its own: the main thread already runs the session's sync Playwright."""
    outcome = {}

    def target():
        try:
            outcome["value"] = asyncio.run(coroutine)
        except BaseException:  # noqa: BLE001 - re-raised in the test's thread
            outcome["error"] = traceback.format_exc()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(HANG_S)
    assert not thread.is_alive(), f"the load run hung for {HANG_S} s"
    assert "error" not in outcome, outcome.get("error")
    return outcome["value"]


def stored(path) -> tuple[dict[str, str], list[tuple]]:
    """Every table's checksum but those of sign-ins (audit log, sessions, the key that signs them), the audit
    log's rows in order, and each account's count of sessions."""
    con = db.connect(path, read_only=True)
    try:
        sums = db.checksums(con)
        log = con.execute("SELECT actor, action, detail FROM audit_log ORDER BY id").fetchall()
        log.append(con.execute("SELECT username, count(*) FROM sessions GROUP BY ALL").fetchall())
    finally:
        con.close()
    for signing_in in ("audit_log", "sessions", "app_keys"):
        sums.pop(signing_in)
    return sums, log


def test_five_users_at_once(chromium_path, chromium_browser, tmp_path):
    db_file, env = build_demo(tmp_path)
    tables_before, log_before = stored(db_file)
    with serving(db_file, env, tmp_path) as server:
        alone, loaded = run_in_thread(tours(chromium_path, server.url))
        expected_cards = server.expected().cards
    tables_after, log_after = stored(db_file)

    assert not alone.problems, alone.problems
    problems = [p for tour in loaded for p in tour.problems]
    assert not problems, problems
    every_page = [p.url_path for p in ORDER]
    assert alone.rendered == every_page
    for n, tour in enumerate(loaded):
        assert sorted(tour.rendered) == sorted(every_page * PASSES), f"user{n} rendered {tour.rendered}"
    assert alone.cards == [expected_cards]
    shown = [cards for tour in loaded for cards in tour.cards]
    assert len(shown) == USERS * PASSES
    assert all(cards == expected_cards for cards in shown), [c for c in shown if c != expected_cards][:3]

    assert tables_after == tables_before
    sessions_before, sessions_after = log_before.pop(), log_after.pop()
    assert log_after[:len(log_before)] == log_before
    assert log_after[len(log_before):] == [(ADMIN.username, "login", "")] * (USERS + 1)
    assert (sessions_before, sessions_after) == ([], [(ADMIN.username, USERS + 1)])
