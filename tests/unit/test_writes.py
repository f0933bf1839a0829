"""The one catalogue of writes: nothing outside analytics.storage.writes changes the database, and every write in
it checks its role, changes nothing when refused and leaves exactly its audit row when allowed."""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import re
from pathlib import Path

import pandas as pd
import pytest

from analytics.access.accounts import NEEDS, User
from analytics.errors import NotAuthorised
from analytics.intake.columns import Column
from analytics.storage import db, writes
from analytics.storage.writes.catalogue import Done, Entry, write
from tests.helpers import ANALYST, ROOT, T0, TINY, record_monthly

WRITES = ROOT / "analytics" / "storage" / "writes"
CHANGES = re.compile(r"\b(INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\S+\s+SET|DELETE\s+FROM)\b", re.IGNORECASE)
ALLOWED = {
    "analytics/storage/schema.py": "the migrations, and the in-force tables they create, rebuilt inside each write",
    "analytics/storage/db.py": "migrate records each migration applied, in the migration's own transaction",
    "analytics/storage/restore.py": "fills a fresh file beside the database, never the live one",
}
VIEWER = User("lanhdao", "Lãnh đạo", "viewer")
ADMIN = User("quantri", "Quản trị", "admin")


def sources(root: Path) -> list[Path]:
    found = [p for package in ("analytics", "geo", "ui", "web") for p in sorted((root / package).rglob("*.py"))]
    return found + [p for p in (root / "app.py", root / "serve.py") if p.exists()]


def changes_in(path: Path) -> list[str]:
    """The string constants of ``path`` that change the database (f-strings' literal parts included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return sorted(f"{path.name}:{n.lineno}: {n.value[:60]!r}" for n in ast.walk(tree)
                  if isinstance(n, ast.Constant) and isinstance(n.value, str) and CHANGES.search(n.value))


def outside(root: Path) -> dict[str, list[str]]:
    found = {}
    for path in sources(root):
        name = path.relative_to(root).as_posix()
        if not name.startswith("analytics/storage/writes/") and name not in ALLOWED and (hits := changes_in(path)):
            found[name] = hits
    return found


def test_nothing_outside_the_catalogue_writes():
    assert len(sources(ROOT)) > 100
    assert outside(ROOT) == {}
    assert all(changes_in(ROOT / name) for name in ALLOWED)  # each exception still needs its place on the list


def test_the_walker_finds_a_write(tmp_path):
    figures = tmp_path / "analytics" / "figures"
    figures.mkdir(parents=True)
    (figures / "sneaky.py").write_text('def f(con, t):\n    con.execute(f"delete from {t}")\n'
                                       '    con.execute("UPDATE data_version SET version = 0")\n', encoding="utf-8")
    assert outside(tmp_path) == {"analytics/figures/sneaky.py": [
        "sneaky.py:2: 'delete from '", "sneaky.py:3: 'UPDATE data_version SET version = 0'"]}


def test_every_write_is_catalogued():
    assert writes.CATALOGUE, "the catalogue is empty"
    for name, entry in writes.CATALOGUE.items():
        assert entry.action and (entry.needs is None or entry.needs in NEEDS), name
        assert getattr(writes, name).__name__ == name
    public = {(path.stem, name) for path in WRITES.glob("*.py") if path.stem not in ("__init__", "catalogue")
              for name, fn in inspect.getmembers(__import__(f"analytics.storage.writes.{path.stem}",
                                                            fromlist=["_"]), inspect.isfunction)
              if not name.startswith("_") and fn.__module__ == f"analytics.storage.writes.{path.stem}"}
    assert {name for _, name in public} == set(writes.CATALOGUE)


def dump(con) -> dict[str, list[tuple]]:
    """Every table's rows, whole: equal dumps, an unchanged database."""
    return {t: db.rows(con, f'SELECT * FROM "{t}" ORDER BY ALL') for t in db.table_names(con)}


