"""A backup is no key to the house, and a crafted one changes nothing: refused by the part that does not belong.

Every hostile restore is forced over the prepared database (tests.test_hostile's pattern: the console tests'
tiny database and the account quantri) and must leave every table's checksum as it was. A backup made without
accounts restores the prepared data exactly while keeping the accounts, so even a restore that succeeds shows by
its checksums that nothing from the archive but its tables went in.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import zipfile
from contextlib import closing
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analytics import accounts, audit, backup, db, restore, sessions
from analytics.accounts import User
from analytics.cli import main
from analytics.errors import BackupError, NotAuthorised
from analytics.schema import MIGRATIONS
from tests.test_console import tiny_database

ADMIN = User("quantri", "Quản trị", "admin")
NOW = dt.datetime(2026, 7, 10, 8, 0)
FOREIGN = "Bản sao lưu có phần không thuộc về nó: "
KEYS = {"app_keys", "sessions"}


@pytest.fixture(scope="module")
def prepared(built_db_file, tmp_path_factory):
    """The console tests' database: a tiny upload, the account quantri, their audit; and its checksums."""
    return tiny_database(built_db_file, tmp_path_factory.mktemp("hostile-backup") / "prepared.duckdb")


@pytest.fixture
def target(prepared, tmp_path) -> Path:
    """A private copy of ``prepared``: the database every hostile backup is forced over."""
    shutil.copy(prepared[0], tmp_path / "bhxh.duckdb")
    return tmp_path / "bhxh.duckdb"


@pytest.fixture
def made(target, tmp_path) -> Path:
    """A backup of ``target`` without accounts, as a folder to tamper with."""
    with closing(db.connect(target, read_only=True)) as con:
        backup.export(con, tmp_path / "bk")
    return tmp_path / "bk"


def file_changed(path, prepared) -> set[str]:
    """The tables whose contents differ from the prepared database's."""
    with closing(db.connect(path, read_only=True)) as con:
        return {name for name, digest in db.checksums(con).items() if prepared[1].get(name) != digest}


def zipped(directory: Path) -> Path:
    """The folder as the ZIP someone would hand over, every part at its place."""
    path = directory.with_suffix(".zip")
    with zipfile.ZipFile(path, "w") as archive:
        for part in sorted(p for p in directory.rglob("*") if p.is_file()):
            archive.write(part, part.relative_to(directory).as_posix())
    return path


def rewrite(path: Path, change) -> None:
    pq.write_table(change(pq.read_table(path)), path)


def refused(source: Path, target: Path, prepared, names: str) -> None:
    """The restore is refused naming the part, and nothing of the target nor beside it changed."""
    with pytest.raises(BackupError) as caught:
        backup.restore(source, target, force=True)
    assert names in str(caught.value), str(caught.value)
    assert file_changed(target, prepared) == set()
    assert not [p.name for p in target.parent.glob(".bhxh*")]  # no temporary file or unpacked folder left


# ---------------------------------------------------------------- the archive runs nothing

@pytest.fixture
def older(target, tmp_path) -> Path:
    """A backup made by EXPORT DATABASE, before this change: key, sessions and accounts beside the data, with
    the SQL scripts IMPORT DATABASE used to run."""
    old, source = tmp_path / "cu", tmp_path / "nguon.duckdb"
    shutil.copy(target, source)  # the target itself stays as prepared
    with closing(db.connect(source)) as con:
        sessions.start(con, "quantri", lifetime_hours=12, now=NOW)
        counts = backup._row_counts(con)
        con.execute(f"EXPORT DATABASE '{old}' (FORMAT parquet)")
    (old / "manifest.json").write_text(json.dumps({"schema_version": len(MIGRATIONS), "tables": counts}))
    return old


