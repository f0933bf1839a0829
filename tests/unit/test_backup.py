"""Backup round trip: every table identical after restore, sequences continue, nothing overwritten by mistake."""

import dataclasses
import datetime as dt
import hashlib
import io
import json
import re
import shutil
import threading
import time
import zipfile
from contextlib import closing

import duckdb
import pytest

from analytics.access import accounts, audit
from analytics.access.accounts import User
from analytics.cli import main
from analytics.errors import BackupBusy, BackupError, NotAuthorised, SchemaTooNew
from analytics.intake import apply, prepare
from analytics.settings import DATA_DIR, load_settings
from analytics.storage import backup, backup_schedule, db, writes
from analytics.storage.schema import MIGRATIONS
from analytics.text import fmt
from analytics.units import demo
from tests.helpers import audit_row, file_bytes, offered, plain_text

ANALYST = User("chuyen-vien", "Chuyên viên", "analyst")
HEAD = User("trưởng phòng", "Trưởng phòng", "analyst")

TODAY = dt.date(2026, 11, 27)
T0 = dt.datetime(2026, 11, 20, 9, 0)


def csv_bytes(rows) -> bytes:
    return ("\n".join(["Mã xã;Kỳ;Tổng số;Bắt buộc;Tự nguyện"] + [";".join(map(str, r)) for r in rows]) + "\n").encode()


def upload(con, rows, name, when):
    return apply(con, prepare(con, csv_bytes(rows), name, today=TODAY), user=ANALYST, confirm_warnings=True,
                 now=when)


@pytest.fixture(scope="module")
def used_file(built_db_file, settings, tmp_path_factory):
    """The test database after a life of use: demo data, replaced by uploads, one withdrawn, an account, audit."""
    path = tmp_path_factory.mktemp("used") / "used.duckdb"
    shutil.copy(built_db_file, path)
    with closing(db.connect(path)) as con:
        demo.install(con, settings, TODAY)
        upload(con, [["11953", "2026-03", 1000, 900, 100], ["11977", "2026-03", 500, 450, 50]], "t3.csv", T0)
        second = upload(con, [["11953", "2026-04", 1010, 900, 110]], "t4.csv", T0 + dt.timedelta(hours=1))
        writes.withdraw(con, second, HEAD, now=T0 + dt.timedelta(hours=2))
        writes.create_user(con, accounts.SYSTEM, "an", "Nguyễn Văn An", "analyst", "mat-khau-du-dai", now=T0)
        audit_row(con, "an", "xem", "Tổng quan", T0)
    return path


@pytest.fixture
def used(used_file, db_file):
    """A private copy of ``used_file``, open; it is also the app's database."""
    shutil.copy(used_file, db_file)
    with closing(db.connect(db_file)) as con:
        yield con


def test_round_trip_keeps_every_table_and_continues_sequences(used, tmp_path):
    manifest = backup.export(used, tmp_path / "bk", with_accounts=True)
    assert manifest["schema_version"] == len(MIGRATIONS)
    assert manifest["tables"]["uploads"] == 2 and manifest["tables"]["communes"] == 104
    before = db.checksums(used)
    restored_path = tmp_path / "moi" / "bhxh.duckdb"
    backup.restore(tmp_path / "bk", restored_path)
    restored = db.connect(restored_path)
    assert db.checksums(restored) == before
    assert db.schema_version(restored) == len(MIGRATIONS)
    audit_row(restored, "an", "xem", "Bản đồ", T0)
    last_audit = restored.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    assert last_audit == used.execute("SELECT max(id) FROM audit_log").fetchone()[0] + 1
    next_upload = upload(restored, [["11953", "2026-05", 1020, 900, 120]], "t5.csv", T0 + dt.timedelta(days=1))
    assert next_upload == used.execute("SELECT max(id) FROM uploads").fetchone()[0] + 1
    restored.close()
    assert not list((tmp_path / "moi").glob(".*"))  # no temporary file left behind


def test_restore_refuses_to_overwrite_data_without_force(used, db_file, tmp_path):
    backup.export(used, tmp_path / "bk")
    upload(used, [["11953", "2026-06", 1030, 900, 130]], "t6.csv", T0 + dt.timedelta(days=2))
    current = db.checksums(used)
    used.close()
    with pytest.raises(BackupError, match="--force"):
        backup.restore(tmp_path / "bk", db_file)
    check = db.connect(db_file)
    assert db.checksums(check) == current
    check.close()
    backup.restore(tmp_path / "bk", db_file, force=True)
    check = db.connect(db_file)
    assert check.execute("SELECT count(*) FROM uploads").fetchone()[0] == 2
    check.close()


