"""What the browser measurements share: the demo database, serving on a free port, Chromium, timing a run.

A run's time is read in the page itself, from Streamlit's own script-state attribute on the app root.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from analytics.settings import ROOT, load_settings
from analytics.storage import db, writes
from analytics.units import demo

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
LOGIN = ("bench", "mat-khau-bench-2026")
# url path -> title, in the order the sidebar lists them; the last four need an analyst or admin
PUBLIC_PAGES = {"tong-quan": "Tổng quan", "ban-do": "Bản đồ", "tu-nguyen": "Tự nguyện",
                "xa-cham-tien-do": "Xã chậm tiến độ", "du-bao-2030": "Dự báo 2030", "no-cham-dong": "Nợ, chậm đóng",
                "bang-diem": "Bảng điểm", "tien-do-bao-cao": "Tiến độ báo cáo", "bao-cao": "Báo cáo",
                "bao-cao-nam": "Báo cáo năm", "kinh-phi-ho-tro": "Kinh phí hỗ trợ", "cong-khai": "Công khai kết quả",
                "ke-hoach": "Kế hoạch và chỉ tiêu", "kiem-tra-du-lieu": "Kiểm tra dữ liệu", "dang-nhap": "Đăng nhập"}
SIGNED_IN_PAGES = {"nhap-so-lieu": "Nhập số liệu", "chi-tieu-nam": "Chỉ tiêu năm", "kham-pha": "Khám phá",
                   "quan-tri": "Quản trị"}
# Every change of the app root's script state, with the page's clock, from the document's first moment.
OBSERVER = """
window.__states = [];
new MutationObserver(records => {
  for (const r of records) window.__states.push({s: r.target.getAttribute('data-test-script-state'),
                                                 t: performance.now()});
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-test-script-state']});
// A page whose app element is drawn anew changes no attribute the observer sees: a poll records it too.
setInterval(() => {
  const app = document.querySelector('[data-testid="stApp"]'), last = window.__states.at(-1);
  const s = app && app.getAttribute('data-test-script-state');
  if (s && (!last || last.s !== s)) window.__states.push({s, t: performance.now()});
}, 5);
"""
# The first return to "notRunning" after some other state, both after the mark.
FINISHED = """m => {
  const after = window.__states.filter(x => x.t >= m);
  const i = after.findIndex(x => x.s !== 'notRunning');
  const end = i < 0 ? undefined : after.slice(i + 1).find(x => x.s === 'notRunning');
  return end ? end.t : false;
}"""

# The app is idle: no script running, and nothing changed for a moment (a run may start another).
IDLE = """() => {
  const app = document.querySelector('[data-testid="stApp"]'), last = window.__states.at(-1);
  return app && app.getAttribute('data-test-script-state') === 'notRunning'
    && (!last || performance.now() - last.t > 300);
}"""


def demo_database(path: Path) -> None:
    """The shipped plan with demo data and an admin account, as a first start with `make run` leaves it."""
    con = db.connect(path)
    writes.build_database(con, load_settings(), only_new=True)
    demo.install(con, load_settings())
    writes.create_user(con, writes.SYSTEM, LOGIN[0], "Đo hiệu năng", "admin", LOGIN[1])
    con.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(script: Path, port: int, database: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env={**os.environ, "BHXH_DB": str(database)}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)


def _wait_healthy(port: int, server: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"Streamlit exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError("Streamlit did not answer its health check")


def peak_memory_mib(pid: int) -> float:
    """VmHWM: the most resident memory the process has ever held."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


def _run(page: Page, trigger) -> float:
    """Seconds from ``trigger`` to the end of the script run it starts, on the page's clock."""
    page.wait_for_function(IDLE, timeout=120_000)
    mark = page.evaluate("performance.now()")
    trigger()
    try:
        end = page.wait_for_function(FINISHED, arg=mark, timeout=120_000).json_value()
    except PlaywrightTimeout as exc:
        states = page.evaluate("window.__states.slice(-6)")
        raise RuntimeError(f"no script run finished on {page.url} since {mark:.0f} ms: {states}") from exc
    return (end - mark) / 1000


def _sign_in(page: Page) -> None:
    page.get_by_label("Tên đăng nhập").fill(LOGIN[0])
    page.get_by_label("Mật khẩu").fill(LOGIN[1])
    _run(page, page.get_by_role("button", name="Đăng nhập", exact=True).click)
    page.get_by_text("Đo hiệu năng · Quản trị").wait_for()
