"""The server as ``make run`` starts it (writer, replicas, Caddy), at 1 replica and at 2, under three workloads.

- **meeting**: sessions join over a minute and open the overview; then everyone follows the presenter's script
  (overview, map, lagging communes, scorecard, a commune's profile, forecast, a scope change, and round again),
  the presenter moving on every 15–30 s and each participant's screen following within a few seconds;
- **analyst burst**: the sessions arrive at once and tour the monitoring pages with 1–3 s pauses (bench/loadgen);
- **public**: anonymous requests for the public results page at a steady rate, which Caddy serves from files.

Sessions speak Streamlit's websocket protocol through the proxy (bench/loadgen.py): one websocket per session,
which Caddy keeps on one replica. The CPU of every process (writer, each replica, Caddy) and each replica's
resident memory are sampled with psutil. ``python -m bench.replicas`` runs it alone; ``make bench`` runs it too.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil

from analytics.storage import db, snapshots
from bench import browser, loadgen
from bench.loadgen import Run, Session, percentile

ROOT = Path(__file__).resolve().parent.parent
MEETING_SESSIONS, MEETING_JOIN_S = 60, 60
MEETING_S = float(os.environ.get("BENCH_MEETING_S", 600))  # the meeting's length after the last join
STEP_S, FOLLOW_S = (15, 30), (0.0, 3.0)  # the presenter's pace; how late a participant's screen follows
SCOPE = "Xã Tân Hưng"
SCRIPT = [("", ""), ("ban-do", ""), ("xa-cham-tien-do", ""), ("bang-diem", ""), ("ho-so-xa", "ma=11977"),
          ("du-bao-2030", ""), ("", urllib.parse.urlencode({"pham_vi": SCOPE}))]
BURSTS = (10, 30, 60)
PUBLIC_PER_MINUTE, PUBLIC_S = 1000, 60
LIMIT_S = 900
TOUR = ["" if p == "tong-quan" else p for p in browser.PUBLIC_PAGES if p != "dang-nhap"]  # the monitoring pages


class Stack:
    """``python -m web.stack`` on a database of its own, for as long as the ``with`` lasts."""

    def __init__(self, database: Path, replicas: int):
        self.port, self.replicas = browser._free_port(), replicas
        env = {**os.environ, "BHXH_DB": str(database)}
        self.process = subprocess.Popen([sys.executable, "-m", "web.stack", "--port", str(self.port),
                                         "--replicas", str(replicas), "--proxy"], cwd=ROOT, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def __enter__(self) -> Stack:
        browser._wait_healthy(self.port, self.process, timeout=180)
        deadline = time.monotonic() + 120
        while len(self.processes()) < self.replicas + 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        return self

    def processes(self) -> dict[str, psutil.Process]:
        """name -> process: "writer", "replica1"…, "proxy" (one Streamlit process alone: "replica1")."""
        root = psutil.Process(self.process.pid)
        found, replicas = {}, 0
        for child in [root, *root.children()]:
            line = " ".join(child.cmdline())
            if "analytics writer" in line:
                found["writer"] = child
            elif "streamlit run" in line:
                replicas += 1
                found[f"replica{replicas}"] = child
            elif "caddy" in line:
                found["proxy"] = child
        return found

    def __exit__(self, *exc) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


class Sampled:
    """CPU seconds of each process and the peak resident memory of each, while the ``async with`` lasts."""

    def __init__(self, processes: dict[str, psutil.Process], every: float = 0.5):
        self.processes, self.every = processes, every
        self.peak = dict.fromkeys(processes, 0)

    def _cpu(self) -> dict[str, float]:
        return {name: sum(p.cpu_times()[:2]) for name, p in self.processes.items()}

    async def _sample(self) -> None:
        while True:
            for name, p in self.processes.items():
                self.peak[name] = max(self.peak[name], p.memory_info().rss)
            await asyncio.sleep(self.every)

    async def __aenter__(self) -> Sampled:
        self.start, self.began = self._cpu(), time.monotonic()
        self.task = asyncio.create_task(self._sample())
        return self

    async def __aexit__(self, *exc) -> None:
        self.task.cancel()
        self.seconds = time.monotonic() - self.began
        end = self._cpu()
        self.cpu = {name: end[name] - self.start[name] for name in end}

    def report(self) -> dict:
        return {"seconds": self.seconds, "cpu_s": self.cpu,
                "cpu_share": {n: s / self.seconds for n, s in self.cpu.items()},
                "peak_rss_mib": {n: b / 2**20 for n, b in self.peak.items()}}


def _times(runs: list[Run]) -> dict:
    ok = [r.seconds for r in runs if not r.errors]
    return {"n": len(runs), "p50_s": percentile(ok, 0.5), "p95_s": percentile(ok, 0.95),
            "max_s": max(ok, default=float("nan"))}


async def _participant(port: int, seed: int, joins: float, steps: list[float], end: float) -> list[Run]:
    """One screen in the meeting: joins at ``joins`` (seconds from the start), then follows each step."""
    rng, runs = random.Random(seed), []
    start = time.monotonic()
    await asyncio.sleep(joins)
    try:
        async with Session(port) as session:
            first = await session.run("")
            first.page = "first"
            runs.append(first)
            for k, at in enumerate(steps):
                wait = at + rng.uniform(*FOLLOW_S) - (time.monotonic() - start)
                if at > end:
                    break
                await asyncio.sleep(max(wait, 0))
                page, query = SCRIPT[(k + 1) % len(SCRIPT)]
                runs.append(await session.run(page, query))
    except (OSError, TimeoutError, loadgen.websockets.WebSocketException) as exc:
        runs.append(Run("?", float("nan"), errors=[f"participant {seed}: {type(exc).__name__}: {exc}"]))
    return runs


async def meeting(stack: Stack, sessions: int = MEETING_SESSIONS, length_s: float = MEETING_S) -> dict:
    rng = random.Random(403)
    end = MEETING_JOIN_S + length_s
    steps, at = [], MEETING_JOIN_S
    while at < end:
        steps.append(at)
        at += rng.uniform(*STEP_S)
    async with Sampled(stack.processes()) as sampled:
        results = await asyncio.gather(*[_participant(stack.port, n, n * MEETING_JOIN_S / sessions, steps, end)
                                         for n in range(sessions)])
    runs = [r for session in results for r in session]
    errors = [e for r in runs for e in r.errors]
    return {"sessions": sessions, "steps": len(steps), "errors": len(errors), "error_examples": errors[:5],
            "first": _times([r for r in runs if r.page == "first"]),
            "later": _times([r for r in runs if r.page not in ("first", "?")]), **sampled.report()}


async def burst(stack: Stack, sessions: int) -> dict:
    deadline = time.monotonic() + LIMIT_S
    async with Sampled(stack.processes()) as sampled:
        results = await asyncio.gather(*[loadgen.walk(stack.port, TOUR, 1, seed, deadline)
                                         for seed in range(sessions)])
    runs = [r for session in results for r in session]
    errors = [e for r in runs for e in r.errors]
    report = sampled.report()
    firsts = [session[0] for session in results if session]
    later = [r for session in results for r in session[1:]]
    return {"sessions": sessions, "errors": len(errors), "error_examples": errors[:5], "page_runs": len(runs),
            "throughput_per_s": len([r for r in runs if not r.errors]) / report["seconds"],
            "all": _times(runs), "first": _times(firsts), "later": _times(later), **report}


def _fetch(url: str) -> tuple[float, int]:
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
            status = response.status
    except OSError:
        status = 0
    return time.perf_counter() - start, status


def public(stack: Stack, per_minute: int = PUBLIC_PER_MINUTE, seconds: float = PUBLIC_S) -> dict:
    """Anonymous requests for /ket-qua/ at a steady rate, each on a connection of its own."""
    url, every = f"http://127.0.0.1:{stack.port}/ket-qua/", 60 / per_minute
    before = {n: sum(p.cpu_times()[:2]) for n, p in stack.processes().items()}
    with ThreadPoolExecutor(32) as pool:
        start, futures = time.monotonic(), []
        for k in range(int(seconds / every)):
            time.sleep(max(0.0, start + k * every - time.monotonic()))
            futures.append(pool.submit(_fetch, url))
        outcomes = [f.result() for f in futures]
    after = {n: sum(p.cpu_times()[:2]) for n, p in stack.processes().items()}
    times = [t for t, status in outcomes if status == 200]
    return {"requests": len(outcomes), "errors": sum(status != 200 for _, status in outcomes),
            "p50_s": percentile(times, 0.5), "p95_s": percentile(times, 0.95),
            "cpu_s": {n: after[n] - before[n] for n in after}}


def publish_times(database: Path, reps: int) -> tuple[list[float], list[float]]:
    """Seconds the writer takes to publish a snapshot of ``database`` after a write, against a bare copy."""
    con, copy = db.connect(database), database.with_name(f"{database.name}.copy")
    project, bare = [], []
    try:
        for _ in range(reps):
            start = time.perf_counter()
            snapshots.publish(con, database)
            project.append(time.perf_counter() - start)
            start = time.perf_counter()
            shutil.copyfile(database, copy)
            bare.append(time.perf_counter() - start)
    finally:
        con.close()
        copy.unlink(missing_ok=True)
        shutil.rmtree(snapshots.folder_for(database), ignore_errors=True)
    return project, bare


def _warm(stack: Stack) -> None:
    """One session tours the pages first: caches warm, as after the day's first visitor."""
    for _ in range(stack.replicas):  # least_conn sends each new session to the idlest replica: warm every one
        asyncio.run(loadgen.walk(stack.port, TOUR, 1, 0, time.monotonic() + LIMIT_S, think=(0, 0)))


