"""Faults: an ingest killed mid-way, two uploads at once, a damaged, missing or unwritable database file.

DuckDB lets one process at a time open a database file. The web app is that
single writer: one process, one connection shared by every session through
cursors, writes serialised by ``writes.WRITE_LOCK``. Any other process (the
ingest, build or backup commands) gets DatabaseLocked while the server runs.
A missing database file is simply created, empty and migrated; the app then
builds it from data/ (``writes.build_database``).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import random
import shutil
import signal
import statistics
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from analytics.access.accounts import User
from analytics.errors import DatabaseLocked, DatabaseUnavailable
from analytics.intake import apply, prepare
from analytics.storage import backup, db, reads
from analytics.storage.schema import MIGRATIONS
from analytics.units import demo
from tests.helpers import audit_row

ANALYST = User("chuyen-vien", "Chuyên viên", "analyst")

TODAY = dt.date(2027, 12, 31)  # lets the big upload span 24 months from the plan's baseline month
NOW = dt.datetime(2027, 12, 31, 9, 0)  # fixed, so the state after the upload is known exactly
MONTHS = [f"{2026 + i // 12}-{i % 12 + 1:02d}" for i in range(24)]
KILLS, SEED = 20, 403
RESTORE_HINT = "python -m analytics backup restore"
FORKS = multiprocessing.get_context("forkserver")
FORKS.set_forkserver_preload(["analytics.intake", "tests.unit.test_faults"])  # children start in milliseconds


def csv_bytes(rows) -> bytes:
    return ("\n".join(["Mã xã;Kỳ;Tổng số;Bắt buộc;Tự nguyện"] + [";".join(map(str, r)) for r in rows]) + "\n").encode()


def monthly_rows(codes, months, start=5000):
    return [[code, period, start + 10 * i + t, start - 500 + 10 * i, 500 + t]
            for i, code in enumerate(codes) for t, period in enumerate(months)]


def next_upload_id(con) -> int:
    return con.execute("SELECT max(id) + 1 FROM uploads").fetchone()[0]


def codes(con) -> list[str]:
    return [r[0] for r in con.execute("SELECT code FROM communes ORDER BY code").fetchall()]


def state(path: Path) -> dict[str, str]:
    con = db.connect(path)
    try:
        return db.checksums(con)
    finally:
        con.close()


@pytest.fixture(scope="module")
def before(demo_db_file):
    """The built database with demo data: the state every killed upload starts from (tests copy it)."""
    return demo_db_file


@pytest.fixture(scope="module")
def big_upload(before):
    """Every commune × 24 months, read and checked once; the children only apply it."""
    con = db.connect(before, read_only=True)
    prepared = prepare(con, csv_bytes(monthly_rows(codes(con), MONTHS)), "ca-nam.csv", today=TODAY)
    con.close()
    assert len(prepared.checked.table) == 104 * 24 and not prepared.errors
    return prepared


def _apply_in_child(path, prepared, pipe, kill_after):
    """Apply the upload and report how long it took, or be killed ``kill_after`` seconds into it.

    The kill comes from a thread of the child itself: a parent on a busy machine wakes too late to aim it.
    """
    con = db.connect(path)
    if kill_after is not None:
        threading.Thread(target=lambda: (time.sleep(kill_after), os.kill(os.getpid(), signal.SIGKILL))).start()
    started = time.perf_counter()
    apply(con, prepared, user=ANALYST, confirm_warnings=True, now=NOW)
    con.close()  # a checkpoint: kills land in it too
    pipe.send(time.perf_counter() - started)


def _apply_in_a_child(path, prepared, kill_after=None):
    """The child's exit code, and how long the apply took when it was not killed."""
    ours, theirs = FORKS.Pipe()
    child = FORKS.Process(target=_apply_in_child, args=(str(path), prepared, theirs, kill_after))
    child.start()
    child.join(600)  # only stops a hung child: an apply takes about a second
    return child.exitcode, ours.recv() if ours.poll() else None


