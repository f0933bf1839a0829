"""Loading a backup's tables into a fresh database file without running anything the backup brings.

A backup comes from outside as often as not (a ZIP downloaded, mailed, kept on a stick), so it is hostile until
every part is checked. IMPORT DATABASE would execute its schema.sql and load.sql with the server's rights (a
``COPY ... TO`` there writes any file). Here the schema comes from the app's own migrations; each expected table
is read by name from its Parquet file in a confined child (analytics.safety.sandbox: pyarrow parses the hostile bytes
there, the server gets back Arrow data only), must have exactly the migrated table's columns and types, and
goes in through a registered Arrow object on a connection that cannot touch files. The schema.sql and load.sql
of older backups (EXPORT DATABASE) are never run: they must be, line for line, what EXPORT DATABASE writes for
the app's own schema at the backup's version, or the backup is refused naming the line.

The session key and the sessions are never in a backup nor restored: a restored database makes a new key and
everyone signs in again. The password hashes travel only on purpose, in a folder of their own; without them
the accounts of the database being replaced are kept.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from analytics.errors import AnalyticsError, BackupError, DatabaseError, DatabaseUnavailable
from analytics.safety import sandbox
from analytics.storage import db
from analytics.storage.db import Connection
from analytics.storage.schema import MIGRATIONS

sandbox.preload(__name__)

MANIFEST = "manifest.json"
USERS, ACCOUNTS = "users", "accounts"  # the password hashes, and the backup's folder that holds them
KEY_TABLES = frozenset({"app_keys", "sessions"})  # never backed up, never restored
SCHEMA, LOAD = "schema.sql", "load.sql"  # older backups' (EXPORT DATABASE): checked, never run
IGNORED = frozenset({SCHEMA, LOAD, "app_keys.parquet", "sessions.parquet"})  # older backups'; never loaded
SCRIPT_BYTES = 1 << 20  # an app's schema.sql is a few dozen kB
_COPY = re.compile(r"COPY (\w+) FROM '[^'\n]*/(\w+)\.parquet' \(FORMAT 'parquet'\);")
_START = re.compile(r" START \d+ ")
# A restore runs while the server is stopped: the limits stop a bomb, not a large province's commune reports.
LIMITS = sandbox.Limits(memory_mb=8192, time_s=600, answer_mb=4096)
_NEXTVAL = re.compile(r"nextval\('([^']+)'\)")


def member(table: str) -> str:
    """Where a table's Parquet file sits in a backup: the password hashes in a folder of their own."""
    return f"{ACCOUNTS}/{table}.parquet" if table == USERS else f"{table}.parquet"


def foreign(part: str) -> BackupError:
    return BackupError(f"Bản sao lưu có phần không thuộc về nó: {part}; không khôi phục.")


def load(directory: Path, temp: Path, manifest: dict, replaced: Path) -> dict[str, int]:
    """Build ``temp`` from the backup in ``directory``; the rows of each table restored. Without accounts in
    the backup, those of ``replaced`` (the database it replaces) are kept."""
    con = duckdb.connect(str(temp), config={"enable_external_access": False})
    try:
        _migrate_to(con, manifest["schema_version"])
        columns = {t: [(f.name, str(f.type)) for f in con.sql(f'SELECT * FROM "{t}" LIMIT 0').to_arrow_table().schema]
                   for t in db.table_names(con) if t not in KEY_TABLES}
        files = _members(directory, set(columns))
        _check_scripts(directory, manifest["schema_version"], set(columns) | KEY_TABLES)
        if odd := sorted((set(manifest["tables"]) - KEY_TABLES) ^ set(files)):
            raise BackupError(f"Bản sao lưu không khớp với {MANIFEST} của nó (bảng «{odd[0]}»); không khôi phục.")
        for table, path in files.items():
            _insert(con, table, _read_confined(path, member(table), columns[table], manifest["tables"][table]))
        if db.schema_version(con) != manifest["schema_version"]:
            raise BackupError(f"Bản sao lưu không khớp với {MANIFEST} của nó (phiên bản lược đồ); không khôi phục.")
        _continue_sequences(con, manifest["sequences"])
        db.migrate(con)
        if USERS not in files and (kept := _accounts_of(replaced)) is not None:
            _insert(con, USERS, kept)
        return {t: manifest["tables"][t] for t in files}
    except duckdb.Error as exc:
        raise BackupError(f"Không khôi phục được từ {directory}: {_first_line(exc)}") from exc
    except DatabaseError as exc:
        raise BackupError(f"Không khôi phục được từ {directory}: {exc}") from exc
    finally:
        con.close()