def measure(workdir: Path, say=print) -> dict:
    results: dict = {"meeting": {}, "burst": {}, "public": {}}
    for replicas in (1, 2):
        database = workdir / f"replicas-{replicas}.duckdb"
        browser.demo_database(database)
        stack = Stack(database, replicas)
        with stack:
            _warm(stack)
            say(f"Họp: {MEETING_SESSIONS} phiên, {replicas} tiến trình phục vụ")
            results["meeting"][replicas] = asyncio.run(meeting(stack))
            for sessions in BURSTS:
                say(f"Phân tích dồn dập: {sessions} phiên, {replicas} tiến trình phục vụ")
                results["burst"].setdefault(replicas, {})[sessions] = asyncio.run(burst(stack, sessions))
            say(f"Trang công khai: {PUBLIC_PER_MINUTE} lượt/phút, {replicas} tiến trình phục vụ")
            results["public"][replicas] = public(stack)
    return results


def _s(value: float) -> str:
    return f"{value:.2f} s"


def table(r: dict) -> list[str]:
    """The Markdown section for bench/README.md."""
    lines = ["", "### One writer and its replicas behind Caddy, at 1 replica and at 2 (bench/replicas.py)", "",
             f"Meeting: {MEETING_SESSIONS} sessions join over {MEETING_JOIN_S} s, then follow the presenter's script "
             f"for {MEETING_S:.0f} s, a step every {STEP_S[0]}–{STEP_S[1]} s, each screen within "
             f"{FOLLOW_S[1]:.0f} s. Burst: sessions at once, one tour of the monitoring pages with "
             f"{loadgen.THINK_S[0]:.0f}–{loadgen.THINK_S[1]:.0f} s pauses. Public: {PUBLIC_PER_MINUTE} requests a "
             "minute for /ket-qua/. The load generator shares the machine.", "",
             "| Workload | Replicas | Runs | Errors | First p50 / p95 | Later p50 / p95 | Runs/s | CPU (share of a "
             "core) | Peak RSS per replica |", "|---|---:|---:|---:|---:|---:|---:|---|---|"]

    def cpu(row: dict) -> str:
        return ", ".join(f"{n} {s:.0%}" for n, s in row["cpu_share"].items())

    def rss(row: dict) -> str:
        return ", ".join(f"{row['peak_rss_mib'][n]:.0f} MiB" for n in row["peak_rss_mib"] if n.startswith("replica"))

    for replicas, row in r["meeting"].items():
        lines.append(f"| meeting {row['sessions']} | {replicas} | {row['first']['n'] + row['later']['n']} | "
                     f"{row['errors']} | {_s(row['first']['p50_s'])} / {_s(row['first']['p95_s'])} | "
                     f"{_s(row['later']['p50_s'])} / {_s(row['later']['p95_s'])} | – | {cpu(row)} | {rss(row)} |")
    for replicas, levels in r["burst"].items():
        for sessions, row in levels.items():
            lines.append(f"| burst {sessions} | {replicas} | {row['page_runs']} | {row['errors']} | "
                         f"{_s(row['first']['p50_s'])} / {_s(row['first']['p95_s'])} | "
                         f"{_s(row['later']['p50_s'])} / {_s(row['later']['p95_s'])} | "
                         f"{row['throughput_per_s']:.2f} | {cpu(row)} | {rss(row)} |")
    for replicas, row in r["public"].items():
        python_cpu = sum(s for n, s in row["cpu_s"].items() if n != "proxy")
        lines.append(f"| public | {replicas} | {row['requests']} | {row['errors']} | – | "
                     f"{row['p50_s'] * 1000:.1f} ms / {row['p95_s'] * 1000:.1f} ms | – | proxy "
                     f"{row['cpu_s'].get('proxy', 0):.1f} s, Python {python_cpu:.1f} s | – |")
    return lines


if __name__ == "__main__":
    work = ROOT / "bench" / "tmp-replicas"
    work.mkdir(parents=True, exist_ok=True)
    measured = measure(work)
    (ROOT / "bench" / "replicas.json").write_text(json.dumps(measured, indent=1, default=str) + "\n")
    print("\n".join(table(measured)))
