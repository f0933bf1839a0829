"""Backup round trip: every table identical after restore, sequences continue, nothing overwritten by mistake."""

import datetime as dt
import json

import duckdb
import pytest

from analytics import accounts, audit, backup, db, demo, store
from analytics.accounts import User
from analytics.cli import main
from analytics.errors import BackupError, SchemaTooNew
from analytics.intake import apply, prepare
from analytics.schema import MIGRATIONS

ANALYST = User("chuyen-vien", "Chuyên viên", "analyst")
HEAD = User("trưởng phòng", "Trưởng phòng", "analyst")

TODAY = dt.date(2026, 11, 27)
T0 = dt.datetime(2026, 11, 20, 9, 0)


def csv_bytes(rows) -> bytes:
    return ("\n".join(["Mã xã;Kỳ;Tổng số;Bắt buộc;Tự nguyện"] + [";".join(map(str, r)) for r in rows]) + "\n").encode()


def upload(con, rows, name, when):
    return apply(con, prepare(con, csv_bytes(rows), name, today=TODAY), user=ANALYST, confirm_warnings=True,
                 now=when)


@pytest.fixture
def used(con, settings):
    """The test database after a life of use: demo data, replaced by uploads, one withdrawn, an account, audit."""
    demo.install(con, settings, TODAY)
    upload(con, [["11953", "2026-03", 1000, 900, 100], ["11977", "2026-03", 500, 450, 50]], "t3.csv", T0)
    second = upload(con, [["11953", "2026-04", 1010, 900, 110]], "t4.csv", T0 + dt.timedelta(hours=1))
    store.withdraw(con, second, HEAD, now=T0 + dt.timedelta(hours=2))
    accounts.create_user(con, accounts.SYSTEM, "an", "Nguyễn Văn An", "analyst", "mat-khau-du-dai", now=T0)
    audit.record(con, "an", "xem", "Tổng quan", T0)
    return con


def test_round_trip_keeps_every_table_and_continues_sequences(used, tmp_path):
    manifest = backup.export(used, tmp_path / "bk")
    assert manifest["schema_version"] == len(MIGRATIONS)
    assert manifest["tables"]["uploads"] == 2 and manifest["tables"]["communes"] == 104
    before = db.checksums(used)
    restored_path = tmp_path / "moi" / "bhxh.duckdb"
    backup.restore(tmp_path / "bk", restored_path)
    restored = db.connect(restored_path)
    assert db.checksums(restored) == before
    assert db.schema_version(restored) == len(MIGRATIONS)
    audit.record(restored, "an", "xem", "Bản đồ", T0)
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
    backup.export(used, tmp_path / "bk")
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
    with pytest.raises(BackupError, match="Không khôi phục được"):
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
