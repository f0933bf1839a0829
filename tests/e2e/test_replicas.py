"""The server as ``make run`` starts it on two cores: a writer, two replicas and Caddy, driven through the proxy.

Caddy keeps a browser on its replica by a cookie it signs with the key in the run folder's Caddyfile, so a test
can place a browser on the replica it wants: the cookie's value is that HMAC of the replica's address.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from analytics.text import fmt
from tests.e2e.conftest import (
    _DIRECT,
    ADMIN,
    ANALYST,
    BY_PATH,
    ROOT,
    SERVER_START_S,
    TIMEOUT_MS,
    VIEWPORT,
    Server,
    _free_port,
    _healthy,
    assert_clean,
    build_demo,
    demo_banner,
    login,
    shot,
    wait_rendered,
)
from tests.e2e.test_browser import upload_template
from web import stack

pytestmark = pytest.mark.browser


def _control(run_dir: Path, *args: str) -> str:
    done = subprocess.run([str(Path(sys.executable).with_name("supervisorctl")), "-c",
                           str(run_dir / "supervisord.conf"), *args], capture_output=True, text=True, timeout=60)
    return done.stdout


@pytest.fixture(scope="module")
def replicated(chromium_path, tmp_path_factory):
    """A demo database served by ``python -m web.stack --replicas 2`` on a free port; a model copy beside it."""
    work = tmp_path_factory.mktemp("replicas")
    db_file, env = build_demo(work)
    model = work / "model.duckdb"
    shutil.copy2(db_file, model)
    port = _free_port()
    log = work / "stack.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "web.stack", "--port", str(port), "--replicas", "2"],
                                   cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    running = Server(f"http://127.0.0.1:{port}", process, log, model)
    try:
        deadline = time.monotonic() + SERVER_START_S
        while not _healthy(running.url):
            assert process.poll() is None, f"the stack exited with {process.returncode}:\n{running.log_tail()}"
            assert time.monotonic() < deadline, f"the stack did not answer:\n{running.log_tail()}"
            time.sleep(0.3)
        run_dir = db_file.with_name(f"{db_file.name}.run")
        for replica in (0, 1):  # the proxy answers as soon as one replica does: wait until it routes to each
            while not _routed_to(running.url, run_dir, replica):
                assert time.monotonic() < deadline, f"replica {replica + 1} never answered:\n{running.log_tail()}"
                time.sleep(0.3)
        yield running, run_dir
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def replica_cookie(run_dir: Path, replica: int) -> str:
    """The value of the proxy's cookie that sends a browser to replica ``replica`` (0 or 1)."""
    written = (run_dir / "Caddyfile").read_text()
    secret = re.search(rf"cookie {stack.COOKIE} (\w+)", written).group(1)
    return hmac.new(secret.encode(), stack.upstreams_of(written)[replica].encode(), hashlib.sha256).hexdigest()


def on_replica(browser, url: str, run_dir: Path, replica: int):
    """A browser whose proxy cookie names replica ``replica``."""
    context = browser.new_context(viewport=VIEWPORT, locale="vi-VN", accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies([{"name": stack.COOKIE, "url": url, "value": replica_cookie(run_dir, replica)}])
    return context


def _routed_to(url: str, run_dir: Path, replica: int) -> bool:
    """A request carrying replica ``replica``'s cookie reaches it: the proxy keeps the cookie as it is."""
    request = urllib.request.Request(f"{url}/_stcore/health",
                                     headers={"Cookie": f"{stack.COOKIE}={replica_cookie(run_dir, replica)}"})
    try:
        with _DIRECT.open(request, timeout=5) as response:
            set_cookies = response.headers.get_all("Set-Cookie") or []
            return response.status == 200 and not any(c.startswith(f"{stack.COOKIE}=") for c in set_cookies)
    except OSError:
        return False


def proxy_cookie(context) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == stack.COOKIE)


def test_an_upload_on_one_replica_shows_on_the_other(replicated, chromium_browser, tmp_path):
    """The analyst downloads the template and uploads it on the first replica; a reader on the second sees it."""
    server, run_dir = replicated
    first, second = (on_replica(chromium_browser, server.url, run_dir, k) for k in (0, 1))
    try:
        page = first.new_page()
        login(page, server.url, ANALYST)
        assert proxy_cookie(first) == replica_cookie(run_dir, 0)
        before, _ = upload_template(page, server, tmp_path)
        reader = second.new_page()
        reader.goto(server.url)
        wait_rendered(reader, BY_PATH["tong-quan"].heading)
        assert_clean(reader, "replica-2-overview")
        shot(reader, "replica-2-overview")
        after = server.expected()
        assert after.summary.total != before.summary.total
        total = reader.locator('[data-testid="stMetric"]').filter(has_text="Số người tham gia")
        expect(total.locator('[data-testid="stMetricValue"]')).to_have_text(fmt.number(after.summary.total),
                                                                      timeout=TIMEOUT_MS)
        assert demo_banner(reader).count() == 0
        assert proxy_cookie(second) == replica_cookie(run_dir, 1)
    finally:
        first.close()
        second.close()