def test_restore_into_an_empty_database_needs_no_force(used, tmp_path):
    backup.export(used, tmp_path / "bk")
    empty = tmp_path / "trong.duckdb"
    db.connect(empty).close()  # created and migrated, no rows: what a first start without data/ leaves
    backup.restore(tmp_path / "bk", empty)
    check = db.connect(empty)
    assert check.execute("SELECT count(*) FROM communes").fetchone()[0] == 104
    check.close()


def test_forced_restore_discards_the_old_files_log(used, tmp_path):
    """The replaced database's write-ahead log belongs to it; left next to the new file, DuckDB refuses both."""
    backup.export(used, tmp_path / "bk", with_accounts=True)
    expected = db.checksums(used)
    old = tmp_path / "cu.duckdb"
    con = duckdb.connect(str(old))
    con.execute("PRAGMA disable_checkpoint_on_shutdown")
    con.execute("CREATE TABLE t (x INTEGER)")
    con.execute("INSERT INTO t VALUES (1)")
    con.close()
    assert (tmp_path / "cu.duckdb.wal").exists()
    backup.restore(tmp_path / "bk", old, force=True)
    check = db.connect(old)
    assert db.checksums(check) == expected
    check.close()


def test_damaged_or_newer_backup_leaves_the_database_alone(used, tmp_path):
    backup.export(used, tmp_path / "bk")
    target = tmp_path / "dich.duckdb"
    (tmp_path / "bk" / "uploads.parquet").unlink()
    with pytest.raises(BackupError, match=r"thiếu bảng «uploads» \(uploads\.parquet\)"):
        backup.restore(tmp_path / "bk", target)
    assert not list(tmp_path.glob(".*")) and not list(tmp_path.glob("dich*"))  # no temporary file left
    manifest = tmp_path / "bk" / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "schema_version": len(MIGRATIONS) + 1}))
    with pytest.raises(SchemaTooNew):
        backup.restore(tmp_path / "bk", target)
    with pytest.raises(BackupError, match="không phải một bản sao lưu"):
        backup.restore(tmp_path, target)
    assert not target.exists()


def test_export_never_mixes_with_an_existing_directory(used, tmp_path):
    (tmp_path / "bk").mkdir()
    (tmp_path / "bk" / "ghi-chu.txt").write_text("x")
    with pytest.raises(BackupError, match="đã có nội dung"):
        backup.export(used, tmp_path / "bk")
    assert [p.name for p in (tmp_path / "bk").iterdir()] == ["ghi-chu.txt"]


def test_command_line(used, db_file, tmp_path, capsys):
    used.close()
    assert main(["backup", "export", str(tmp_path / "bk")]) == 0
    assert "Đã sao lưu" in capsys.readouterr().out
    assert main(["backup", "restore", str(tmp_path / "bk")]) == 1
    assert "LỖI: Cơ sở dữ liệu" in capsys.readouterr().err
    assert main(["backup", "restore", str(tmp_path / "bk"), "--force"]) == 0
    assert f"Đã khôi phục {db_file}" in capsys.readouterr().out
    assert main(["backup", "restore", str(tmp_path / "bk"), "--db", str(tmp_path / "khac.duckdb")]) == 0


# ---------------------------------------------------------------- the running server backs itself up

ADMIN = User("quantri", "Quản trị", "admin")
DAY = dt.datetime(2026, 12, 1)


def restored(source, tmp_path) -> dict:
    """The checksums of a fresh database restored from ``source``."""
    path = tmp_path / f"khoi-phuc-{len(list(tmp_path.glob('khoi-phuc-*')))}.duckdb"
    backup.restore(source, path)
    con = db.connect(path)
    try:
        return db.checksums(con)
    finally:
        con.close()


def test_an_online_backup_holds_what_was_committed_when_it_began_while_another_session_writes(
        used, settings, tmp_path, monkeypatch):
    """An upload committed by another session in the middle of the backup is in the live database, not in the
    backup; a restore gives exactly the tables as they were when the backup began."""
    before = db.checksums(used)
    counted = backup._row_counts

    def counted_then_another_session_uploads(con):
        counts = counted(con)  # inside the backup's transaction: its snapshot is taken
        monkeypatch.setattr(backup, "_row_counts", counted)
        other = used.cursor()
        writer = threading.Thread(target=upload, args=(other, [["11953", "2026-05", 1020, 900, 120]], "t5.csv",
                                                       T0 + dt.timedelta(days=1)))
        writer.start()
        writer.join()
        other.close()
        return counts

    monkeypatch.setattr(backup, "_row_counts", counted_then_another_session_uploads)
    made = writes.make_backup(used.cursor(), ADMIN, settings, now=DAY)
    assert used.execute("SELECT file_name FROM uploads ORDER BY id DESC LIMIT 1").fetchone() == ("t5.csv",)
    assert made.directory == tmp_path / "sao-luu" / "bhxh-2026-12-01-000000-theo-yeu-cau"
    assert made.rows == sum(json.loads((made.directory / "manifest.json").read_text())["tables"].values())
    assert restored(made.directory, tmp_path) == before
    entry = audit.entries(used).iloc[0]
    assert (entry["actor"], entry["action"]) == ("quantri", "backup")
    assert entry["detail"].startswith(f"bhxh-2026-12-01-000000-theo-yeu-cau: {made.tables} bảng, {made.rows} dòng")