@pytest.mark.slow
def test_killed_ingest_leaves_the_state_before_or_after(before, big_upload, tmp_path, capsys):
    before_state, durations, after_state = state(before), [], None
    for i in range(3):  # full applies: how long one takes, and the state it leaves
        path = tmp_path / f"full{i}.duckdb"
        shutil.copy(before, path)
        exitcode, duration = _apply_in_a_child(path, big_upload)
        assert exitcode == 0
        durations.append(duration)
        after_state = after_state or state(path)
        assert state(path) == after_state != before_state
    duration = statistics.median(durations)
    rng = random.Random(SEED)
    landed, replayed, finished = {"before": 0, "after": 0}, 0, 0
    for i in range(KILLS):
        path = tmp_path / f"kill{i}.duckdb"
        shutil.copy(before, path)
        exitcode, _ = _apply_in_a_child(path, big_upload, kill_after=rng.uniform(0, duration))
        assert exitcode in (0, -signal.SIGKILL)
        finished += exitcode == 0
        replayed += Path(f"{path}.wal").exists()
        found = state(path)  # opening replays the write-ahead log, closing checkpoints it
        assert found in (before_state, after_state), f"kill {i}: neither the state before nor after the upload"
        landed["before" if found == before_state else "after"] += 1
        _write_after_recovery(path)
    with capsys.disabled():
        print(f"\n{KILLS} SIGKILLs during an upload of {104 * 24} rows (apply ≈ {duration * 1000:.0f} ms): "
              f"{landed['before']} left the state before it, {landed['after']} the state after "
              f"({finished} of them had finished before the kill); {replayed} left a write-ahead log to replay.")


def _write_after_recovery(path: Path) -> None:
    """A recovered database takes the next write and keeps it, even after a torn log was left behind."""
    con = db.connect(path)
    audit_row(con, "kiểm tra", "sau_khi_khoi_phuc", "", NOW)
    con.close()
    con = db.connect(path, read_only=True)
    assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'sau_khi_khoi_phuc'").fetchone()[0] == 1
    con.close()
    assert not Path(f"{path}.wal").exists()


def test_two_sessions_uploading_at_once_are_serialised(con, settings):
    """Both uploads replace the demo rows: unserialised, the second's delete would conflict with the first's."""
    demo.install(con, settings, dt.date(2026, 11, 27))
    halves = {"a": codes(con)[:52], "b": codes(con)[52:]}
    prepared = {name: prepare(con, csv_bytes(monthly_rows(part, MONTHS[:10])), f"{name}.csv", today=TODAY)
                for name, part in halves.items()}
    start, ids, failures, first = threading.Barrier(2), {}, [], next_upload_id(con)

    def session(name):
        cursor = con.cursor()  # as each Streamlit session gets from ui.state.connection
        start.wait()
        try:
            ids[name] = apply(cursor, prepared[name], user=User(name, name, "analyst"), confirm_warnings=True,
                              now=NOW)
        except Exception as exc:
            failures.append(exc)

    threads = [threading.Thread(target=session, args=(name,)) for name in prepared]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert sorted(ids.values()) == [first, first + 1]
    in_force = reads.monthly(con)
    assert len(in_force) == 104 * 10 and set(in_force["upload_id"]) == {first, first + 1}
    assert not reads.has_demo(con)


def _hold_and_apply(path, prepared, pipe):
    con = db.connect(path)
    pipe.send("ready")
    pipe.recv()
    apply(con, prepared, user=ANALYST, confirm_warnings=True, now=NOW)
    con.close()


def test_a_second_process_gets_database_locked(before, big_upload, tmp_path):
    path = tmp_path / "bhxh.duckdb"
    shutil.copy(before, path)
    con = db.connect(path)
    backup.export(con, tmp_path / "bk")
    small = prepare(con, csv_bytes(monthly_rows(codes(con)[:3], ["2026-11"], 9000)), "it.csv", today=TODAY)
    con.close()
    ours, theirs = FORKS.Pipe()
    holder = FORKS.Process(target=_hold_and_apply, args=(str(path), big_upload, theirs))
    holder.start()
    assert ours.poll(60) and ours.recv() == "ready"
    try:
        for read_only in (False, True):
            with pytest.raises(DatabaseLocked) as caught:
                db.connect(path, read_only=read_only)
            assert str(caught.value) == (f"Cơ sở dữ liệu {path} đang được một tiến trình khác sử dụng. "
                                         "Hãy đóng tiến trình đó rồi thử lại.")
        with pytest.raises(DatabaseLocked):  # not even a forced restore replaces a file in use
            backup.restore(tmp_path / "bk", path, force=True)
    finally:
        ours.send("go")
        holder.join(600)  # only stops a hung child
    assert holder.exitcode == 0
    con = db.connect(path)  # the first process is gone: the second one's upload goes in after its upload
    assert reads.uploads(con)["file_name"].tolist() == ["ca-nam.csv"]
    second = apply(con, small, user=ANALYST, confirm_warnings=True, now=NOW)
    in_force = reads.monthly(con)
    assert len(in_force) == 104 * 24 and (in_force["upload_id"] == second).sum() == 3
    con.close()


