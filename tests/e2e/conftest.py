"""The real app in a real browser: a fresh demo database, a Streamlit server on a free port, system Chromium.

How the database is handled. The server holds DuckDB's lock on its file for as long as it runs, so the
test process never opens that file. Before the server starts, the freshly built database (demo data and
both accounts) is copied to a *model* file. Expected figures are computed by ``analytics`` from the
model, never from the server's file. When a test changes the server's data through the browser (the
template upload), it applies the very same bytes to the model with the same ``analytics.intake`` calls
the upload page makes, so the model stays in step and the next expectation is again computed, not
hard-coded. This needs no restart and cannot race with the server's lock.

Tests that change the data (@changes_data: the upload and what checks its aftermath) are sorted after
all others, the load test included.

Navigation is mostly by clicking the sidebar links, as a reader does; the URL path each click leads to is
asserted. Loading a URL path afresh (``page.goto``) starts a new Streamlit session, which the sign-in
cookie keeps logged in (test_links.py opens every page that way, for every role).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import sync_playwright

from analytics import intake
from analytics.access import accounts
from analytics.figures import coverage, standing
from analytics.settings import load_settings
from analytics.storage import db, reads, writes
from analytics.text import fmt
from web import session_cookie

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run",
                 # nothing but the local server: every other host name fails at once, without a DNS query
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
VIEWPORT = {"width": 1400, "height": 1000}
TIMEOUT_MS = 120_000  # only stops a hung page: a render takes 0.3-3 s, more on a busy 2-core machine
SERVER_START_S = 180  # only stops a server that never starts: it takes 3-10 s
POLL_MS = 50  # wait predicates poll on a timer, not on every animation frame (Playwright's default)


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    display_name: str


ADMIN = Account("e2e", "e2e-quan-tri-2030", "Quản trị hệ thống")
ANALYST = Account("e2e-chuyen-vien", "e2e-kiem-thu-bao-hiem-2030", "Chuyên viên kiểm thử")
VIEWER = Account("e2e-lanh-dao", "e2e-lanh-dao-xem-so-lieu-2030", "Lãnh đạo kiểm thử")
DISPOSABLE = Account("e2e-tam-thoi", "e2e-tai-khoan-tam-thoi-2030", "Tài khoản sẽ bị khoá")  # test_links disables it


@dataclass(frozen=True)
class AppPage:
    url_path: str  # as declared in app.py
    nav: str  # the link's label in the sidebar
    heading: str  # the page's st.title
    default: bool = False  # the default page is served at "/"

    @property
    def path(self) -> str:
        return "/" if self.default else f"/{self.url_path}"


_YEAR = load_settings().target_year
PAGES = (
    AppPage("tong-quan", "Tổng quan", "Tổng quan", default=True),
    AppPage("ban-do", "Bản đồ", "Bản đồ theo xã, phường"),
    AppPage("tu-nguyen", "Tự nguyện", "Bảo hiểm xã hội tự nguyện"),
    AppPage("xa-cham-tien-do", "Xã chậm tiến độ", "Xã, phường chậm tiến độ"),
    AppPage("du-bao-2030", f"Dự báo {_YEAR}", f"Dự báo đến năm {_YEAR}"),
    AppPage("no-cham-dong", "Nợ, chậm đóng", "Nợ, chậm đóng BHXH"),
    AppPage("ho-so-xa", "Hồ sơ xã, phường", "Hồ sơ xã, phường"),
    AppPage("bang-diem", "Bảng điểm", "Bảng điểm xã, phường"),
    AppPage("tien-do-bao-cao", "Tiến độ báo cáo", "Tiến độ báo cáo"),
    AppPage("bao-cao", "Báo cáo", "Báo cáo Ban Chỉ đạo"),
    AppPage("bao-cao-nam", "Báo cáo năm", "Báo cáo năm"),
    AppPage("kinh-phi-ho-tro", "Kinh phí hỗ trợ", "Kinh phí hỗ trợ đóng BHXH tự nguyện"),
    AppPage("cong-khai", "Công khai kết quả", "Công khai kết quả phát triển người tham gia BHXH"),
    AppPage("ke-hoach", "Kế hoạch và chỉ tiêu", "Theo dõi phát triển đối tượng tham gia BHXH"),
    AppPage("kiem-tra-du-lieu", "Kiểm tra dữ liệu", "Kiểm tra dữ liệu nguồn"),
    AppPage("nhap-so-lieu", "Nhập số liệu", "Nhập số liệu"),
    AppPage("chi-tieu-nam", "Chỉ tiêu năm", "Chỉ tiêu năm"),
    AppPage("kham-pha", "Khám phá", "Khám phá số liệu"),
    AppPage("quan-tri", "Quản trị", "Quản trị"),
)
BY_PATH = {p.url_path: p for p in PAGES}
LOGIN = AppPage("dang-nhap", "Đăng nhập", "Đăng nhập")


# ---------------------------------------------------------------- expected figures, from the model copy


def norm(text: str) -> str:
    """Whitespace as a reader sees it: '74,3\u00a0%' and '74,3 %' are the same figure."""
    return " ".join(text.split())


@dataclass(frozen=True)
class Expected:
    period: str
    summary: standing.Summary
    has_demo: bool
    coverage: tuple[float, float]  # of the labour force: total and voluntary (NaN without a denominator)

    @property
    def cards(self) -> dict[str, str]:
        """The overview's seven cards as ui/overview.py formats them."""
        s = self.summary
        return {
            "Số người tham gia": fmt.number(s.total),
            f"% chỉ tiêu {_YEAR}": fmt.percent(s.attainment),
            "Tham gia tự nguyện": fmt.number(s.voluntary),
            "% chỉ tiêu tự nguyện tối thiểu": fmt.percent(s.voluntary_attainment),
            "Xã đạt tiến độ": f"{fmt.number(s.on_track)}/{fmt.number(s.units)}",
            "Bao phủ lực lượng lao động": fmt.percent(self.coverage[0]),
            "Bao phủ tự nguyện": fmt.percent(self.coverage[1]),
        }


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path
    model: Path  # a copy of the server's database, kept in step with what the tests changed through the app
    uploaded: bool = False  # a real upload has replaced the demo data
    first_visit: list[str] | None = None  # what went wrong for the first visitor, who opened the map's path

    def expected(self) -> Expected:
        con = db.connect(self.model, read_only=True)
        try:
            period, settings = reads.latest_period(con), load_settings()
            covered = coverage.of_scope(con, settings, period)
            return Expected(period, standing.summary(con, settings, period), reads.has_demo(con),
                            (covered.coverage, covered.voluntary_coverage))
        finally:
            con.close()

    def latest_values(self, until: str | None = None) -> dict[str, tuple[int, int]]:
        """code -> (total, voluntary) each commune last reported (up to the month ``until``), as the model holds
        them."""
        con = db.connect(self.model, read_only=True)
        try:
            frame = reads.monthly(con).sort_values("period")
        finally:
            con.close()
        if until is not None:
            frame = frame[frame["period"] <= until]
        last = frame.drop_duplicates("code", keep="last")
        return {r.code: (int(r.total), int(r.voluntary)) for r in last.itertuples()}

    def mirror_upload(self, data: bytes, file_name: str, user: accounts.User,
                      kind: str = "monthly") -> intake.Prepared:
        """Apply to the model exactly what the upload page applies to the server's database."""
        con = db.connect(self.model)
        try:
            prepared = intake.prepare(con, data, file_name, kind=kind)
            intake.apply(con, prepared, user=user, confirm_warnings=True)
            return prepared
        finally:
            con.close()

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-chars:] if self.log.exists() else ""


