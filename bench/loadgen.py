"""Many sessions at once without a browser each: Streamlit's own websocket protocol and protobuf classes.

A simulated session does what the browser does: it opens ``/_stcore/stream``, asks for a page with a
``BackMsg`` ``rerun_script`` (page name, query string, the hashes of the large messages it already
holds, as the browser reports them) and reads ``ForwardMsg``s until ``script_finished``. It counts the
elements a run sends (``verify`` compares them with what Chromium draws for the same page) and any
exception element or failed run as an error. Sessions walk the pages with a reader's pause between
them; every loop is bounded in count and in time, and only 127.0.0.1 is ever contacted.

As in Streamlit's own load tests (e2e_playwright/load_testing), the server's CPU and resident memory
are sampled with psutil while the sessions run.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

import psutil
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

HOST = "127.0.0.1"
RUN_TIMEOUT_S = 900  # only stops a hung run: a page takes 0.05-3 s, a national briefing ~60 s
THINK_S = (1.0, 3.0)  # a reader's pause between pages (seeded per session)


@dataclass
class Run:
    """One script run as a session saw it."""

    page: str
    seconds: float
    elements: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    bytes: int = 0
    widgets: dict[str, str] = field(default_factory=dict)  # label -> widget id, of text inputs and buttons


class Session:
    """One simulated browser tab: a websocket, the messages it has cached, the page it is on."""

    def __init__(self, port: int):
        self.port = port
        self.cache: dict[str, ForwardMsg] = {}
        self.socket = None

    async def __aenter__(self) -> Session:
        self.socket = await websockets.connect(
            f"ws://{HOST}:{self.port}/_stcore/stream", subprotocols=["streamlit"], max_size=None,
            origin=f"http://{HOST}:{self.port}", open_timeout=RUN_TIMEOUT_S, ping_interval=None)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.socket.close()

    async def run(self, page: str, query: str = "", widgets: list[WidgetState] = (), reruns: bool = False) -> Run:
        """Ask for ``page`` (its URL path) with these widget values, and read until its script run ends
        (with ``reruns``, until a run that the script did not cut short with ``st.rerun``)."""
        message = BackMsg()
        state = message.rerun_script
        state.page_name, state.query_string = page, query
        state.widget_states.widgets.extend(widgets)
        state.cached_message_hashes.extend(self.cache)
        state.context_info.timezone, state.context_info.locale = "Asia/Ho_Chi_Minh", "vi-VN"
        run, start = Run(page, 0.0), time.perf_counter()
        await self.socket.send(message.SerializeToString())
        async with asyncio.timeout(RUN_TIMEOUT_S):
            while True:
                raw = await self.socket.recv()
                run.bytes += len(raw)
                msg = ForwardMsg()
                msg.ParseFromString(raw)
                if msg.WhichOneof("type") == "ref_hash":
                    msg = self.cache[msg.ref_hash]
                elif msg.metadata.cacheable:
                    self.cache[msg.hash] = msg
                kind = msg.WhichOneof("type")
                if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                    element = msg.delta.new_element.WhichOneof("type")
                    run.elements[element] += 1
                    if element in ("text_input", "button"):
                        widget = getattr(msg.delta.new_element, element)
                        run.widgets[widget.label] = widget.id
                    if element == "exception":
                        run.errors.append(f"{page}: {msg.delta.new_element.exception.message}")
                elif kind == "page_not_found":
                    run.errors.append(f"{page}: page not found")
                elif kind == "script_finished":
                    if reruns and msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                        continue
                    if msg.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                        run.errors.append(f"{page}: {ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)}")
                    run.seconds = time.perf_counter() - start
                    return run


async def sign_in(session: Session, login: tuple[str, str]) -> Run:
    """Fill in the login form and submit it, as a person would."""
    form = await session.run("dang-nhap")
    values = [WidgetState(id=form.widgets["Tên đăng nhập"], string_value=login[0]),
              WidgetState(id=form.widgets["Mật khẩu"], string_value=login[1]),
              WidgetState(id=form.widgets["Đăng nhập"], trigger_value=True)]
    return await session.run("dang-nhap", widgets=values, reruns=True)


async def walk(port: int, pages: list[str], tours: int, seed: int, deadline: float, think=THINK_S) -> list[Run]:
    """One session: open the first page, then tour ``pages`` ``tours`` times with a reader's pauses."""
    rng, runs = random.Random(seed), []
    order = pages[seed % len(pages):] + pages[:seed % len(pages)]  # sessions start on different pages
    try:
        async with Session(port) as session:
            for _ in range(tours):
                for page in order:
                    if time.monotonic() > deadline:
                        return runs
                    runs.append(await session.run(page))
                    await asyncio.sleep(rng.uniform(*think))
    except (OSError, TimeoutError, websockets.WebSocketException) as exc:
        runs.append(Run("?", float("nan"), errors=[f"session {seed}: {type(exc).__name__}: {exc}"]))
    return runs


class Sampler:
    """The server's CPU seconds and resident memory, sampled every ``every`` seconds while it runs."""

    def __init__(self, pid: int, every: float = 0.25):
        self.process, self.every, self.peak_rss = psutil.Process(pid), every, 0
        self.cpu_start = self.cpu_end = 0.0

    def cpu_seconds(self) -> float:
        times = self.process.cpu_times()
        return times.user + times.system

    async def __aenter__(self) -> Sampler:
        self.cpu_start, self.wall_start = self.cpu_seconds(), time.monotonic()
        self.task = asyncio.create_task(self._sample())
        return self

    async def _sample(self) -> None:
        while True:
            self.peak_rss = max(self.peak_rss, self.process.memory_info().rss)
            await asyncio.sleep(self.every)

    async def __aexit__(self, *exc) -> None:
        self.task.cancel()
        self.cpu_end, self.wall = self.cpu_seconds(), time.monotonic() - self.wall_start
        self.peak_rss = max(self.peak_rss, self.process.memory_info().rss)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))] if ordered else float("nan")


async def load(port: int, server_pid: int, pages: list[str], sessions: int, tours: int, limit_s: float) -> dict:
    """``sessions`` sessions arriving at once, each touring the pages; page times, errors, CPU, memory."""
    deadline = time.monotonic() + limit_s
    async with Sampler(server_pid) as sampler:
        results = await asyncio.gather(*[walk(port, pages, tours, seed, deadline) for seed in range(sessions)])
    runs = [r for session in results for r in session]
    times = [r.seconds for r in runs if not r.errors]
    errors = [e for r in runs for e in r.errors]
    return {
        "sessions": sessions, "page_runs": len(runs), "errors": len(errors), "error_examples": errors[:5],
        "p50_s": percentile(times, 0.5), "p95_s": percentile(times, 0.95), "max_s": max(times, default=float("nan")),
        "mean_s": statistics.fmean(times) if times else float("nan"), "seconds": sampler.wall,
        "server_cpu_s": sampler.cpu_end - sampler.cpu_start,
        "server_cpu_share": (sampler.cpu_end - sampler.cpu_start) / sampler.wall,
        "peak_rss_mib": sampler.peak_rss / 2**20,
        "per_page_p50_s": {p: percentile([r.seconds for r in runs if r.page == p and not r.errors], 0.5)
                           for p in pages},
    }


async def one_run(port: int, page: str, reruns: int = 0, login: tuple[str, str] | None = None) -> list[Run]:
    """A fresh session (signed in with ``login``) opens ``page``, then reruns it ``reruns`` times."""
    async with Session(port) as session:
        if login is not None:
            await sign_in(session, login)
        return [await session.run(page) for _ in range(reruns + 1)]
