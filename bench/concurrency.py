"""Page times with five users at once against one user alone, and where the CPU went.

One server on the demo database, one Chromium. A single user tours every page (after a warm-up tour),
then five users, each in a context (a Streamlit session) of its own, tour them at once for a bounded number
of tours, pausing like a reader between pages. A page's time runs from the click on its sidebar link to the
end of the script run it starts, on the page's own clock (bench/browser.py's observer). The browsers run at
a lower CPU priority than the server, as officials' computers would not share the server's cores; the CPU
the server used and the CPU everything else used (browsers, this process) are reported side by side.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import statistics
import threading
from pathlib import Path

from playwright.async_api import TimeoutError as PlaywrightTimeout
from playwright.async_api import async_playwright

from bench import browser as b

USERS, SINGLE_TOURS, LOADED_TOURS = 5, 2, 3
THINK_S = (1.5, 2.5)  # a loaded user reads each page this long (seeded per user)
CLIENT_NICE = 10
PAGES = {**b.PUBLIC_PAGES, **b.SIGNED_IN_PAGES}
PAGES.pop("dang-nhap")  # signed-in users no longer see the login page
TIMEOUT_MS = 120_000
LOST_CLICK_MS = 60_000  # a run is seen to end within a few seconds, even under load


async def _run(page, trigger) -> float:
    """Seconds from the trigger to the end of the run it starts; a click lost on a busy machine is made again."""
    for attempt in range(2):
        await page.wait_for_function(b.IDLE, timeout=TIMEOUT_MS)
        mark = await page.evaluate("performance.now()")
        await trigger()
        try:
            finished = await page.wait_for_function(b.FINISHED, arg=mark, timeout=LOST_CLICK_MS)
        except PlaywrightTimeout:
            if attempt:
                raise
        else:
            return (await finished.json_value() - mark) / 1000


async def _visit(page, path: str) -> float:
    nav = page.locator('[data-testid="stSidebarNav"]')
    link = nav.locator(f'a[href$="/{path}"]')
    if not await link.count():  # the default page's link may point at "/"
        link = nav.locator("a", has_text=PAGES[path]).first
    return await _run(page, link.click)


async def _user(context, url: str) -> object:
    page = await context.new_page()
    await page.add_init_script(b.OBSERVER)
    await page.goto(f"{url}/dang-nhap")
    await page.get_by_label("Tên đăng nhập").fill(b.LOGIN[0])
    await page.get_by_label("Mật khẩu").fill(b.LOGIN[1])
    await _run(page, page.get_by_role("button", name="Đăng nhập", exact=True).click)
    await page.get_by_text("Đo hiệu năng · Quản trị").wait_for()
    return page


async def _tours(page, order: list[str], tours: int, times: dict, think: random.Random | None) -> None:
    for _ in range(tours):
        for path in order:
            times.setdefault(path, []).append(await _visit(page, path))
            if think is not None:
                await asyncio.sleep(think.uniform(*THINK_S))


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def busy_seconds() -> float:
    """CPU seconds all cores have spent busy since boot (Linux /proc/stat)."""
    with open("/proc/stat") as stat:
        ticks = [int(v) for v in stat.readline().split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


async def _measure(url: str, server_pid: int) -> dict:
    order = list(PAGES)[1:] + list(PAGES)[:1]
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=b.CHROMIUM, args=b.CHROMIUM_ARGS)
        try:
            contexts = [await chromium.new_context(viewport={"width": 1400, "height": 1000})
                        for _ in range(USERS + 1)]
            warm = await contexts[0].new_page()  # a fresh server's first session must open the main page
            await warm.goto(url)
            await warm.locator("h1", has_text="Tổng quan").wait_for(timeout=TIMEOUT_MS)
            await warm.close()
            single: dict[str, list[float]] = {}
            page = await _user(contexts[0], url)
            await _tours(page, order, 1, {}, None)
            await _tours(page, order, SINGLE_TOURS, single, None)
            pages = [await _user(c, url) for c in contexts[1:]]
            loaded: dict[str, list[float]] = {}
            loop = asyncio.get_running_loop()
            began, server_before, busy_before = loop.time(), cpu_seconds(server_pid), busy_seconds()
            await asyncio.gather(*[_tours(pg, order[3 * n:] + order[:3 * n], LOADED_TOURS, loaded, random.Random(n))
                                   for n, pg in enumerate(pages)])
            seconds = loop.time() - began
            server_cpu, busy = cpu_seconds(server_pid) - server_before, busy_seconds() - busy_before
            return {"chromium": chromium.version, "single": single, "loaded": loaded, "seconds": seconds,
                    "server_cpu_s": server_cpu, "other_cpu_s": busy - server_cpu, "cores": os.cpu_count()}
        finally:
            await chromium.close()


def _in_thread(coroutine) -> dict:
    """The measuring thread runs at CLIENT_NICE; Playwright's driver and Chromium inherit it."""
    outcome = {}

    def target():
        with contextlib.suppress(AttributeError, OSError):  # Linux: niceness is per thread, and inherited
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), CLIENT_NICE)
        outcome["value"] = asyncio.run(coroutine)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "value" not in outcome:
        raise RuntimeError("the concurrency run failed; see the traceback above")
    return outcome["value"]


def measure(workdir: Path) -> dict:
    """Single-user and loaded medians per page, with the raw samples and the CPU split."""
    database = workdir / "concurrency.duckdb"
    b.demo_database(database)
    port = b._free_port()
    server = b._serve(b.ROOT / "serve.py", port, database)
    try:
        b._wait_healthy(port, server)
        raw = _in_thread(_measure(f"http://127.0.0.1:{port}", server.pid))
    finally:
        server.terminate()
        server.wait(30)
    raw["pages"] = {path: {"title": PAGES[path], "single_median_s": statistics.median(raw["single"][path]),
                           "loaded_median_s": statistics.median(raw["loaded"][path]),
                           "loaded_n": len(raw["loaded"][path])} for path in PAGES}
    return raw


def table(raw: dict, date: str) -> list[str]:
    """The Markdown section for bench/README.md."""
    seconds, cores = raw["seconds"], raw["cores"]
    lines = ["", f"### {USERS} users at once against one alone ({date}; headless Chromium {raw['chromium']})", "",
             f"{USERS} sessions, {LOADED_TOURS} tours of every page each, pausing {THINK_S[0]}–{THINK_S[1]} s "
             "per page; "
             f"{seconds:.0f} s in all. CPU: the server {raw['server_cpu_s']:.0f} s "
             f"({raw['server_cpu_s'] / seconds:.0%} of one core), everything else (browsers, the measuring "
             f"process) {raw['other_cpu_s']:.0f} s, of {cores} cores × {seconds:.0f} s.", "",
             "| Page | One user, median | Five users, median | Ratio | Samples under load |",
             "|---|---:|---:|---:|---:|"]
    for figures in raw["pages"].values():
        alone, busy = figures["single_median_s"], figures["loaded_median_s"]
        lines.append(f"| {figures['title']} | {alone:.2f} s | {busy:.2f} s | {busy / alone:.1f}× | "
                     f"{figures['loaded_n']} |")
    return lines
