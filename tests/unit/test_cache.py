"""The cache of figures: one result per data version and arguments, bounded, never shared across versions."""

import dataclasses
import threading

import pandas as pd

from analytics.access.accounts import User
from analytics.storage import cache, db, writes

ANALYST = User("cv", "Chuyên viên", "analyst")
calls = []


@cache.shared(max_entries=2)
def _counted(con, settings, period, frame=None) -> pd.DataFrame:
    calls.append(period)
    return pd.DataFrame({"period": [period], "threshold": [settings.thresholds["on_track_pct"]]})


def test_one_result_per_version_and_arguments_and_no_more_than_the_bound(con, settings):
    calls.clear()
    first = _counted(con, settings, "2026-01")
    first["threshold"] = 0  # a caller changing its copy changes nobody else's
    assert _counted(con, settings, "2026-01")["threshold"].tolist() == [settings.thresholds["on_track_pct"]]
    strict = dataclasses.replace(settings, thresholds={**settings.thresholds, "on_track_pct": 99})
    assert _counted(con, strict, "2026-01")["threshold"].tolist() == [99]
    _counted(con, settings, "2026-02")
    assert calls == ["2026-01", "2026-01", "2026-02"]
    assert len(_counted.memo.entries) == 2  # the least recently used went
    _counted(con, settings, "2026-01", frame=pd.DataFrame())  # a frame cannot be a key: computed, not kept
    assert calls[-1] == "2026-01" and len(_counted.memo.entries) == 2


def test_a_write_makes_the_next_call_compute_afresh(con, settings):
    calls.clear()
    _counted(con, settings, "2026-03")
    table = pd.DataFrame({"period": ["2026-03"], "code": ["11953"], "total": [20000], "voluntary": [1000],
                          "compulsory": [19000], "labour_force": [None], "source_row": [2], "written_name": [None],
                          "match_method": ["code"], "match_score": [100.0]})
    writes.record_upload(con, table, kind="monthly", file_name="t.csv", sha256="x", user=ANALYST, rows_read=1)
    _counted(con, settings, "2026-03")
    assert calls == ["2026-03", "2026-03"]
    assert all(key[1] == cache.version(con)[2] for key in _counted.memo.entries)  # the old version's went


def test_sessions_asking_at_once_share_one_computation(db_file, settings):
    calls.clear()
    gate = threading.Barrier(4)
    root = db.connect(db_file)
    cursors = [root.cursor() for _ in range(4)]
    results = []

    def ask(cursor):
        gate.wait()
        results.append(_counted(cursor, settings, "2026-04"))

    threads = [threading.Thread(target=ask, args=(c,)) for c in cursors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    root.close()
    assert calls == ["2026-04"] and len(results) == 4