def test_a_downloaded_backup_restores_from_its_zip(used, settings, tmp_path):
    before = db.checksums(used)
    made = writes.make_backup(used, ADMIN, settings, now=DAY)
    (tmp_path / "tai-ve.zip").write_bytes(backup.zipped(made.directory, with_accounts=True))
    assert main(["backup", "restore", str(tmp_path / "tai-ve.zip"), "--db", str(tmp_path / "moi.duckdb")]) == 0
    con = db.connect(tmp_path / "moi.duckdb")
    assert db.checksums(con) == before
    con.close()
    (tmp_path / "la.zip").write_bytes(b"PK\x05\x06" + bytes(18))  # an empty archive: no manifest
    with pytest.raises(BackupError, match="không phải một bản sao lưu đầy đủ"):
        backup.restore(tmp_path / "la.zip", tmp_path / "khac.duckdb")


def test_only_an_administrator_backs_up_and_never_two_at_once(used, settings, tmp_path):
    before = db.checksums(used)
    for who in (ANALYST, User("lanhdao", "Lãnh đạo", "viewer"), None):
        with pytest.raises(NotAuthorised):
            writes.make_backup(used, who, settings, now=DAY)
    assert not (tmp_path / "sao-luu").exists() and db.checksums(used) == before
    with backup._RUNNING:  # a backup is running
        with pytest.raises(BackupBusy, match="Đang có một bản sao lưu khác"):
            writes.make_backup(used, ADMIN, settings, now=DAY)
        daily = backup_schedule.Daily(tmp_path / "bhxh.duckdb", DATA_DIR / "plan.toml")
        daily.since = DAY - dt.timedelta(days=1)
        assert daily.check(DAY + dt.timedelta(hours=3)) is None  # the day's backup waits for the next check
    assert db.checksums(used) == before and backup.listed(settings) == []
    assert daily.check(DAY + dt.timedelta(hours=3)).directory.name == "bhxh-2026-12-01-030000-hang-ngay"


def test_daily_backups_once_a_day_after_their_time_keeping_the_newest(used, settings, tmp_path):
    plan = dataclasses.replace(settings, backup_keep=3)
    database = tmp_path / "bhxh.duckdb"
    since = DAY + dt.timedelta(hours=10)  # the server started at 10:00: the first is due the next night

    def run(at: dt.datetime):
        made = backup_schedule.run_if_due(used, plan, database, at, since)
        return made and made.directory.name

    assert run(DAY + dt.timedelta(hours=23)) is None
    assert run(DAY + dt.timedelta(days=1, hours=1, minutes=59)) is None
    assert run(DAY + dt.timedelta(days=1, hours=2, minutes=7)) == "bhxh-2026-12-02-020700-hang-ngay"
    assert run(DAY + dt.timedelta(days=1, hours=9)) is None  # once a day
    kept = writes.make_backup(used, ADMIN, plan, now=DAY + dt.timedelta(days=1, hours=9)).directory.name
    for day in (2, 3, 4):  # a server down for a night makes that day's at its first check
        assert run(DAY + dt.timedelta(days=day, hours=6)) == f"bhxh-2026-12-0{day + 1}-060000-hang-ngay"
    names = [p.name for p in backup.listed(plan)]
    assert names == ["bhxh-2026-12-02-090000-theo-yeu-cau", "bhxh-2026-12-03-060000-hang-ngay",
                     "bhxh-2026-12-04-060000-hang-ngay", "bhxh-2026-12-05-060000-hang-ngay"]
    assert kept in names  # made on demand: never deleted by the count
    log = audit.entries(used)
    assert log[log["action"] == "backup_pruned"]["detail"].tolist() == ["bhxh-2026-12-02-020700-hang-ngay"]
    assert (log["action"] == "backup").sum() == 5
    assert not backup_schedule.due(dataclasses.replace(plan, backup_daily_at=""), database,
                                   DAY + dt.timedelta(days=9), since)  # daily backups off


