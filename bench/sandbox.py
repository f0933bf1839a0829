"""How a console query should get its own process, and what the server pays while bombs run.

    python -m bench.sandbox

``make bench`` (bench/run.py) reports ``strategies`` and ``logins`` beside its other figures, and runs the
hostile suite against a real server (bench/hostile.py); run alone, this module also runs the bombs here.

Prints, for the same small query over the built database: the median wall time with a fresh
process per query started by "spawn" (a new interpreter), by the fork server (a fork of a
clean process that already imported the libraries: what analytics.safety.sandbox uses), and with a
pool of one warm process reused; then the server's peak resident memory (VmHWM) before and
after running each issue-12 console bomb and upload bomb through the real limits; and a refused login's
time for an unknown user beside a known one with a wrong password.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import multiprocessing
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path

from analytics.access import accounts
from analytics.errors import LoginFailed
from analytics.intake.confined import reader as confined
from analytics.intake.grid import Unreadable
from analytics.safety import console, sandbox
from analytics.settings import load_settings
from analytics.storage import db, writes
from tests.fixtures import bombs

QUERY = "SELECT count(*) AS n FROM v_xa"
REPS = 15
CONSOLE_BOMBS = [
    "SELECT damerau_levenshtein(repeat('a',40000), repeat('b',40000))",
    "SELECT levenshtein(repeat('a',250000), repeat('b',250000))",
    "SELECT len(range(100000000))",
    "SELECT lpad('x', 2000000000, 'y') FROM range(10)",
    "SELECT list(range) FROM range(200000000)",
]


def _peak_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        return int(next(line for line in status if line.startswith("VmHWM:")).split()[1]) / 1024


def _runs(run) -> list[float]:
    """Seconds of ``REPS`` runs."""
    run()  # the first start (a fork server, a pool) is not what each query pays
    times = []
    for _ in range(REPS):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return times


def strategies(snapshot: console.Console) -> dict[str, list[float]]:
    """Seconds of one query under each way of getting a process."""
    def per_query():
        console.run_query(snapshot, QUERY, time_limit_s=60)

    found = {"fork server, fresh process per query": _runs(per_query)}
    forkserver = sandbox._CONTEXT
    sandbox._CONTEXT = multiprocessing.get_context("spawn")
    try:
        found["spawn, fresh process per query"] = _runs(per_query)
    finally:
        sandbox._CONTEXT = forkserver
    task = (console._run, snapshot.views, QUERY, console.ROW_LIMIT, snapshot.memory_mb)
    # Pool workers would import this script as their main module; the server's would not.
    sys.modules["__main__"], main = types.ModuleType("__main__"), sys.modules["__main__"]
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=forkserver) as pool:
        found["pool of one warm process, reused"] = _runs(lambda: pool.submit(*task).result())

    def after_a_kill():  # what a pool pays once a bomb's worker has been killed: a new worker, then the query
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=forkserver) as pool:
            pool.submit(*task).result()

    found["pool whose worker was killed: a new worker, then the query"] = _runs(after_a_kill)
    sys.modules["__main__"] = main
    found["in the server itself (no process, no limits)"] = _runs(
        lambda: console.locked_database(snapshot.views, snapshot.memory_mb).execute(QUERY).fetchall())
    return found


def bombs_peak(snapshot: console.Console, uploads: dict) -> list[tuple[str, str, float]]:
    """Each bomb through the real limits: what it ended with and the server's peak RSS after it."""
    rows = []
    for sql in CONSOLE_BOMBS:
        try:
            console.run_query(snapshot, sql)
            outcome = "answered"
        except Exception as exc:  # noqa: BLE001 - the outcome is what is reported
            outcome = type(exc).__name__
        rows.append((sql, outcome, _peak_mb()))
    for name, (data, filename) in uploads.items():
        try:
            confined(20)(data, filename)
            outcome = "read"
        except Unreadable as exc:
            outcome = str(exc)[:60]
        rows.append((f"upload: {name}", outcome, _peak_mb()))
    return rows


UNKNOWN, KNOWN = "unknown user", "known user, wrong password"


def logins(path: Path) -> dict[str, list[float]]:
    """Seconds of refused logins: an unknown user, a known user with a wrong password."""
    con = db.connect(path)
    try:
        writes.create_user(con, accounts.SYSTEM, "quantri", "Quản trị", "admin", "mat-khau-do-hieu-nang-2026")

        clients = (f"10.0.{n // 250}.{n % 250 + 1}" for n in itertools.count())

        def refused(username):
            try:  # each attempt from an address of its own: after five, one address is held back unchecked
                writes.authenticate(con, username, "sai-mat-khau-roi", client=next(clients))
            except LoginFailed:
                return
            raise AssertionError("a wrong password was accepted")

        return {name: _runs(lambda u=username: refused(u))
                for name, username in ((UNKNOWN, "khong-co-ai"), (KNOWN, "quantri"))}
    finally:
        con.close()


def built(path: Path) -> Path:
    """The shipped plan's database at ``path``."""
    con = db.connect(path)
    writes.build_database(con, load_settings())
    con.close()
    return path


def measure() -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = built(Path(folder) / "bench.duckdb")
        snapshot = console.open_console(path)
        for name, runs in strategies(snapshot).items():
            print(f"{statistics.median(runs) * 1000:8.1f} ms  {name}")
        for name, runs in logins(path).items():
            print(f"{statistics.median(runs) * 1000:8.1f} ms  refused login, {name}")
        print(f"server peak RSS after the queries: {_peak_mb():.0f} MB")
        uploads = bombs.upload_bombs()  # made here, so their own bytes count before, not during
        print(f"server peak RSS after making the upload bombs in memory: {_peak_mb():.0f} MB")
        for what, outcome, peak in bombs_peak(snapshot, uploads):
            print(f"peak {peak:6.0f} MB  {outcome:30.30}  {what[:70]}")
    return 0


if __name__ == "__main__":
    sys.exit(measure())