def _migrate_to(con: Connection, version: int) -> None:
    """The app's own schema as it was at the backup's version, with no rows: what the backup's rows fit."""
    for number, step in enumerate(MIGRATIONS[:version], start=1):
        with db.transaction(con):
            if callable(step):
                step(con)
            else:
                con.execute(step)
            con.execute("INSERT INTO schema_version VALUES (?)", [number])
    for table in db.table_names(con):
        con.execute(f'DELETE FROM "{table}"')


def _check_scripts(directory: Path, version: int, tables: set[str]) -> None:
    """An older backup's scripts as EXPORT DATABASE wrote them, or the backup is refused naming the first line
    that is not: a crafted line means someone changed the backup."""
    scripts = {SCHEMA: _lines(directory / SCHEMA), LOAD: _lines(directory / LOAD)}
    if scripts[SCHEMA]:
        expected = {_START.sub(" START n ", line) for line in _exported_schema(version).splitlines()}
        for number, line in scripts[SCHEMA]:
            if _START.sub(" START n ", line) not in expected:
                raise foreign(f"{SCHEMA}, dòng {number}: “{line[:50]}”")
    for number, line in scripts[LOAD]:
        copy = _COPY.fullmatch(line)
        if copy is None or copy[1] != copy[2] or copy[1] not in tables:
            raise foreign(f"{LOAD}, dòng {number}: “{line[:50]}”")