def _readable(path: Path) -> bool:
    """Whether DuckDB itself reads every row of every table (it checks each block's checksum on reading)."""
    try:
        con = duckdb.connect(str(path))
        for name in db.table_names(con):
            con.execute(f'SELECT * FROM "{name}"').fetchall()
        con.close()
        return True
    except duckdb.Error:
        return False


def _scribble(path: Path, offset: int) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(random.Random(offset).randbytes(4096))


def _overwrite_middle(path: Path) -> None:
    """Random bytes in the middle of a block that holds rows: the one nearest the file's middle."""
    pristine, size = path.read_bytes(), path.stat().st_size
    for step in (0, -1, 1, -2, 2, -3, 3):
        path.write_bytes(pristine)
        _scribble(path, size // 2 + step * 256 * 1024)
        if not _readable(path):
            return
    raise AssertionError("no block near the middle of the file holds rows")


def _truncate_half(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)
    assert not _readable(path)


@pytest.mark.parametrize("damage", [
    lambda p: _scribble(p, 0),  # the file header
    _overwrite_middle,
    _truncate_half,
    lambda p: os.truncate(p, 100),
    lambda p: os.truncate(p, 0),
], ids=["header", "middle", "truncated-to-half", "truncated-to-100-bytes", "empty"])
def test_damaged_file_is_a_named_error_naming_the_restore(before, tmp_path, damage):
    path = tmp_path / "hong.duckdb"
    shutil.copy(before, path)
    damage(path)
    with pytest.raises(DatabaseUnavailable) as caught:
        db.connect(path)
    assert str(path) in str(caught.value) and RESTORE_HINT in str(caught.value)


def test_missing_file_is_created_empty_and_migrated(tmp_path):
    path = tmp_path / "moi" / "bhxh.duckdb"
    con = db.connect(path)
    assert db.schema_version(con) == len(MIGRATIONS)
    assert con.execute("SELECT count(*) FROM communes").fetchone()[0] == 0
    con.close()


@pytest.fixture
def locked_dir():
    """A directory the test process cannot write into; as root, the test gives up root while it tries."""
    parent = Path(tempfile.mkdtemp(prefix="bhxh-"))
    parent.chmod(0o755)
    folder = parent / "khong-ghi"
    folder.mkdir()
    yield folder
    folder.chmod(0o755)
    shutil.rmtree(parent)


@contextmanager
def unprivileged():
    root = os.geteuid() == 0
    if root:
        os.seteuid(65534)  # nobody
    try:
        yield
    finally:
        if root:
            os.seteuid(0)


def _existing_file(folder: Path, before: Path) -> Path:
    path = folder / "bhxh.duckdb"
    shutil.copy(before, path)
    path.chmod(0o666)  # the file itself is writable: DuckDB would open it, then fail to create its .wal
    return path


@pytest.mark.parametrize("where", [
    lambda folder, before: folder / "bhxh.duckdb",
    lambda folder, before: folder / "du-lieu" / "bhxh.duckdb",
    _existing_file,
], ids=["new-file", "new-folder", "existing-file"])
def test_unwritable_directory_is_a_clear_error(before, locked_dir, where):
    path = where(locked_dir, before)
    locked_dir.chmod(0o555)
    with unprivileged(), pytest.raises(DatabaseUnavailable) as caught:
        db.connect(path)
    assert str(locked_dir) in str(caught.value) and "BHXH_DB" in str(caught.value)
