"""tests/test_hostile.py's attacks against a real server, through a real browser, and the server's peak memory.

One ``streamlit run serve.py`` on the demo database, one Chromium. An administrator opens the pages the attacks
go through (the baseline: the server's peak memory before any attack), then runs every console bomb of the
suite in the SQL console, uploads every upload bomb and disguised file on "Nhập số liệu", and last twenty
sessions send a wrong password at once. After each step the server process's VmHWM (the most resident memory
it has ever held) is read from /proc; the console's and the readers' own processes are children of the fork
server, not of the server, and are bounded by their own limits.
"""

from __future__ import annotations

import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench import browser as b
from tests.fixtures import bombs
from tests.test_hostile import CONSOLE_BOMBS, MORE_UPLOADS

TARGET_MIB = 1536
PARALLEL_LOGINS = 20
TIMEOUT_MS = 300_000  # only stops a hung page: the slowest step, an upload read to its limit, takes about a minute
MIME = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# Nothing runs, nothing is stale, and nothing has changed for a second: an upload starts more than one run.
SETTLED = """() => {
  const app = document.querySelector('[data-testid="stApp"]'), last = window.__states.at(-1);
  return app && app.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-stale="true"], [data-testid="stStatusWidgetRunningIcon"]')
    && (!last || performance.now() - last.t > 1000);
}"""


def _step(page, trigger) -> float:
    """Seconds from ``trigger`` until the page has settled after every run it started."""
    started = time.perf_counter()
    b._run(page, trigger)
    page.wait_for_function(SETTLED, timeout=TIMEOUT_MS, polling=100)
    return time.perf_counter() - started


def _visit(page, path: str) -> float:
    link = page.locator(f'[data-testid="stSidebarNav"] a[href$="/{path}"]')
    if not link.count():  # the sidebar lists ten pages until "View more" is pressed
        page.locator('[data-testid="stSidebarNavViewButton"]').click()
    return _step(page, link.click)


def _shown(page, testid: str) -> str:
    found = page.locator(f'[data-testid="{testid}"]')
    return " ".join(found.first.inner_text().split())[:90] if found.count() else ""


def _console(page, record) -> None:
    _visit(page, "kham-pha")
    page.get_by_role("tab", name="Truy vấn SQL").click()
    for name, sql, *_ in CONSOLE_BOMBS:
        page.get_by_label("Câu lệnh SELECT").fill(sql)
        seconds = _step(page, page.get_by_role("button", name="Chạy truy vấn").click)
        record(f"console: {name}", _shown(page, "stAlertContentError") or "answered", seconds)


def _uploads(page, record) -> None:
    _visit(page, "nhap-so-lieu")
    files = bombs.upload_bombs() | {name: (data, filename) for name, data, filename, _ in MORE_UPLOADS}
    chooser = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    for name, (data, filename) in files.items():
        payload = {"name": filename, "mimeType": MIME[filename.rsplit(".", 1)[1]], "buffer": data}
        seconds = _step(page, lambda p=payload: chooser.set_input_files(files=[p]))
        cards = page.locator('[data-testid="stMetric"]')
        errors = next((" ".join(c.inner_text().split()) for c in cards.all() if "Lỗi" in c.inner_text()), "")
        record(f"upload: {name} ({len(data) / 2**20:.1f} MB)", errors or _shown(page, "stAlertContentError"), seconds)


def _logins(chromium, url: str, record) -> None:
    """Twenty sessions on the login page, then a wrong password from each, clicked one right after another."""
    contexts = [chromium.new_context() for _ in range(PARALLEL_LOGINS)]
    try:
        pages = []
        for n, context in enumerate(contexts):
            page = context.new_page()
            page.add_init_script(b.OBSERVER)
            page.goto(f"{url}/dang-nhap")
            page.get_by_label("Mật khẩu").wait_for()
            page.get_by_label("Tên đăng nhập").fill(b.LOGIN[0])
            page.get_by_label("Mật khẩu").fill(f"doan-mo-{n}-lan")
            pages.append(page)
        started = time.perf_counter()
        for page in pages:
            page.get_by_role("button", name="Đăng nhập", exact=True).click(no_wait_after=True)
        refused = 0
        for page in pages:
            page.locator('[data-testid="stAlertContentError"]').wait_for(timeout=TIMEOUT_MS)
            refused += 1
        record(f"{PARALLEL_LOGINS} wrong passwords at once", f"{refused} refused",
               time.perf_counter() - started)
    finally:
        for context in contexts:
            context.close()


def measure(workdir: Path) -> dict:
    """Every step with its outcome, its seconds and the server's peak memory after it; the peak before and after."""
    database = workdir / "hostile.duckdb"
    b.demo_database(database)
    port = b._free_port()
    url = f"http://127.0.0.1:{port}"
    server = b._serve(b.ROOT / "serve.py", port, database)
    steps = []

    def record(what: str, outcome: str, seconds: float) -> None:
        steps.append({"step": what, "outcome": outcome, "seconds": seconds,
                      "server_peak_mib": b.peak_memory_mib(server.pid)})

    try:
        b._wait_healthy(port, server)
        with sync_playwright() as p:
            chromium = p.chromium.launch(executable_path=b.CHROMIUM, args=b.CHROMIUM_ARGS)
            context = chromium.new_context(viewport={"width": 1400, "height": 1000})
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            page.add_init_script(b.OBSERVER)
            page.goto(url)  # the first session of a fresh server must start at "/" (see tests/e2e/conftest.py)
            page.locator("h1", has_text="Tổng quan").wait_for()
            _visit(page, "dang-nhap")
            b._sign_in(page)
            record("signed in", "", 0.0)
            record("Khám phá opened", "", _visit(page, "kham-pha"))
            record("Nhập số liệu opened", "", _visit(page, "nhap-so-lieu"))
            baseline = steps[-1]["server_peak_mib"]
            _console(page, record)
            _uploads(page, record)
            context.close()
            _logins(chromium, url, record)
            version = chromium.version
            chromium.close()
        peak = b.peak_memory_mib(server.pid)
    finally:
        server.terminate()
        server.wait(60)
    return {"steps": steps, "baseline_mib": baseline, "peak_mib": peak, "target_mib": TARGET_MIB,
            "chromium": version}


def table(raw: dict) -> list[str]:
    """The steps in bench/README.md."""
    verdict = "under" if raw["peak_mib"] < raw["target_mib"] else "OVER"
    lines = ["", "### The hostile suite against a real server (tests/test_hostile.py's attacks, in Chromium)", "",
             f"Server peak memory (VmHWM): {raw['baseline_mib']:.0f} MiB with the pages open before any attack, "
             f"{raw['peak_mib']:.0f} MiB after all of them: {verdict} the target of {raw['target_mib']} MiB.", "",
             "| Step | What the page said | Seconds | Server peak after |", "|---|---|---:|---:|"]
    for s in raw["steps"]:
        outcome = s["outcome"].replace("|", "/")
        lines.append(f"| {s['step']} | {outcome} | {s['seconds']:.1f} | {s['server_peak_mib']:.0f} MiB |")
    return lines