def changes_data(test):
    """Mark a test that changes the shared server's data: it runs after every test that does not."""
    test.changes_data = True
    return test


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: getattr(getattr(item, "function", None), "changes_data", False))


def _run(args: list[str], env: dict) -> None:
    done = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through an http_proxy


def _healthy(url: str) -> bool:
    try:
        with _DIRECT.open(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().decode().strip() == "ok"
    except OSError:
        return False


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        message = "Chromium not found: install Debian's chromium package (.ci/run does) so `chromium` is on PATH."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def build_demo(work: Path) -> tuple[Path, dict]:
    """A fresh demo database with an admin, an analyst and two viewers, in ``work``: (its path, the server's
    environment)."""
    db_file = work / "bhxh.duckdb"
    env = {**os.environ, "BHXH_DB": str(db_file), "PYTHONUNBUFFERED": "1"}
    env.pop("BHXH_ADMIN_PASSWORD", None)
    _run(["analytics", "build", "--demo"], env)
    _run(["analytics", "users", "create-admin", ADMIN.username], {**env, "BHXH_ADMIN_PASSWORD": ADMIN.password})
    con = db.connect(db_file)
    try:
        for account, role in ((ANALYST, "analyst"), (VIEWER, "viewer"), (DISPOSABLE, "viewer")):
            writes.create_user(con, accounts.SYSTEM, account.username, account.display_name, role, account.password)
        assert reads.has_demo(con), "analytics build --demo added no demo data"
    finally:
        con.close()
    return db_file, env


@contextlib.contextmanager
def serving(db_file: Path, env: dict, work: Path):
    """The app's server (serve.py) on ``db_file`` on a free local port, stopped on exit; a model copy is taken
    first."""
    model = work / "model.duckdb"  # copied while no process holds the file
    shutil.copy2(db_file, model)
    if db_file.with_name(db_file.name + ".wal").exists():
        shutil.copy2(db_file.with_name(db_file.name + ".wal"), model.with_name(model.name + ".wal"))

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = work / "streamlit.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    running = Server(url, process, log, model)
    try:
        deadline = time.monotonic() + SERVER_START_S
        while not _healthy(url):
            if process.poll() is not None:
                pytest.fail(f"Streamlit exited with {process.returncode}:\n{running.log_tail()}")
            if time.monotonic() > deadline:
                pytest.fail(f"Streamlit not healthy after {SERVER_START_S} s:\n{running.log_tail()}")
            time.sleep(0.3)
        yield running
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def server(chromium_path, tmp_path_factory):
    """The shared server: a fresh demo database with an admin and an analyst, served on a free local port."""
    work = tmp_path_factory.mktemp("e2e")
    with serving(*build_demo(work), work) as running:
        yield running


def warm_up(browser, server: Server) -> list[str]:
    """Open a page other than the main one as a fresh server's very first visitor; what went wrong on it.

    Streamlit 1.67 used to show its English "Page not found" dialog to that visitor (serve.py now prevents
    it): test_links asserts the answer, and no other test depends on this visit.
    """
    ctx = browser.new_context(viewport=VIEWPORT)
    try:
        page = ctx.new_page()
        page.goto(f"{server.url}/{BY_PATH['ban-do'].url_path}")
        wait_rendered(page, BY_PATH["ban-do"].heading, timeout=TIMEOUT_MS)
        return problems(page) + [t for t in page.locator("body").all_inner_texts() if "Page not found" in t]
    finally:
        ctx.close()


@pytest.fixture(scope="session")
def chromium_browser(chromium_path):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session", autouse=True)
def _fresh_screenshots():
    SCREENSHOTS.mkdir(exist_ok=True)
    for old in SCREENSHOTS.glob("e2e-*.png"):
        old.unlink()


@pytest.fixture(scope="session")
def warm_server(server, chromium_browser):
    """The shared server after its first visitor (see ``warm_up``), whose problems it keeps."""
    server.first_visit = warm_up(chromium_browser, server)
    return server


@pytest.fixture
def context(chromium_browser, warm_server):
    ctx = chromium_browser.new_context(viewport=VIEWPORT, locale="vi-VN", accept_downloads=True)
    ctx.set_default_timeout(TIMEOUT_MS)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def admin_page(context, server):
    page = context.new_page()
    login(page, server.url, ADMIN)
    return page


# ---------------------------------------------------------------- driving the app

IDLE_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return app !== null && app.getAttribute('data-test-script-state') === 'notRunning'
        && document.querySelector('[data-testid="stStatusWidgetRunningIcon"]') === null
        && document.querySelector('[data-stale="true"]') === null;
}"""
CHARTS_DRAWN_JS = """() => document.querySelector('[data-testid^="stSkeleton"]') === null
    && [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
        .every(c => c.querySelector('canvas, svg') !== null)
    && [...document.querySelectorAll('[data-testid="stDeckGlJsonChart"]')]
        .every(c => c.querySelector('canvas') !== null)"""


def shot(page, name: str) -> Path:
    path = SCREENSHOTS / f"e2e-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_idle(page, timeout: float = TIMEOUT_MS) -> None:
    """The script run has finished: no running state, no running icon, no stale element left."""
    page.wait_for_function(IDLE_JS, timeout=timeout, polling=POLL_MS)


def wait_rendered(page, heading: str, timeout: float = TIMEOUT_MS) -> None:
    """The page whose st.title is ``heading`` has rendered completely."""
    title = re.compile(rf"^\s*{re.escape(heading)}\s*$")
    page.locator("h1").filter(has_text=title).first.wait_for(state="visible", timeout=timeout)
    wait_idle(page, timeout)


def settle_charts(page, timeout: float = 10_000) -> None:
    """Charts and maps load and draw after the run ends; wait for them before a screenshot (best effort)."""
    with contextlib.suppress(PlaywrightTimeoutError):  # a screenshot without a chart is still a screenshot
        page.wait_for_function(CHARTS_DRAWN_JS, timeout=timeout, polling=POLL_MS)


# What must never be on a page: a traceback, an error box, Streamlit's "Page not found" dialog.
PROBLEMS = ('[data-testid="stException"]', '[data-testid="stAlertContentError"]',
            '[role="dialog"]:has-text("Page not found")')


def problems(page) -> list[str]:
    """Tracebacks, error boxes and dialogs on the page."""
    return [norm(text)[:500] for selector in PROBLEMS for text in page.locator(selector).all_inner_texts()]


def assert_clean(page, where: str) -> None:
    found = problems(page)
    if found:
        path = shot(page, f"FAIL-{where}")
        pytest.fail(f"{where}: error on the page ({path}): {found}")


def url_path(page) -> str:
    return urlparse(page.url).path


def login(page, base_url: str, account: Account) -> None:
    page.goto(f"{base_url}/{LOGIN.url_path}")
    wait_rendered(page, LOGIN.heading)
    page.get_by_label("Tên đăng nhập", exact=True).fill(account.username)
    page.get_by_label("Mật khẩu", exact=True).fill(account.password)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    wait_rendered(page, BY_PATH["tong-quan"].heading)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("button", name="Đăng xuất").wait_for(state="attached")  # a phone folds the sidebar away
    # The page posts its one-time ticket for the cookie after the run that signed in: wait for the answer, so a
    # reload, a new tab or a copied cookie right after this sees the login.
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not any(c["name"] == session_cookie.NAME for c in page.context.cookies()):
        assert time.monotonic() < deadline, f"no sign-in cookie after logging in as {account.username}"
        page.wait_for_timeout(50)


def nav_link(page, base_url: str, target: AppPage):
    nav = page.locator('[data-testid="stSidebarNav"]')
    return nav.locator(f'a[data-testid="stSidebarNavLink"][href="{base_url}{target.path}"]')


def open_page(page, base_url: str, target: AppPage, timeout: float = TIMEOUT_MS) -> float:
    """Click ``target``'s sidebar link and wait until it has rendered; the seconds it took."""
    link = nav_link(page, base_url, target)
    # Actionability checks (visible, stable over two animation frames) come first and are not render time:
    # on the map page, under load, software WebGL makes animation frames slow.
    link.click(trial=True, timeout=timeout)
    start = time.perf_counter()
    link.click(force=True, timeout=timeout)
    wait_rendered(page, target.heading, timeout)
    elapsed = time.perf_counter() - start
    assert url_path(page) == target.path, f"{target.nav}: URL path {url_path(page)}, expected {target.path}"
    return elapsed


def read_cards(page) -> dict[str, str]:
    """label -> value of every st.metric on the page."""
    cards = {}
    for metric in page.locator('[data-testid="stMetric"]').all():
        label = norm(metric.locator('[data-testid="stMetricLabel"]').inner_text())
        cards[label] = norm(metric.locator('[data-testid="stMetricValue"]').inner_text())
    return cards


def demo_banner(page):
    return page.locator('[data-testid="stAlertContentWarning"]').filter(has_text="DỮ LIỆU MINH HỌA")


def save_upload(page, path, name: str) -> tuple[dict, str]:
    """Choose ``path`` on the open upload page, confirm its warnings, save: the review's cards before saving and
    the success message."""
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    save = page.get_by_role("button", name="Lưu số liệu")
    save.wait_for(state="visible")
    wait_idle(page)
    assert_clean(page, f"{name}-review")
    review = read_cards(page)
    assert review["Lỗi"] == "0"
    if review["Cảnh báo"] != "0":
        page.locator('[data-testid="stCheckbox"]').filter(has_text="cảnh báo").locator("label").click()
        wait_idle(page)
    shot(page, f"{name}-review")
    save.click()
    success = page.locator('[data-testid="stAlertContentSuccess"]').filter(has_text="Đã lưu lần tải lên số")
    success.wait_for(state="visible")
    wait_idle(page)
    assert_clean(page, f"{name}-saved")
    shot(page, f"{name}-saved")
    return review, success.inner_text()
