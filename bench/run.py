"""``make bench``: the project's figures next to bare baselines measured in the same run.

Writes bench/results.json (every run, medians, ratios, the machine) and the table
at the end of bench/README.md, below its hand-written header. Temporary databases
go to bench/tmp/ (git-ignored) and are removed at the end.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import streamlit

from analytics.safety import console
from analytics.settings import load_settings
from analytics.storage import db, writes
from bench import backups, browser, concurrency, hostile, loadgen, national, pages, replicas, sandbox

BENCH = Path(__file__).resolve().parent
REPS, CSV_REPS, RERUNS = 5, 3, 2
SESSIONS, LOAD_LIMIT_S = (10, 30, 60), 600  # concurrent sessions, and the most a level may take
MARKER = "<!-- Everything below this line is written by bench/run.py. -->"
STARTED = time.perf_counter()


def _say(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:5.0f} s] {message}", flush=True)


def machine() -> dict:
    info = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), platform.processor())
    mem_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:"))
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kib / 1024**2, 1),
            "os": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
            "duckdb": duckdb.__version__, "streamlit": streamlit.__version__, "pandas": pd.__version__}


def figure(section: str, measure: str, baseline: str, runs: tuple[list[float], list[float]], unit: str = "s") -> dict:
    project, bare = statistics.median(runs[0]), statistics.median(runs[1])
    return {"section": section, "measure": measure, "baseline": baseline, "unit": unit, "project": project,
            "bare": bare, "ratio": project / bare, "project_runs": runs[0], "bare_runs": runs[1]}


def _national(workdir: Path, today: dt.date) -> tuple[list[dict], dict]:
    _say("Quy mô toàn quốc: sinh dữ liệu")
    nation = national.generate(load_settings(), today)
    base, full = workdir / "national-base.duckdb", workdir / "national.duckdb"
    national.build_base(base, nation)
    _say("Quy mô toàn quốc: nhập số liệu (record_upload, CSV)")
    ingest = national.ingest(workdir, base, nation, today, REPS, CSV_REPS)
    shutil.copy(base, full)
    con = db.connect(full)
    writes.record_upload(con, nation.table, kind="monthly", file_name="national", sha256="bench",
                        user=national.BENCH_USER, rows_read=len(nation.table))
    con.close()
    _say("Quy mô toàn quốc: truy vấn phân tích")
    queries = national.queries(full, nation, REPS)
    rows, units = len(nation.table), len(nation.units)
    section = (f"National scale: {units:,} units of the 34 provinces × {national.MONTHS} months = {rows:,} rows "
               f"(medians of {REPS} runs; the CSV path of {CSV_REPS})")
    group_by = "`GROUP BY period` over the same rows"
    figures = [
        figure(section, "Ingest the table: `writes.record_upload`",
               "`INSERT INTO t SELECT * FROM df`, table without keys", ingest["record_upload"]),
        *([figure(section, f"Ingest the same rows as a {ingest['csv_mb']:.1f} MB CSV: `intake.prepare` + "
                  "`intake.apply`", "`INSERT INTO t SELECT * FROM read_csv(…)`", ingest["csv"])]
          if ingest["csv"] else []),
        figure(section, "`reads.monthly` (values in force)", group_by, queries["monthly"]),
        figure(section, "`standing.commune_table`, latest month", group_by, queries["commune_table"]),
        figure(section, "`standing.province_series`", group_by, queries["province_series"]),
        figure(section, "A write published to the replicas: `snapshots.publish` (checkpoint, copy, link)",
               "bare copy of the database file", replicas.publish_times(full, REPS)),
    ]
    scale = {"units": units, "rows": rows, "csv_mb": ingest["csv_mb"], "csv_refused": ingest["csv_refused"]}
    return figures, scale, nation


def _pages(workdir: Path, nation: national.Nation) -> dict:
    _say("Trang: cùng phần tử, quy mô tỉnh")
    demo = workdir / "pages-demo.duckdb"
    browser.demo_database(demo)
    out = {"province": pages.measure(workdir, "province", demo, None, RERUNS)}
    _say("Trang: cùng phần tử, quy mô toàn quốc")
    out["national"] = pages.measure(workdir, "national", pages.national_database(workdir, nation),
                                    pages.plan_for(nation.settings, workdir), RERUNS)
    return out


def _load(workdir: Path) -> list[dict]:
    """10, 30 and 60 simulated sessions arriving at once and touring the monitoring pages, each on a fresh server
    that one session has toured first (caches warm, as after the first visitor of the day)."""
    tour = [pages._ws_name(p) for p in browser.PUBLIC_PAGES if p != "dang-nhap"]
    levels = []
    for sessions in SESSIONS:
        _say(f"Tải: {sessions} phiên cùng lúc")
        database = workdir / f"load-{sessions}.duckdb"
        browser.demo_database(database)
        with pages.Served("serve.py", {"BHXH_DB": str(database)}) as app:
            asyncio.run(loadgen.walk(app.port, tour, 1, 0, time.monotonic() + LOAD_LIMIT_S, think=(0, 0)))
            levels.append(asyncio.run(loadgen.load(app.port, app.server.pid, tour, sessions, 1, LOAD_LIMIT_S)))
    return levels


def _backups(workdir: Path) -> tuple[list[dict], dict]:
    _say("Sao lưu khi máy chủ chạy: quy mô toàn quốc, một phiên khác đang ghi")
    raw = backups.measure(workdir / "national.duckdb", workdir, REPS)
    runs, size = raw["runs"], raw["size_mib"]
    section = (f"Online backup of the national database ({raw['database_mib']:.0f} MiB file) while another session "
               f"writes ({raw['writes_during']} writes during; medians of {REPS}; every backup "
               f"{'consistent' if raw['consistent'] else 'NOT CONSISTENT'})")
    export = "bare `EXPORT DATABASE` (Parquet)"
    figures = [
        figure(section, "`backup.online`: `EXPORT DATABASE` in one transaction, manifest, audit", export,
               (runs["online"], runs["export"])),
        figure(section, "`COPY FROM DATABASE` into a new DuckDB file (not chosen)", export,
               (runs["copy"], runs["export"])),
        figure(section, "Size: the backup folder", "the DuckDB file `COPY FROM DATABASE` writes",
               ([size["online"]], [size["copy"]]), unit="MiB"),
        figure(section, "`backup.restore` (import, check, migrate, rename)", "bare `IMPORT DATABASE`",
               (runs["restore"], runs["import"])),
    ]
    return figures, raw


def _confinement(workdir: Path) -> tuple[list[dict], dict]:
    _say("Tiến trình riêng cho mỗi truy vấn; đăng nhập bị từ chối")
    database = sandbox.built(workdir / "sandbox.duckdb")
    ways = sandbox.strategies(console.open_console(database))
    refused = sandbox.logins(database)
    bare = ways.pop("in the server itself (no process, no limits)")
    section = f"SQL console and logins (medians of {sandbox.REPS})"
    figures = [figure(section, f"Console query: {way}", "the same query in the server, no process, no limits",
                      (runs, bare)) for way, runs in ways.items()]
    figures.append(figure(section, f"Refused login: {sandbox.UNKNOWN}", f"refused login: {sandbox.KNOWN}",
                          (refused[sandbox.UNKNOWN], refused[sandbox.KNOWN])))
    return figures, {"strategies": ways | {"in the server": bare}, "logins": refused}


def _hostile(workdir: Path) -> tuple[list[dict], dict]:
    _say("Bộ tấn công của tests/test_hostile.py vào một máy chủ thật")
    raw = hostile.measure(workdir)
    section = (f"The hostile suite against a real server: peak memory (target under {hostile.TARGET_MIB} MiB)")
    figures = [figure(section, "Server peak memory (VmHWM) after every attack",
                      "the same server with the pages open, before any attack",
                      ([raw["peak_mib"]], [raw["baseline_mib"]]), unit="MiB")]
    _say("Thân yêu cầu quá lớn vào một máy chủ thật")
    raw["bodies"] = hostile.bodies(workdir)
    figures.append(figure(section, f"Server peak memory (VmHWM) after {hostile.PARALLEL_BODIES + 2} bodies of "
                          f"{hostile.BODY_BYTES // 2**20} MB at once, twice (Content-Length, chunked)",
                          "the same server with one session open, before them",
                          ([raw["bodies"]["peak_after_mib"]], [raw["bodies"]["peak_before_mib"]]), unit="MiB"))
    return figures, raw


def _value(x: float, unit: str) -> str:
    if unit == "MiB":
        return f"{x:.0f} MiB"
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"


def _loads(values) -> str:
    return " / ".join(f"{v:.1f}" for v in values)


def table(results: dict) -> str:
    m = results["machine"]
    lines = [
        MARKER, "",
        f"## Results of {results['date']}", "",
        f"{m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB · {m['os']} · Python {m['python']}, "
        f"DuckDB {m['duckdb']}, Streamlit {m['streamlit']}, pandas {m['pandas']}, Chromium {results['chromium']} · "
        f"load average (1, 5, 15 min) {_loads(results['load_average']['start'])} at the start and "
        f"{_loads(results['load_average']['end'])} at the end · {results['duration_s'] / 60:.1f} min.",
    ]
    section = None
    for f in results["figures"]:
        if f["section"] != section:
            section = f["section"]
            lines += ["", f"### {section}", "", "| Measure | Project | Bare | Ratio | Bare baseline |",
                      "|---|---:|---:|---:|---|"]
        lines.append(f"| {f['measure']} | {_value(f['project'], f['unit'])} | {_value(f['bare'], f['unit'])} "
                     f"| {f['ratio']:.1f}× | {f['baseline']} |")
    if results["scale"].get("csv_refused"):
        lines += ["", f"The national CSV ({results['scale']['csv_mb']:.1f} MB) was not measured: the upload path "
                  f"refused it ({results['scale']['csv_refused']})."]
    for scale, raw in results["pages"].items():
        lines += _pages_table(scale, raw)
    lines += _load_table(results["load"])
    lines += replicas.table(results["replicas"])
    if "hostile" in results:
        lines += hostile.table(results["hostile"]) + hostile.bodies_table(results["hostile"]["bodies"])
    if "failed" in results["concurrency"]:
        lines += ["", f"### {concurrency.USERS} browser users at once", "",
                  f"Not measured in this run: {results['concurrency']['failed']}"]
    else:
        lines += concurrency.table(results["concurrency"], results["date"])
    return "\n".join(lines) + "\n"


def _s(x: float) -> str:
    return _value(x, "s")


def _pages_table(scale: str, raw: dict) -> list[str]:
    lines = ["", f"### Pages against their same-elements page, {scale} scale ({RERUNS} warm reruns each, medians)", "",
             "Script: server time of a warm rerun, from the request to `script_finished` (bench/loadgen.py). "
             "Drawn: in Chromium, from the click on the sidebar link (visit) or «R» (warm rerun) until the run has "
             "finished and every chart, map and table holds its canvas or SVG. Same: the page's recorded elements "
             "replayed from disk by bench/replay.py.", "",
             "| Page | Script | Same | Ratio | Drawn, visit | Same | Drawn, warm | Same | Ratio | First run |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in pages.summary(raw):
        flag = "" if r["same_elements"] and not r["errors"] else " ⚠"
        lines.append(f"| {r['page']}{flag} | {_s(r['script_warm_s'])} | {_s(r['script_warm_same_s'])} "
                     f"| {r['script_ratio']:.1f}× | {_s(r['drawn_visit_s'])} | {_s(r['drawn_visit_same_s'])} "
                     f"| {_s(r['drawn_warm_s'])} | {_s(r['drawn_warm_same_s'])} | {r['drawn_warm_ratio']:.1f}× "
                     f"| {_s(r['script_first_s'])} |")
    lines += ["", f"Server memory (RSS) after every page: {raw['rss_after_every_page_mib']:.0f} MiB (after the browser "
              f"tours too: {raw['rss_after_browser_mib']:.0f} MiB; peak {raw['peak_rss_mib']:.0f} MiB)."]
    return lines


def _load_table(levels: list[dict]) -> list[str]:
    lines = ["", "### Simulated sessions at once (Streamlit's websocket protocol, no browser each)", "",
             f"Each session opens the app and tours the {len(levels[0]['per_page_p50_s'])} monitoring pages once, "
             f"pausing {loadgen.THINK_S[0]:.0f}–{loadgen.THINK_S[1]:.0f} s per page; page time from the request to "
             "`script_finished`. CPU and memory of the server process, sampled with psutil.", "",
             "| Sessions | Page runs | p50 | p95 | Max | Errors | Server CPU | Peak RSS | Duration |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for lv in levels:
        lines.append(f"| {lv['sessions']} | {lv['page_runs']} | {_s(lv['p50_s'])} | {_s(lv['p95_s'])} "
                     f"| {_s(lv['max_s'])} | {lv['errors']} | {lv['server_cpu_share']:.0%} of a core "
                     f"| {lv['peak_rss_mib']:.0f} MiB | {lv['seconds']:.0f} s |")
    return lines


def write_readme(results: dict) -> None:
    """Replace what follows the marker; the hand-written header above it stays as it is."""
    readme = BENCH / "README.md"
    text = readme.read_text(encoding="utf-8")
    if MARKER not in text:
        raise SystemExit(f"{readme} has lost its marker line; add it back under the header: {MARKER}")
    readme.write_text(text.split(MARKER)[0] + table(results), encoding="utf-8")


def main() -> int:
    load_start = os.getloadavg()
    workdir = BENCH / "tmp"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    today = dt.date.today()
    national_figures, scale, nation = _national(workdir, today)
    backup_figures, saved = _backups(workdir)
    confined_figures, confined = _confinement(workdir)
    hostile_figures, attacked = _hostile(workdir)
    page_results = _pages(workdir, nation)
    load = _load(workdir)
    replicated = replicas.measure(workdir, _say)
    _say("Trình duyệt: năm người dùng cùng lúc so với một người")
    try:
        together = concurrency.measure(workdir)
    except RuntimeError as exc:  # a browser tour stuck on a busy machine: the other figures still stand
        together = {"failed": f"{exc.__cause__ or exc}"[:300]}
    results = {
        "date": today.isoformat(), "machine": machine(), "chromium": page_results["province"]["chromium"],
        "load_average": {"start": load_start, "end": os.getloadavg()},
        "duration_s": time.perf_counter() - STARTED,
        "repetitions": {"national": REPS, "csv": CSV_REPS, "reruns_per_page": RERUNS},
        "scale": scale, "figures": national_figures + backup_figures + confined_figures + hostile_figures,
        "pages": page_results, "load": load, "backups": saved, "confinement": confined, "hostile": attacked,
        "concurrency": together, "replicas": replicated,
    }
    (BENCH / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str) + "\n",
                                        encoding="utf-8")
    write_readme(results)
    shutil.rmtree(workdir)
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
