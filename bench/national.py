"""National scale: every unit of the 34 provinces with 60 months of generated results, against bare DuckDB.

The project's ingest and analytics run on exactly the rows a bare DuckDB statement
handles in the same run, so each ratio is the project's overhead, not the machine's speed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analytics.access.accounts import User
from analytics.figures import standing
from analytics.figures.spans import add_months
from analytics.intake import apply, prepare
from analytics.settings import Settings
from analytics.storage import db, reads, writes
from analytics.units.demo import last_complete_month
from analytics.units.registry import load_registry

MONTHS = 60
BENCH_USER = User("bench", "Đo hiệu năng", "analyst")
SEED = 2030
COLUMNS = ["period", "code", "total", "compulsory", "voluntary", "labour_force",
           "source_row", "written_name", "match_method", "match_score"]
CSV_HEADER = ["Mã xã", "Kỳ", "Tổng số", "Bắt buộc", "Tự nguyện", "Lực lượng lao động"]


def paired(project, bare, reps: int) -> tuple[list[float], list[float]]:
    """Seconds per repetition of each, alternating so that load from elsewhere falls on both alike.

    Each argument makes one run ready (untimed) and returns the callable to time and one to clean up after it.
    """
    runs = ([], [])
    for _ in range(reps):
        for make, out in ((project, runs[0]), (bare, runs[1])):
            action, cleanup = make()
            start = time.perf_counter()
            action()
            out.append(time.perf_counter() - start)
            cleanup()
    return runs


@dataclasses.dataclass
class Nation:
    settings: Settings  # the plan's settings, with a baseline month 60 months back
    units: pd.DataFrame
    aliases: pd.DataFrame
    targets: pd.DataFrame
    table: pd.DataFrame  # COLUMNS, what validation hands to writes.record_upload
    csv: bytes


def generate(settings: Settings, today: dt.date) -> Nation:
    """Every unit, a target each, and monthly stocks growing towards it: deterministic for a given day."""
    registry = load_registry(None)
    units, n = registry.units, len(registry.units)
    last = last_complete_month(today)
    periods = [add_months(last, i - MONTHS + 1) for i in range(MONTHS)]
    rng = np.random.default_rng(SEED)
    target = rng.integers(2_000, 40_000, n)
    targets = pd.DataFrame({"code": units["code"], "target_year": settings.target_year, "total_target": target,
                            "voluntary_min": (target * rng.uniform(0.08, 0.2, n)).astype(int),
                            "source_document": "bench"})
    start = target * rng.uniform(0.55, 0.8, n)
    step = (target - start) / 120 * rng.uniform(0.3, 1.3, n)
    total = np.rint(start + step * np.arange(MONTHS)[:, None]).astype(np.int64)
    voluntary = np.rint(total * rng.uniform(0.05, 0.2, n)).astype(np.int64)
    table = pd.DataFrame({
        "period": np.repeat(periods, n), "code": np.tile(units["code"].to_numpy(), MONTHS),
        "total": total.ravel(), "compulsory": (total - voluntary).ravel(), "voluntary": voluntary.ravel(),
        "labour_force": np.tile(np.rint(target / 0.6).astype(np.int64), MONTHS),
    })
    table = table.assign(source_row=np.arange(2, len(table) + 2), written_name=None, match_method="code",
                         match_score=100.0)[COLUMNS]
    csv = table[["code", "period", "total", "compulsory", "voluntary", "labour_force"]].to_csv(
        sep=";", index=False, header=CSV_HEADER).encode()
    return Nation(dataclasses.replace(settings, baseline_month=periods[0]), units, registry.aliases, targets,
                  table, csv)


def build_base(path: Path, nation: Nation) -> None:
    """A database with the national units and targets and no results yet."""
    con = db.connect(path)
    s, h = nation.settings, nation.settings.headline
    with db.transaction(con):
        con.execute("INSERT INTO plan VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            "34 tỉnh, thành phố", s.title, s.target_year, h.participants, h.voluntary,
            h.labour_force_coverage_pct, h.voluntary_coverage_pct, s.baseline_month, "bench"])
        for table, frame in (("communes", nation.units), ("commune_aliases", nation.aliases),
                             ("targets", nation.targets)):
            con.register("_frame", frame)
            con.execute(f"INSERT INTO {table} SELECT * FROM _frame")
            con.unregister("_frame")
    con.close()


def _fresh(path: Path, source: Path | None = None):
    """A connection to a new file at ``path`` (a copy of ``source``), and what deletes it afterwards."""
    for p in (path, Path(f"{path}.wal")):
        p.unlink(missing_ok=True)
    if source:
        shutil.copy(source, path)
    con = db.connect(path) if source else duckdb.connect(str(path))

    def cleanup():
        con.close()
        for p in (path, Path(f"{path}.wal")):
            p.unlink(missing_ok=True)
    return con, cleanup


PLAIN = ("CREATE TABLE t (period VARCHAR, code VARCHAR, total BIGINT, compulsory BIGINT, voluntary BIGINT, "
         "labour_force BIGINT, source_row INTEGER, written_name VARCHAR, match_method VARCHAR, match_score DOUBLE)")


def ingest(workdir: Path, base: Path, nation: Nation, today: dt.date, reps: int, csv_reps: int) -> dict:
    """The national table through writes.record_upload, and the CSV through prepare + apply, against bare inserts."""
    table, csv_path = nation.table, workdir / "national.csv"
    csv_path.write_bytes(nation.csv)

    def record():
        con, cleanup = _fresh(workdir / "run.duckdb", base)
        return lambda: writes.record_upload(con, table, kind="monthly", file_name="national.csv", sha256="bench",
                                           user=BENCH_USER, rows_read=len(table)), cleanup

    def insert_frame():
        con, cleanup = _fresh(workdir / "bare.duckdb")
        con.execute(PLAIN)
        con.register("df", table)
        return lambda: con.execute("INSERT INTO t SELECT * FROM df"), cleanup

    def prepare_apply():
        con, cleanup = _fresh(workdir / "run.duckdb", base)

        def action():
            prepared = prepare(con, nation.csv, "national.csv", settings=nation.settings, today=today)
            if prepared.errors or len(prepared.checked.table) != len(table):
                raise RuntimeError(f"the generated CSV does not validate: {prepared.errors[:3]}")
            apply(con, prepared, user=BENCH_USER, confirm_warnings=True)
        return action, cleanup

    def insert_csv():
        con, cleanup = _fresh(workdir / "bare.duckdb")
        con.execute(PLAIN)
        return lambda: con.execute(
            "INSERT INTO t (code, period, total, compulsory, voluntary, labour_force) "
            f"SELECT * FROM read_csv('{csv_path}', delim=';', header=true, "
            "types={'Kỳ': 'VARCHAR', 'Mã xã': 'VARCHAR'})"), cleanup

    frame_runs = paired(record, insert_frame, reps)
    warm, cleanup = prepare_apply()  # a server's first upload starts the confined reader's process; not timed
    try:
        warm()
        cleanup()
        csv_runs, refused = paired(prepare_apply, insert_csv, csv_reps), None
    except RuntimeError as exc:  # the upload path's limits (time to read a file) may refuse a national file
        csv_runs, refused = None, str(exc)
    return {"record_upload": frame_runs, "csv": csv_runs, "csv_refused": refused, "csv_mb": len(nation.csv) / 1e6}


BARE_GROUP_BY = ("SELECT period, count(*) AS communes, sum(total) AS total, sum(voluntary) AS voluntary "
                 "FROM monthly_values GROUP BY period ORDER BY period")


def queries(path: Path, nation: Nation, reps: int) -> dict:
    """The analytics the pages run, on the national rows, against a bare GROUP BY over the same rows.

    Each is computed afresh every time (``__wrapped__``: the function without the cache of figures).
    """
    con = db.connect(path)
    latest = con.execute("SELECT max(period) FROM monthly_values").fetchone()[0]
    actions = {
        "monthly": lambda: reads.monthly.__wrapped__(con),
        "commune_table": lambda: standing.commune_table.__wrapped__(con, nation.settings, latest),
        "province_series": lambda: standing.province_series.__wrapped__(con, nation.settings),
    }

    def bare():
        return con.execute(BARE_GROUP_BY).df()

    out = {}
    for name, action in actions.items():
        action(), bare()  # warm: the first call pays for loading blocks, not for the query
        out[name] = paired(lambda a=action: (a, _nothing), lambda: (bare, _nothing), reps)
    con.close()
    return out


def _nothing() -> None:
    """No clean-up needed between runs of a read-only query."""