def audit_rows(con) -> list[dict]:
    return db.query(con, "SELECT actor, action, detail FROM audit_log ORDER BY id").to_dict("records")


@pytest.fixture
def stocked(tiny):
    """The tiny plan with one upload of figures and an administrator's account."""
    record_monthly(tiny, [("2026-01", code, 1000, 100) for code in TINY])
    tiny.execute("DELETE FROM audit_log")
    return tiny


COLUMNS = [Column(0, "Mã xã", "code", "header"), Column(1, "Tổng số", "total", "header")]
CASES = {
    "withdraw": (lambda con, who: writes.withdraw(con, 1, who, now=T0), ANALYST, VIEWER,
                 {"actor": ANALYST.username, "action": "withdraw", "detail": "#1"}),
    "confirm_name": (lambda con, who: writes.confirm_name(con, who, "TP Phố Hiến", "11953", now=T0), ANALYST, VIEWER,
                     {"actor": ANALYST.username, "action": "confirm_name", "detail": "«TP Phố Hiến» -> 11953"}),
    "create_user": (lambda con, who: writes.create_user(con, who, "moi", "Người mới", "viewer",
                                                        "mat-khau-cua-nguoi-moi-2026", T0), ADMIN, ANALYST,
                    {"actor": ADMIN.username, "action": "create_user", "detail": "moi (viewer)"}),
    "save_layout": (lambda con, who: writes.save_layout(con, who, "monthly", "ma xa|tong so", COLUMNS,
                                                        {0: "code", 1: "total"}, "t.csv", T0), ANALYST, VIEWER,
                    {"actor": ANALYST.username, "action": "save_layout", "detail": "monthly «t.csv»: A=code, B=total"}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_write_checks_its_role_and_leaves_its_audit_row(stocked, case):
    run, allowed, refused, row = CASES[case]
    before = dump(stocked)
    for who in (refused, None):
        with pytest.raises(NotAuthorised):
            run(stocked, who)
    assert dump(stocked) == before
    run(stocked, allowed)
    assert audit_rows(stocked) == [row]


def test_publish_checks_its_role_and_leaves_its_audit_row(stocked):
    frame = pd.DataFrame({"period": ["2026-09"], "code": ["11953"], "employer": ["Cty A"], "tax_code": ["0100109106"],
                          "months_late": [3], "amount_owed": [1.5e8], "status": ["late"], "taxpayer": ["enterprise"],
                          "unit_code": [None], "source_row": [None], "written_name": [None], "match_method": ["code"],
                          "match_score": [None]})
    writes.record_upload(stocked, frame, kind="employers", file_name="ds.csv", sha256="e", user=ANALYST, rows_read=1,
                         now=T0)
    stocked.execute("DELETE FROM audit_log")
    before, version = dump(stocked), db.value(stocked, "SELECT token FROM data_version")
    with pytest.raises(NotAuthorised):
        writes.publish(stocked, ANALYST, "2026-09", "BHXH tỉnh", dt.date(2026, 10, 20), now=T0)
    assert dump(stocked) == before
    publication = writes.publish(stocked, ADMIN, "2026-09", "BHXH tỉnh", dt.date(2026, 10, 20), now=T0)
    assert audit_rows(stocked) == [{"actor": ADMIN.username, "action": "publish_employers",
                                    "detail": f"#{publication} 2026-09: 1 đơn vị, lần tải lên #2; nguồn: BHXH tỉnh"}]
    assert db.value(stocked, "SELECT token FROM data_version") != version  # figures changed: a new data version


def test_a_write_inside_a_write_is_refused_and_changes_nothing(stocked):
    @write("test_nested", needs=None)
    def outer(con):
        writes.withdraw(con, 1, ANALYST)
        return Done((Entry("", actor="test"),))

    before = dump(stocked)
    try:
        with pytest.raises(RuntimeError, match="inside another write"):
            outer(stocked)
    finally:
        writes.CATALOGUE.pop("outer")
    assert dump(stocked) == before
