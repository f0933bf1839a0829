"""One writer process, readers of snapshots: a write sent from a reader runs in the writer with its role check, its
transaction and its audit row, and the reader's next cursor sees it; a write that cannot reach the writer, or that
fails there, leaves the data as it was."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client

import pytest

from analytics.access.accounts import SYSTEM, User
from analytics.cli import main
from analytics.errors import NotAuthorised, UserExists, WriterUnavailable
from analytics.storage import db, reads, snapshots, writer, writes
from analytics.storage.writes import catalogue

VIEWER = User("lanh-dao", "Lãnh đạo", "viewer")
T0 = dt.datetime(2026, 11, 30, 9, 0)


def _users(con) -> list[tuple]:
    return db.rows(con, "SELECT username, display_name, role FROM users ORDER BY username")


@pytest.fixture
def served(tiny_db):
    """The tiny plan's database held by a writer on a thread, as ``python -m analytics writer`` holds it; this
    process then reads its snapshots and sends it every write, as a replica does."""
    con = db.connect(tiny_db)
    server = writer.Writer(tiny_db, con)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    writer.send_writes_to(tiny_db)
    try:
        yield tiny_db
    finally:
        catalogue.forward_to(None)
        server.close()
        thread.join(timeout=10)
        con.close()


def test_a_write_from_a_reader_runs_in_the_writer_and_the_next_read_sees_it(served):
    reader = snapshots.Reader(served)
    before = snapshots.current(served)
    made = writes.create_user(reader.cursor(), SYSTEM, "chuyen-vien", "Chuyên viên", "analyst",
                              "mot-mat-khau-du-dai-2030", now=T0)
    assert made == User("chuyen-vien", "Chuyên viên", "analyst")
    assert snapshots.current(served) != before
    con = reader.cursor()
    assert _users(con) == [("chuyen-vien", "Chuyên viên", "analyst")]
    assert db.rows(con, "SELECT happened_at, actor, action, detail FROM audit_log WHERE action <> 'build'") == [
        (T0, SYSTEM.username, "create_user", "chuyen-vien (analyst)")]


def test_the_writer_checks_the_role_itself(served):
    """A write that skipped the reader's own check (sent by hand) is refused by the writer: nothing written."""
    before = snapshots.current(served)
    with pytest.raises(NotAuthorised):
        writer.Remote(served)("create_user", (VIEWER, "ke-la", "Kẻ lạ", "admin", "mot-mat-khau-du-dai-2030"), {},
                              VIEWER, T0)
    assert _users(snapshots.Reader(served).cursor()) == []
    assert snapshots.current(served) == before


def test_a_write_refused_in_the_writer_changes_nothing(served):
    reader = snapshots.Reader(served)
    writes.create_user(reader.cursor(), SYSTEM, "chuyen-vien", "Chuyên viên", "analyst", "mot-mat-khau-du-dai-2030")
    published = snapshots.current(served)
    with pytest.raises(UserExists, match="đã có"):
        writes.create_user(reader.cursor(), SYSTEM, "chuyen-vien", "Người khác", "admin", "mot-mat-khau-khac-2030")
    assert snapshots.current(served) == published
    assert _users(reader.cursor()) == [("chuyen-vien", "Chuyên viên", "analyst")]


def test_a_connection_without_the_key_is_refused_and_the_writer_goes_on(served):
    with pytest.raises(AuthenticationError):
        Client(str(writer.socket_for(served)), "AF_UNIX", authkey=b"not the key")
    writes.create_user(snapshots.Reader(served).cursor(), SYSTEM, "sau-do", "Sau đó", "viewer",
                       "mot-mat-khau-du-dai-2030")
    assert _users(snapshots.Reader(served).cursor()) == [("sau-do", "Sau đó", "viewer")]


def test_without_a_writer_a_write_is_refused_in_vietnamese(tiny_db, tmp_path):
    """Where the writer has stopped, a reader's write is refused and the snapshot it read stays as it was."""
    con = db.connect(tiny_db)
    snapshots.publish(con, tiny_db)
    con.close()
    catalogue.forward_to(writer.Remote(tiny_db))
    try:
        reader = snapshots.Reader(tiny_db)
        with pytest.raises(WriterUnavailable, match="Không gửi được thao tác tới tiến trình ghi dữ liệu"):
            writes.create_user(reader.cursor(), SYSTEM, "chuyen-vien", "Chuyên viên", "analyst",
                               "mot-mat-khau-du-dai-2030")
    finally:
        catalogue.forward_to(None)
    assert _users(db.connect(tiny_db, read_only=True)) == []


def test_a_reader_opens_only_the_newest_snapshot_and_old_ones_go(tiny_db):
    con = db.connect(tiny_db)
    published = [snapshots.publish(con, tiny_db) for _ in range(snapshots.KEEP + 3)]
    con.close()
    assert snapshots.current(tiny_db) == published[-1]
    assert sorted(snapshots.folder_for(tiny_db).glob("*.duckdb")) == sorted(published[-snapshots.KEEP - 1:])
    assert reads.latest_period(snapshots.Reader(tiny_db).cursor()) is None


def test_the_command_line_writes_through_a_running_writer(served, monkeypatch, capsys):
    """`python -m analytics users create-admin` while the server runs: the writer, not a lock error."""
    monkeypatch.setenv("BHXH_DB", str(served))
    monkeypatch.setenv("BHXH_ADMIN_PASSWORD", "mot-mat-khau-quan-tri-2030")
    catalogue.forward_to(None)  # the command line finds the writer itself
    assert main(["users", "create-admin", "quan-tri"]) == 0
    assert "Đã tạo tài khoản quản trị «quan-tri»" in capsys.readouterr().out
    assert _users(snapshots.Reader(served).cursor()) == [("quan-tri", "Quản trị hệ thống", "admin")]


def test_a_snapshot_is_a_whole_database(tiny_db, tmp_path):
    """What a reader opens holds every table the writer's file holds, row for row."""
    con = db.connect(tiny_db)
    writes.create_user(con, SYSTEM, "chuyen-vien", "Chuyên viên", "analyst", "mot-mat-khau-du-dai-2030")
    published = snapshots.publish(con, tiny_db)
    expected = db.checksums(con)
    con.close()
    copy = tmp_path / "copy.duckdb"
    shutil.copy(published, copy)
    assert db.checksums(db.connect(copy, read_only=True)) == expected


def test_the_command_line_backs_up_while_the_writer_holds_the_file(served, monkeypatch, tmp_path, capsys):
    """`backup export` reads the newest snapshot: no «Could not set lock on file» while the server runs."""
    monkeypatch.setenv("BHXH_DB", str(served))
    catalogue.forward_to(None)
    assert main(["backup", "export", str(tmp_path / "sao-luu")]) == 0
    assert f"Đã sao lưu {served} vào" in capsys.readouterr().out
    assert (tmp_path / "sao-luu" / "manifest.json").is_file()


def test_a_backup_made_on_a_replica_goes_beside_the_database(served, tiny_settings):
    """The administrator's button on a replica: exported from the snapshot, kept where the server's backups are,
    audited by the writer."""
    admin = User("quan-tri", "Quản trị", "admin")
    made = writes.make_backup(snapshots.Reader(served).cursor(), admin, tiny_settings, now=T0)
    assert made.directory.parent == served.parent / tiny_settings.backup_folder
    assert (made.directory / "manifest.json").is_file()
    assert db.rows(snapshots.Reader(served).cursor(), "SELECT actor, action FROM audit_log WHERE action = 'backup'") \
        == [("quan-tri", "backup")]