def _lines(path: Path) -> list[tuple[int, str]]:
    """(number, text) of each non-blank line of a script; [] when the backup has none."""
    if not path.exists():
        return []
    if path.is_symlink() or not path.is_file() or path.stat().st_size > SCRIPT_BYTES:
        raise foreign(path.name)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise foreign(path.name) from exc
    return [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _exported_schema(version: int) -> str:
    """What EXPORT DATABASE writes as schema.sql for the app's own schema at ``version``."""
    with tempfile.TemporaryDirectory(prefix=".bhxh-schema-") as out:
        con = duckdb.connect()
        try:
            _migrate_to(con, version)
            con.execute(f"EXPORT DATABASE '{Path(out) / 'export'}' (FORMAT parquet)")
        finally:
            con.close()
        return (Path(out) / "export" / SCHEMA).read_text(encoding="utf-8")


def _members(directory: Path, tables: set[str]) -> dict[str, Path]:
    """Each table's file, found by the name export gives it; any other part is refused by name, and so is the
    lack of a table the app needs (the accounts may be absent)."""
    found = {}
    for path in sorted(directory.rglob("*")):
        name = path.relative_to(directory).as_posix()
        if name in IGNORED or name == MANIFEST or (name == ACCOUNTS and path.is_dir() and not path.is_symlink()):
            continue
        table = _table_of(name, tables)
        if table is None or path.is_symlink() or not path.is_file() or table in found:
            raise foreign(name)
        found[table] = path
    if missing := sorted(tables - set(found) - {USERS}):
        raise BackupError(f"Bản sao lưu thiếu bảng «{missing[0]}» ({member(missing[0])}); không khôi phục.")
    return found


def _table_of(name: str, tables: set[str]) -> str | None:
    if name in (member(USERS), f"{USERS}.parquet"):  # older backups kept the accounts beside the data
        return USERS
    stem = name.removesuffix(".parquet")
    return stem if stem in tables and name == member(stem) else None


def _read_confined(path: Path, part: str, columns: list[tuple[str, str]], rows: int) -> pa.Table:
    try:
        header, body = sandbox.run(_read, (str(path), part, columns, rows), LIMITS)
    except AnalyticsError as exc:  # a limit of the child: the file is a bomb or far beyond what a backup holds
        raise BackupError(f"Không khôi phục được: đọc {part} dừng giữa chừng. {exc}") from exc
    if "refused" in header:
        raise foreign(header["refused"])
    try:  # the child parsed hostile bytes: what it answers is checked again
        table = pa.ipc.open_stream(body).read_all()
    except pa.ArrowException as exc:
        raise foreign(part) from exc
    if [(f.name, str(f.type)) for f in table.schema] != columns or table.num_rows != rows:
        raise foreign(part)
    return table


def _read(path: str, part: str, columns: list[tuple[str, str]], rows: int) -> tuple[dict, bytes]:
    """The child's work: one Parquet file, checked against the migrated table, as one Arrow IPC stream."""
    try:
        parquet = pq.ParquetFile(path)
        refused = _unfit(parquet.schema_arrow, part, columns)
        if refused is None and parquet.metadata.num_rows != rows:
            refused = f"{part} có {parquet.metadata.num_rows} dòng, {MANIFEST} ghi {rows}"
        if refused is not None:
            return {"refused": refused}, b""
        table = parquet.read(columns=[name for name, _ in columns]).replace_schema_metadata(None)
    except (pa.ArrowException, OSError) as exc:
        return {"refused": f"{part} không đọc được ({_first_line(exc)})"}, b""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as stream:
        stream.write_table(table)
    return {}, sink.getvalue().to_pybytes()


def _unfit(schema: pa.Schema, part: str, columns: list[tuple[str, str]]) -> str | None:
    """Why a file's columns are not the table's, or None."""
    names, expected = schema.names, dict(columns)
    if extra := [n for n in names if n not in expected]:
        return f"{part} có cột lạ “{extra[0]}”"
    if missing := [n for n in expected if n not in names]:
        return f"{part} thiếu cột “{missing[0]}”"
    if len(set(names)) != len(names):
        return f"{part} có cột trùng tên"
    for name, kind in columns:
        if (found := str(schema.field(name).type)) != kind:
            return f"{part} có cột “{name}” kiểu {found}, cần kiểu {kind}"
    return None


def _insert(con: Connection, table: str, rows: pa.Table) -> None:
    """By name: the accounts kept from an older database may lack columns added since (they get defaults)."""
    con.complete()  # registering needs no result left open by the statement before
    con.register("incoming", rows)
    try:
        con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM incoming')
    except duckdb.ConstraintException as exc:
        raise foreign(f"{member(table)} có dòng trái ràng buộc của bảng ({_first_line(exc)})") from exc
    finally:
        con.unregister("incoming")


def _continue_sequences(con: Connection, recorded: dict) -> None:
    """Each sequence goes on after the larger of what the backup recorded and the highest id restored."""
    for table, column, default in db.rows(con, "SELECT table_name, column_name, column_default FROM duckdb_columns() "
                                               "WHERE column_default LIKE 'nextval(%'"):
        named = _NEXTVAL.fullmatch(default)
        assert named is not None  # the query keeps only defaults that call nextval
        sequence = named[1]
        highest = max(recorded.get(sequence, 0), db.value(con, f'SELECT max("{column}") FROM "{table}"') or 0)
        if highest:
            con.execute("SELECT setval(?, ?)", [sequence, highest]).fetchall()


def _accounts_of(path: Path) -> pa.Table | None:
    """The accounts of the database at ``path``; None when there is none to read (no file, damaged, too old)."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        con = db.connect(path, read_only=True)
    except DatabaseUnavailable:
        return None
    try:
        if USERS not in db.table_names(con):  # also ends what opening read: con.sql needs no open result
            return None
        return con.sql(f"SELECT * FROM {USERS}").to_arrow_table()
    finally:
        con.close()


def _first_line(exc: Exception) -> str:
    """DuckDB's and Arrow's messages can carry a C++ stack trace after their first line."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