def test_the_daily_thread_catches_up_a_missed_day_and_stops(used, settings, plan_dir, tmp_path):
    plan = plan_dir / "plan.toml"
    plan.write_text(plan.read_text(encoding="utf-8").replace('daily_at = "02:00"', 'daily_at = "00:00"'),
                    encoding="utf-8")
    yesterday = dt.datetime.combine(dt.date.today() - dt.timedelta(days=1), dt.time(0, 30))
    writes.make_backup(used, ADMIN, settings, backup.DAILY, now=yesterday)
    daily = backup_schedule.Daily(tmp_path / "bhxh.duckdb", plan).start()
    try:
        deadline = time.monotonic() + 300  # only stops a hung test: a backup takes about a second
        while len(backup.listed(settings, backup.DAILY)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        daily.stop()
    assert [backup.made_at(p).date() for p in backup.listed(settings, backup.DAILY)] == [
        yesterday.date(), dt.date.today()]
    assert audit.entries(used)["action"].tolist()[:2] == ["backup", "backup"]


def test_a_failed_daily_backup_is_audited_and_the_server_goes_on(used, settings, tmp_path):
    (tmp_path / "sao-luu").write_text("một tệp, không phải thư mục")
    daily = backup_schedule.Daily(tmp_path / "bhxh.duckdb", DATA_DIR / "plan.toml")
    daily.since = DAY - dt.timedelta(days=1)
    assert daily.check(DAY + dt.timedelta(hours=3)) is None
    entry = audit.entries(used).iloc[0]
    assert (entry["actor"], entry["action"]) == ("system", "backup_failed")
    assert entry["detail"].startswith("Không xuất được cơ sở dữ liệu vào")


def test_the_admin_page_backs_up_while_the_server_runs(open_page, used, db_file, tmp_path):
    at = open_page("ui/admin.py", db_file, user=ADMIN)  # signs in: a session, an account
    before = db.checksums(used)
    keys = ("app_keys", "sessions")  # the signed-in admin's session and its key: never in a backup
    counts = {t: n for t, n in backup._row_counts(used).items() if t not in keys}  # the data version's too
    tables, rows = len(counts), fmt.number(sum(counts.values()))
    assert any("Chưa có bản sao lưu nào" in i.value for i in at.info)
    next(b for b in at.button if b.label == "Sao lưu ngay").click().run()
    [made] = backup.listed(load_settings())
    [message] = [plain_text(s.value) for s in at.success]
    assert re.fullmatch(rf"Đã sao lưu vào {made.name}: {tables} bảng, {rows} dòng, [\d,]+ MB, [\d,]+ giây\.", message)
    links = offered(at)
    assert [label for label, _ in links][-3:] == ["Tải bản sao lưu (.zip)", "Tải CSV", "Tải Excel"]
    assert (links[-3][1].needs, links[-3][1].file_name) == ("backup", f"{made.name}.zip")
    with zipfile.ZipFile(io.BytesIO(file_bytes(links[-3][1]))) as archive:
        parts = set(archive.namelist())
    assert "manifest.json" in parts and not {"app_keys.parquet", "sessions.parquet", "accounts/users.parquet",
                                             "users.parquet"} & parts
    at.checkbox(key="backup_with_accounts").check().run()
    [(label, with_hashes)] = [(label, o) for label, o in offered(at) if "sao lưu" in label]
    assert (label, with_hashes.file_name) == ("Tải bản sao lưu kèm tài khoản (.zip)", f"{made.name}-kem-tai-khoan.zip")
    with zipfile.ZipFile(io.BytesIO(file_bytes(with_hashes))) as archive:
        assert "accounts/users.parquet" in archive.namelist()
        assert not {"app_keys.parquet", "sessions.parquet"} & set(archive.namelist())
    listed = next(d.value for d in at.dataframe if "kind" in d.value.columns)
    assert listed[["name", "kind"]].values.tolist() == [[made.name, "Bấm tay trên trang Quản trị"]]
    assert {name for name, digest in db.checksums(used).items() if before[name] != digest} == {"audit_log"}
    assert audit.entries(used)[["actor", "action"]].iloc[0].tolist() == ["quantri", "backup"]
    empty = restored(made, tmp_path)
    assert [empty[t] for t in keys] == [hashlib.sha256(b"[]").hexdigest()] * 2  # no key, no session: sign in again
    assert {t: d for t, d in empty.items() if t not in keys} == {t: d for t, d in before.items() if t not in keys}
