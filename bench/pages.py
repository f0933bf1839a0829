"""Each page against its "same elements" page, at the province's scale and at the nation's.

For a database, every page is recorded once (bench/elements.py), then the app and bench/replay.py
are served side by side with the same flags. Per page:

- server script time: a simulated session (bench/loadgen.py) opens the page, then reruns it; the
  time from the rerun request to ``script_finished``, without a browser;
- time to drawn, in headless Chromium: from the click on the page's sidebar link (a visit) or the
  «R» key (a warm rerun) until the script run has finished and every chart, map and table on screen
  holds its canvas or SVG.

The national database holds every unit of the 34 provinces with its target and 60 months of results
(bench/national.py), served with the shipped plan moved to a baseline 60 months back.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psutil
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from analytics.access import accounts
from analytics.access.accounts import User
from analytics.settings import DATA_DIR, ROOT
from analytics.storage import db, writes
from bench import browser as b
from bench import elements, loadgen, national

ADMIN = User(b.LOGIN[0], "Đo hiệu năng", "admin")
SCRIPTS = {"tong-quan": "overview", "ban-do": "map", "tu-nguyen": "voluntary", "xa-cham-tien-do": "lagging",
           "du-bao-2030": "forecast", "no-cham-dong": "arrears", "bang-diem": "scorecard",
           "tien-do-bao-cao": "completeness", "bao-cao": "briefing", "bao-cao-nam": "annual_report",
           "kinh-phi-ho-tro": "budget", "cong-khai": "public", "ke-hoach": "home",
           "kiem-tra-du-lieu": "data_check",
           "dang-nhap": "login", "nhap-so-lieu": "upload", "chi-tieu-nam": "annual", "kham-pha": "explore",
           "quan-tri": "admin"}
SIGNED_IN = set(b.SIGNED_IN_PAGES)
# Every chart, map and table on screen holds what it draws on; the script run is over.
DRAWN = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const shown = [...document.querySelectorAll('[data-testid="stVegaLiteChart"], [data-testid="stDeckGlJsonChart"],'
                                              + ' [data-testid="stDataFrame"]')].filter(e => e.offsetParent !== null);
  return shown.every(e => e.querySelector('canvas, svg')) ? performance.now() : false;
}"""


def _ws_name(path: str) -> str:
    return "" if path == "tong-quan" else path  # the default page is served at "/"


def plan_for(settings, workdir: Path) -> Path:
    """A copy of the shipped plan directory with the national bench's baseline month."""
    target = workdir / "plan-national"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns("*.duckdb*"), dirs_exist_ok=True)
    plan = target / "plan.toml"
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text.replace('baseline_month = "2026-01"', f'baseline_month = "{settings.baseline_month}"'),
                    encoding="utf-8")
    return plan


def national_database(workdir: Path, nation: national.Nation) -> Path:
    """The national units, targets and 60 months of results, and the bench's admin account."""
    path = workdir / "app-national.duckdb"
    national.build_base(path, nation)
    con = db.connect(path)
    writes.record_upload(con, nation.table, kind="monthly", file_name="national", sha256="bench",
                        user=national.BENCH_USER, rows_read=len(nation.table))
    writes.create_user(con, accounts.SYSTEM, b.LOGIN[0], "Đo hiệu năng", "admin", b.LOGIN[1])
    con.close()
    return path


def record_all(database: Path, plan: Path | None, out: Path) -> None:
    """Every page's recording, in a child process pointed at ``database`` (and ``plan``)."""
    env = {**os.environ, "BHXH_DB": str(database), **({"BHXH_PLAN": str(plan)} if plan else {})}
    subprocess.run([sys.executable, "-m", "bench.pages", "record", str(out)], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=1800)


def _record_main(out: str) -> None:
    recordings = {}
    for path in SCRIPTS:
        recordings[path] = elements.record(path, user=ADMIN if path in SIGNED_IN else None)
    with open(out, "wb") as f:
        pickle.dump(recordings, f)