def test_a_login_survives_its_replica_going_down(replicated, chromium_browser):
    """Signed in on the first replica, on the map with a scope chosen: that replica stops, the browser reconnects
    to the other one, still signed in, on the same page with the same scope."""
    server, run_dir = replicated
    context = on_replica(chromium_browser, server.url, run_dir, 0)
    try:
        page = context.new_page()
        login(page, server.url, ADMIN)
        page.goto(f"{server.url}/ban-do?pham_vi=Xã+Tân+Hưng")
        wait_rendered(page, BY_PATH["ban-do"].heading)
        assert "Phạm vi: Xã Tân Hưng" in page.locator("body").inner_text()
        assert "stopped" in _control(run_dir, "stop", "replica1")
        page.wait_for_function("() => document.body.innerText.includes('Phạm vi: Xã Tân Hưng') && "
                               "!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=TIMEOUT_MS)
        page.reload()
        wait_rendered(page, BY_PATH["ban-do"].heading)
        assert proxy_cookie(context) == replica_cookie(run_dir, 1)  # the proxy moved the browser over
        assert "Phạm vi: Xã Tân Hưng" in page.locator("body").inner_text()
        page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Đăng xuất").wait_for(state="attached")
    finally:
        context.close()
        _control(run_dir, "start", "replica1")


def test_a_replica_that_dies_is_started_again(replicated):
    server, run_dir = replicated
    pid = int(re.search(r"replica2\s+RUNNING\s+pid (\d+)", _control(run_dir, "status")).group(1))
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + SERVER_START_S
    while not (found := re.search(r"replica2\s+RUNNING\s+pid (\d+)", _control(run_dir, "status"))) \
            or int(found.group(1)) == pid:
        assert time.monotonic() < deadline, _control(run_dir, "status")
        time.sleep(0.5)
    assert _healthy(server.url)


def _get(url: str) -> tuple[int, dict, bytes]:
    try:
        with _DIRECT.open(url, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_public_page_is_files_the_proxy_serves_with_every_replica_down(replicated):
    """The writer renders «Công khai kết quả» after each write; Caddy serves it, Python or not."""
    server, run_dir = replicated
    total = fmt.number(server.expected().summary.total)
    deadline = time.monotonic() + SERVER_START_S
    while total not in _get(f"{server.url}/ket-qua/")[2].decode():
        assert time.monotonic() < deadline, f"the public page never showed the total {total}"
        time.sleep(0.5)
    _control(run_dir, "stop", "replica1", "replica2")
    try:
        status, headers, body = _get(f"{server.url}/ket-qua/")
        assert (status, headers["Content-Type"]) == (200, "text/html; charset=utf-8")
        assert total in body.decode() and "<script" not in body.decode()
        assert headers["X-Content-Type-Options"] == "nosniff" and "default-src 'none'" in \
            headers["Content-Security-Policy"]
        status, headers, body = _get(f"{server.url}/ket-qua/ket-qua.csv")
        assert (status, headers["Content-Type"]) == (200, "text/csv; charset=utf-8")
        assert headers["Content-Disposition"] == "attachment"
        key = (run_dir.parent / "bhxh.duckdb.writer.key").read_bytes()
        for crafted in ("../bhxh.duckdb", "%2e%2e/bhxh.duckdb", "..%2fbhxh.duckdb.writer.key", ".rendering-x",
                        "ket-qua.csv/", "KET-QUA.CSV", "index.html%00.csv", "../bhxh.duckdb.writer.key"):
            status, _, body = _get(f"{server.url}/ket-qua/{crafted}")
            # 404 from the public files, or a path cleaned out of /ket-qua/ that goes to the (stopped) pages
            assert status in (404, 502, 503) and key not in body, crafted
        assert _get(f"{server.url}/")[0] in (502, 503)  # the pages themselves are down
    finally:
        _control(run_dir, "start", "replica1", "replica2")
