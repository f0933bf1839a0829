"""tests/test_hostile.py's attacks against a real server, through a real browser, and the server's peak memory;
then oversized request bodies against another server (``bodies``; ``python -m bench.hostile`` runs only that).

One ``streamlit run serve.py`` on the demo database, one Chromium. An administrator opens the pages the attacks
go through (the baseline: the server's peak memory before any attack), then runs every console bomb of the
suite in the SQL console, uploads every upload bomb and disguised file on "Nhập số liệu", and last twenty
sessions send a wrong password at once. After each step the server process's VmHWM (the most resident memory
it has ever held) is read from /proc; the console's and the readers' own processes are children of the fork
server, not of the server, and are bounded by their own limits.

The bodies: a fresh server that one simulated session has opened (the baseline), then twenty 300 MB POSTs to
/api/phien at once with one to an unknown path and one to Streamlit's upload route of that session, each body
made by a generator as it is sent (the client never holds it), all with a Content-Length and again all chunked
without one. Each is sent until the server answers or closes the connection (web.bounds).
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import psutil
from playwright.sync_api import sync_playwright
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.web.server.starlette.starlette_app_utils import generate_xsrf_token_string
from tests.test_hostile import CONSOLE_BOMBS, MORE_UPLOADS

from bench import browser as b
from bench import loadgen
from tests.fixtures import bombs

TARGET_MIB = 1536
PARALLEL_LOGINS = 20
TIMEOUT_MS = 300_000  # only stops a hung page: the slowest step, an upload read to its limit, takes about a minute
BODY_BYTES = 300 * 2**20
PARALLEL_BODIES = 20
PIECE = 64 * 1024
ANSWER_S = 120  # only stops a hung request: a refusal takes milliseconds
BOUNDARY = "bien-gioi-tep"
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


def _pieces(total: int, first: bytes = b""):
    """A body of ``total`` bytes, one piece at a time: ``first`` (when given), then filler; never an empty piece,
    which would end a chunked body."""
    if first:
        yield first
    filler, left = b"x" * PIECE, total - len(first)
    while left > 0:
        yield filler[:left]
        left -= PIECE


async def _body(port: int, what: str, method: str, path: str, chunked: bool, headers: dict,
                first: bytes = b"") -> dict:
    """One request with a BODY_BYTES body, sent until the server answers or closes: its status (None when it
    closed first), the MiB sent and the seconds."""
    reader, writer = await asyncio.open_connection(loadgen.HOST, port)
    framing = {"Transfer-Encoding": "chunked"} if chunked else {"Content-Length": str(BODY_BYTES)}
    head = [f"{method} {path} HTTP/1.1", f"Host: {loadgen.HOST}:{port}",
            *(f"{k}: {v}" for k, v in (headers | framing).items())]
    started, sent = time.perf_counter(), 0
    answer = asyncio.ensure_future(reader.readline())
    try:
        async with asyncio.timeout(ANSWER_S):
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
            for piece in _pieces(BODY_BYTES, first):
                if answer.done():
                    break
                writer.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece)
                await writer.drain()
                sent += len(piece)
            if chunked and not answer.done():
                writer.write(b"0\r\n\r\n")
            line = await answer
    except (ConnectionError, TimeoutError):
        line = answer.result() if answer.done() and not answer.exception() else b""
    finally:
        answer.cancel()
        writer.close()
    status = int(line.split()[1]) if line.startswith(b"HTTP/") else None
    return {"request": what, "chunked": chunked, "status": status, "sent_mib": sent / 2**20,
            "seconds": time.perf_counter() - started}


async def _session_id(tab: loadgen.Session) -> str:
    """The id of the simulated session ``tab``, once it has run the overview (the upload route needs one)."""
    message, session_id = BackMsg(), ""
    message.rerun_script.page_name = ""
    await tab.socket.send(message.SerializeToString())
    async with asyncio.timeout(loadgen.RUN_TIMEOUT_S):
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(await tab.socket.recv())
            if msg.WhichOneof("type") == "new_session":
                session_id = msg.new_session.initialize.session_id
            elif msg.WhichOneof("type") == "script_finished":
                return session_id


async def _attack(port: int, pid: int) -> dict:
    async with loadgen.Session(port) as tab:
        session_id = await _session_id(tab)
        baseline_rss, baseline_peak = psutil.Process(pid).memory_info().rss / 2**20, b.peak_memory_mib(pid)
        xsrf = generate_xsrf_token_string()  # the token a browser's cookie and header carry alike
        upload = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "Cookie": f"_streamlit_xsrf={xsrf}",
                  "X-Xsrftoken": xsrf}
        preamble = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="lon.csv"\r\n'
                    "Content-Type: text/csv\r\n\r\n").encode()
        requests = []
        async with loadgen.Sampler(pid) as sampler:
            for chunked in (False, True):
                requests += await asyncio.gather(
                    *(_body(port, "POST /api/phien", "POST", "/api/phien", chunked, {})
                      for _ in range(PARALLEL_BODIES)),
                    _body(port, "POST to an unknown path", "POST", "/khong-co-trang-nay", chunked, {}),
                    _body(port, "PUT /_stcore/upload_file/…", "PUT", f"/_stcore/upload_file/{session_id}/tep-lon",
                          chunked, upload, preamble))
    return {"requests": requests, "baseline_rss_mib": baseline_rss, "peak_before_mib": baseline_peak,
            "peak_during_rss_mib": sampler.peak_rss / 2**20, "peak_after_mib": b.peak_memory_mib(pid)}


def bodies(workdir: Path) -> dict:
    """Oversized bodies against a fresh server: every request's outcome, the server's memory before and after."""
    database = workdir / "bodies.duckdb"
    b.demo_database(database)
    port = b._free_port()
    server = b._serve(b.ROOT / "serve.py", port, database)
    try:
        b._wait_healthy(port, server)
        raw = asyncio.run(_attack(port, server.pid))
    finally:
        server.terminate()
        server.wait(60)
    return raw | {"body_mib": BODY_BYTES / 2**20, "parallel": PARALLEL_BODIES}


def bodies_table(raw: dict) -> list[str]:
    """The bodies in bench/README.md: per request and framing, the answers, the most sent, the slowest answer."""
    ratio = raw["peak_after_mib"] / raw["peak_before_mib"]
    lines = ["", f"### {raw['parallel']} bodies of {raw['body_mib']:.0f} MB at once to /api/phien, one to an "
             "unknown path, one to the upload route: with a Content-Length, then chunked", "",
             f"Server peak memory (VmHWM) {raw['peak_before_mib']:.0f} MiB before (RSS "
             f"{raw['baseline_rss_mib']:.0f} MiB), {raw['peak_after_mib']:.0f} MiB after: {ratio:.2f}×; RSS sampled "
             f"during: at most {raw['peak_during_rss_mib']:.0f} MiB.", "",
             "| Request | Body | Answers | Most sent before the answer | Slowest answer |", "|---|---|---|---:|---:|"]
    groups: dict[tuple, list[dict]] = {}
    for r in raw["requests"]:
        groups.setdefault((r["request"], r["chunked"]), []).append(r)
    for (what, chunked), found in groups.items():
        answers = ", ".join(f"{n}× {status or 'closed'}"
                            for status, n in sorted(Counter(r["status"] for r in found).items(), key=str))
        lines.append(f"| {len(found)}× {what} | {'chunked' if chunked else 'Content-Length'} | {answers} "
                     f"| {max(r['sent_mib'] for r in found):.2f} MiB | {max(r['seconds'] for r in found):.2f} s |")
    return lines


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        result = bodies(Path(folder))
    print(json.dumps(result, indent=1))
    print("\n".join(bodies_table(result)))
    sys.exit(0)