def serve(script: str, port: int, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Served:
    """The app or the replay on a free port, for as long as the ``with`` lasts."""

    def __init__(self, script: str, env: dict):
        self.port = b._free_port()
        self.server = serve(script, self.port, env)
        b._wait_healthy(self.port, self.server)
        self.url = f"http://127.0.0.1:{self.port}"

    def rss_mib(self) -> float:
        return psutil.Process(self.server.pid).memory_info().rss / 2**20

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.server.terminate()
        try:
            self.server.wait(30)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait()


def script_times(port: int, reruns: int, login: tuple[str, str] | None) -> dict[str, dict]:
    """Per page: the first run in a fresh session and the warm reruns after it, server side."""
    async def run():
        out = {}
        for path in SCRIPTS:
            if path == "dang-nhap":
                continue
            runs = await loadgen.one_run(port, _ws_name(path), reruns, login if path in SIGNED_IN else None)
            out[path] = {"first_s": runs[0].seconds, "warm_s": [r.seconds for r in runs[1:]],
                         "elements": dict(runs[-1].elements), "errors": [e for r in runs for e in r.errors]}
        return out
    return asyncio.run(run())


def _drawn(page, trigger) -> float:
    """Seconds from ``trigger`` until the run it starts has finished and every chart is drawn.

    A click the page lost (no run starts within a minute, on a busy machine) is made once more.
    """
    page.wait_for_function(b.IDLE, timeout=120_000)
    mark = page.evaluate("performance.now()")
    trigger()
    try:
        page.wait_for_function(b.FINISHED, arg=mark, timeout=60_000, polling=20)
    except PlaywrightTimeout:
        mark = page.evaluate("performance.now()")
        trigger()
        page.wait_for_function(b.FINISHED, arg=mark, timeout=120_000, polling=20)
    end = page.wait_for_function(DRAWN, timeout=120_000, polling=20).json_value()
    return (end - mark) / 1000


def _link(page, path: str):
    """The page's sidebar link ("View more" pressed if need be; the default page's points at "/")."""
    nav = page.locator('[data-testid="stSidebarNav"]')
    link = nav.locator(f'a[href$="/{path}"]')
    if not link.count() and nav.locator('[data-testid="stSidebarNavViewButton"]').count():
        nav.locator('[data-testid="stSidebarNavViewButton"]').click()
    if not link.count():
        link = nav.locator("a", has_text={**b.PUBLIC_PAGES, **b.SIGNED_IN_PAGES}[path]).first
    return link


def draw_times(browser, url: str, reruns: int, sign_in: bool) -> dict[str, dict]:
    """Per page: a visit from the sidebar and warm «R» reruns, each until drawn."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.add_init_script(b.OBSERVER)
    page.goto(url)
    page.wait_for_function(DRAWN, timeout=120_000)
    out = {}
    try:
        public = [p for p in SCRIPTS if p not in SIGNED_IN and p != "dang-nhap"]
        for path in public[1:] + public[:1] + sorted(SIGNED_IN):  # the tour starts on the first page
            if path in SIGNED_IN and sign_in and not out.get("_signed_in"):
                _link(page, "dang-nhap").click()
                b._sign_in(page)
                out["_signed_in"] = True
            try:
                visit = _drawn(page, _link(page, path).click)
            except Exception as exc:
                raise RuntimeError(f"{url}/{path}: {exc}") from exc
            page.evaluate("document.activeElement && document.activeElement.blur()")
            warm = [_drawn(page, lambda: page.keyboard.press("r")) for _ in range(reruns)]
            out[path] = {"visit_s": visit, "warm_s": warm}
    finally:
        context.close()
    out.pop("_signed_in", None)
    return out


def measure(workdir: Path, scale: str, database: Path, plan: Path | None, reruns: int) -> dict:
    """Recordings, then script and draw times of the app and of its same-elements page, and the app's memory."""
    recordings = workdir / f"recordings-{scale}.pkl"
    record_all(database, plan, recordings)
    env = {"BHXH_DB": str(database), **({"BHXH_PLAN": str(plan)} if plan else {})}
    out = {"scale": scale}
    with Served("serve.py", env) as app, Served("bench/replay.py", {"BHXH_REPLAY": str(recordings)}) as replay:
        out["script_app"] = script_times(app.port, reruns, b.LOGIN)
        out["script_replay"] = script_times(replay.port, reruns, None)
        out["rss_after_every_page_mib"] = app.rss_mib()
        with sync_playwright() as p:
            chromium = p.chromium.launch(executable_path=b.CHROMIUM, args=b.CHROMIUM_ARGS)
            out["chromium"] = chromium.version
            out["draw_app"] = draw_times(chromium, app.url, reruns, sign_in=True)
            out["draw_replay"] = draw_times(chromium, replay.url, reruns, sign_in=False)
            chromium.close()
        out["rss_after_browser_mib"] = app.rss_mib()
        out["peak_rss_mib"] = b.peak_memory_mib(app.server.pid)
    return out


def summary(raw: dict) -> list[dict]:
    """Per page: medians and ratios of script time and time to drawn, app against same elements."""
    rows = []
    for path in raw["script_app"]:
        app_s, rep_s = raw["script_app"][path], raw["script_replay"][path]
        app_d, rep_d = raw["draw_app"][path], raw["draw_replay"][path]
        row = {"page": b.PUBLIC_PAGES.get(path) or b.SIGNED_IN_PAGES.get(path), "path": path,
               "script_warm_s": statistics.median(app_s["warm_s"]),
               "script_warm_same_s": statistics.median(rep_s["warm_s"]),
               "script_first_s": app_s["first_s"], "drawn_visit_s": app_d["visit_s"],
               "drawn_visit_same_s": rep_d["visit_s"], "drawn_warm_s": statistics.median(app_d["warm_s"]),
               "drawn_warm_same_s": statistics.median(rep_d["warm_s"]),
               "same_elements": app_s["elements"] == rep_s["elements"],
               "errors": app_s["errors"] + rep_s["errors"]}
        row["script_ratio"] = row["script_warm_s"] / row["script_warm_same_s"]
        row["drawn_warm_ratio"] = row["drawn_warm_s"] / row["drawn_warm_same_s"]
        rows.append(row)
    return rows


if __name__ == "__main__":
    if sys.argv[1] == "record":
        _record_main(sys.argv[2])
    else:
        started = time.perf_counter()
        workdir = Path(sys.argv[2])
        workdir.mkdir(parents=True, exist_ok=True)
        demo = workdir / "pages-demo.duckdb"
        b.demo_database(demo)
        result = measure(workdir, "province", demo, None, 3)
        for row in summary(result):
            print(row)
        print(result["rss_after_every_page_mib"], time.perf_counter() - started)