@pytest.mark.parametrize(("script", "line", "names"), [
    ("schema.sql", "COPY (SELECT 'x') TO '{written}';", "schema.sql, dòng 1: “COPY (SELECT 'x') TO"),
    ("schema.sql", "CREATE TABLE la (x INTEGER);", "schema.sql, dòng 1: “CREATE TABLE la (x INTEGER);”"),
    ("load.sql", "COPY uploads FROM '/etc/passwd';", "load.sql, dòng 1: “COPY uploads FROM '/etc/passwd';”"),
    ("load.sql", "COPY (SELECT 'x') TO '{written}';", "load.sql, dòng 1: “COPY (SELECT 'x') TO"),
    ("load.sql", "COPY uploads FROM '/x/users.parquet' (FORMAT 'parquet');", "load.sql, dòng 1"),
])
def test_a_crafted_script_is_refused_and_never_run(older, target, prepared, tmp_path, script, line, names):
    """IMPORT DATABASE ran these: a COPY ... TO wrote a file, a bad COPY FROM gave an INTERNAL error. Now one
    line that EXPORT DATABASE would not have written refuses the backup, naming it; nothing runs."""
    written = tmp_path / "viet-boi-ban-sao-luu.txt"
    path = older / script
    path.write_text(line.format(written=written) + "\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    refused(zipped(older), target, prepared, FOREIGN + names)
    assert not written.exists()


def test_a_script_that_is_no_text_is_refused(older, target, prepared):
    (older / "schema.sql").write_bytes(b"\xff\xfe" + b"\x00" * 64)
    refused(older, target, prepared, FOREIGN + "schema.sql")


def test_the_loading_connection_reaches_no_file(made, target, tmp_path, monkeypatch):
    """Even a statement slipped into the load could not write: the connection has no access to files."""
    written = tmp_path / "viet.txt"
    insert = restore._insert

    def and_a_copy(con, table, rows):
        with pytest.raises(duckdb.PermissionException):
            con.execute(f"COPY (SELECT 1) TO '{written}'")
        insert(con, table, rows)

    monkeypatch.setattr(restore, "_insert", and_a_copy)
    backup.restore(made, target, force=True)
    assert not written.exists()


TAMPERED = [  # (id, how the folder is changed, the part the refusal names)
    ("extra_column", lambda d: rewrite(d / "uploads.parquet", lambda t: t.append_column("x", pa.nulls(len(t)))),
     "uploads.parquet có cột lạ “x”"),
    ("missing_column", lambda d: rewrite(d / "uploads.parquet", lambda t: t.drop_columns(["note"])),
     "uploads.parquet thiếu cột “note”"),
    ("wrong_type", lambda d: rewrite(d / "uploads.parquet", lambda t: t.set_column(0, "id", t["id"].cast(pa.int64()))),
     "uploads.parquet có cột “id” kiểu int64, cần kiểu int32"),
    ("text_for_a_number", lambda d: rewrite(
        d / "monthly_values.parquet", lambda t: t.set_column(t.schema.get_field_index("total"), "total",
                                                             t["total"].cast(pa.string()))),
     "monthly_values.parquet có cột “total” kiểu string, cần kiểu int64"),
    ("renamed_table", lambda d: (d / "uploads.parquet").rename(d / "upload.parquet"), "upload.parquet"),
    ("missing_table", lambda d: (d / "communes.parquet").unlink(), "thiếu bảng «communes» (communes.parquet)"),
    ("unknown_file", lambda d: shutil.copy(d / "plan.parquet", d / "ke-hoach-2.parquet"), "ke-hoach-2.parquet"),
    ("unknown_folder", lambda d: (d / "khac").mkdir() or shutil.copy(d / "plan.parquet", d / "khac" / "plan.parquet"),
     "khac"),
    ("not_parquet", lambda d: (d / "plan.parquet").write_bytes(b"PAR1 khong phai parquet"),
     "plan.parquet không đọc được"),
    ("rows_not_in_the_manifest", lambda d: rewrite(d / "communes.parquet", lambda t: t.slice(1)),
     "communes.parquet có 103 dòng, manifest.json ghi 104"),
    ("same_key_twice", lambda d: _duplicate_first_commune(d), "communes.parquet có dòng trái ràng buộc"),
    ("accounts_the_manifest_does_not_list", lambda d: _accounts(d, lambda t: t, listed=False),
     "không khớp với manifest.json của nó (bảng «users»)"),
    ("accounts_with_an_extra_column", lambda d: _accounts(d, lambda t: t.append_column("x", pa.nulls(len(t)))),
     "accounts/users.parquet có cột lạ “x”"),
]


def _duplicate_first_commune(directory: Path) -> None:
    rewrite(directory / "communes.parquet", lambda t: pa.concat_tables([t.slice(0, 1), t.slice(0, 1), t.slice(2)]))


def _accounts(directory: Path, change, listed: bool = True) -> None:
    """The accounts of another database, as an attacker would bring them, changed."""
    (directory / "accounts").mkdir()
    with closing(db.connect(directory.parent / "bhxh.duckdb", read_only=True)) as con:
        con.complete()  # opening reads every table once
        users = con.sql("SELECT * FROM users").to_arrow_table()
    pq.write_table(change(users), directory / "accounts" / "users.parquet")
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest["tables"] |= {"users": 1} if listed else {}
    (directory / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(("tamper", "names"), [t[1:] for t in TAMPERED], ids=[t[0] for t in TAMPERED])
def test_a_tampered_backup_is_refused_naming_the_part(made, target, prepared, tamper, names):
    tamper(made)
    refused(zipped(made), target, prepared, names)
    refused(made, target, prepared, names)  # the folder itself, as the server's backups are restored


def test_the_command_line_says_what_does_not_belong_in_one_line(made, target, prepared, capsys):
    rewrite(made / "uploads.parquet", lambda t: t.append_column("x", pa.nulls(len(t))))
    assert main(["backup", "restore", str(zipped(made)), "--db", str(target), "--force"]) == 1
    err = capsys.readouterr().err
    assert err == f"LỖI: {FOREIGN}uploads.parquet có cột lạ “x”; không khôi phục.\n"
    assert file_changed(target, prepared) == set()


@pytest.mark.parametrize("name", ["../ngoai.parquet", "/tmp/ngoai.parquet", "khac/plan.parquet", ".an.parquet"])
def test_a_path_outside_the_backup_is_refused(made, target, prepared, tmp_path, name):
    archive = zipped(made)
    with zipfile.ZipFile(archive, "a") as zip_file:
        zip_file.writestr(name, b"x")
    refused(archive, target, prepared, f"đường dẫn lạ bên trong («{name}»)")
    assert not (tmp_path / "ngoai.parquet").exists()


# ---------------------------------------------------------------- no keys to the house

def test_the_zip_holds_no_key_nor_session_and_the_hashes_only_when_asked(target, tmp_path, settings):
    with closing(db.connect(target)) as con:
        sessions.start(con, "quantri", lifetime_hours=12, now=NOW)  # a session, and so a key
        folder = backup.online(con, ADMIN, settings, now=NOW).directory
        data = {t for t in db.table_names(con) if t not in KEYS | {"users"}}
    assert {p.relative_to(folder).as_posix() for p in folder.rglob("*.parquet")} == {
        f"{t}.parquet" for t in data} | {"accounts/users.parquet"}  # the server's own: accounts, never keys
    for with_accounts, extra in ((False, set()), (True, {"accounts/users.parquet"})):
        archive = zipfile.ZipFile(io.BytesIO(backup.zipped(folder, with_accounts=with_accounts)))
        assert set(archive.namelist()) == {"manifest.json"} | {f"{t}.parquet" for t in data} | extra
        assert set(json.loads(archive.read("manifest.json"))["tables"]) == data | ({"users"} if extra else set())


def test_a_restored_database_has_a_new_key_and_no_session(target, tmp_path):
    with closing(db.connect(target)) as con:
        token = sessions.start(con, "quantri", lifetime_hours=12, now=NOW)
        backup.export(con, tmp_path / "bk", with_accounts=True)
    restored = tmp_path / "moi.duckdb"
    backup.restore(tmp_path / "bk", restored)
    with closing(db.connect(restored)) as con:
        assert db.rows(con, "SELECT count(*) FROM sessions UNION ALL SELECT count(*) FROM app_keys") == [(0,), (0,)]
        assert sessions.resume(con, token, idle_minutes=30, lifetime_hours=12, touch=False, now=NOW) is None
        assert accounts.authenticate(con, "quantri", "mat-khau-rat-dai-123", NOW) == ADMIN  # the hashes came back


def test_a_backup_without_accounts_keeps_the_accounts_it_replaces(made, target, prepared, tmp_path):
    with closing(db.connect(target)) as con:
        accounts.create_user(con, ADMIN, "moi", "Người mới", "viewer", "mat-khau-cua-nguoi-moi-2026", NOW)
        after = db.checksums(con)
    backup.restore(zipped(made), target, force=True)
    assert file_changed(target, prepared) == {"users"}  # the data of the backup, the accounts of the moment
    with closing(db.connect(target, read_only=True)) as con:
        assert db.checksums(con)["users"] == after["users"]
    fresh = tmp_path / "trong.duckdb"
    backup.restore(made, fresh)  # into a new file: no account; `users create-admin` makes the first
    with closing(db.connect(fresh)) as con:
        assert not accounts.has_admin(con)
        assert db.value(con, "SELECT count(*) FROM uploads") == 1


def test_an_older_backup_restores_without_its_key_and_sessions(older, prepared, tmp_path):
    assert {"app_keys.parquet", "sessions.parquet", "users.parquet", "load.sql", "schema.sql"} <= {
        p.name for p in older.iterdir()}
    restored = tmp_path / "moi.duckdb"
    assert set(backup.restore(older, restored)["tables"]) == set(json.loads((older / "manifest.json").read_text())[
        "tables"]) - KEYS
    assert file_changed(restored, prepared) == set()


def test_a_backup_of_an_older_schema_is_brought_up_to_date(tmp_path):
    older = duckdb.connect(str(tmp_path / "cu.duckdb"))
    restore._migrate_to(older, len(MIGRATIONS) - 1)  # the schema as it was, without rows
    older.execute("INSERT INTO schema_version SELECT range FROM range(1, ?)", [len(MIGRATIONS)])
    backup.export(older, tmp_path / "bk")
    older.close()
    backup.restore(tmp_path / "bk", tmp_path / "moi.duckdb")
    with closing(db.connect(tmp_path / "moi.duckdb")) as con:
        assert db.schema_version(con) == len(MIGRATIONS)


# ---------------------------------------------------------------- rotating the session key

def test_rotating_the_key_ends_every_session_and_refuses_every_old_cookie(target):
    with closing(db.connect(target)) as con:
        old = [sessions.start(con, "quantri", lifetime_hours=12, now=NOW) for _ in range(2)]
        key = db.value(con, "SELECT value FROM app_keys")
        assert accounts.rotate_session_key(con, ADMIN, NOW) == 2
        assert db.value(con, "SELECT count(*) FROM sessions") == 0
        assert db.value(con, "SELECT value FROM app_keys") != key
        for token in old:
            assert sessions.resume(con, token, idle_minutes=30, lifetime_hours=12, touch=True, now=NOW) is None
            assert accounts.signed_in(con, token, idle_minutes=30, lifetime_hours=12, touch=True, now=NOW) is None
        entry = audit.entries(con).iloc[0]
        assert (entry["actor"], entry["action"], entry["detail"]) == (
            "quantri", "rotate_session_key", "kết thúc 2 phiên đăng nhập")
        again = sessions.start(con, "quantri", lifetime_hours=12, now=NOW)  # signing in again works
        assert accounts.signed_in(con, again, idle_minutes=30, lifetime_hours=12, touch=False, now=NOW) == ADMIN


@pytest.mark.parametrize("who", [User("lanhdao", "Lãnh đạo", "viewer"), User("chuyenvien", "Chuyên viên", "analyst"),
                                 None])
def test_only_an_administrator_rotates_the_key(target, who):
    with closing(db.connect(target)) as con:
        token = sessions.start(con, "quantri", lifetime_hours=12, now=NOW)
        before = db.checksums(con)
        with pytest.raises(NotAuthorised):
            accounts.rotate_session_key(con, who, NOW)
        assert db.checksums(con) == before
        assert accounts.signed_in(con, token, idle_minutes=30, lifetime_hours=12, touch=False, now=NOW) == ADMIN
