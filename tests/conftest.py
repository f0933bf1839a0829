"""The one test harness: tiny and shipped plans built into DuckDB files, demo data, monthly records, page runs.

Unit tests use the tiny plan (three communes with hand-checkable targets); only tests of the shipped
data, and page tests that show the demo data generated from it, build ``data/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.access.accounts import User
from analytics.settings import DATA_DIR, load_settings
from analytics.storage import db, writes
from analytics.units import demo
from analytics.units.registry import Registry, load_registry
from tests.helpers import DEMO_TODAY, ROOT, TINY, TINY_TOTAL, TINY_VOLUNTARY, signed_in, switch_page
from ui.access import TOKEN


def _built(path: Path, settings, registry: Registry | None = None) -> Path:
    con = db.connect(path)
    writes.build_database(con, settings, registry)
    con.close()
    return path


def _private_copy(source: Path, tmp_path: Path, monkeypatch) -> Path:
    path = tmp_path / "bhxh.duckdb"
    shutil.copy(source, path)
    monkeypatch.setenv("BHXH_DB", str(path))
    return path


# --- The shipped plan (data/) ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def settings():
    return load_settings(DATA_DIR / "plan.toml")


@pytest.fixture(scope="session")
def built_db_file(tmp_path_factory, settings):
    """The shipped plan built once into a DuckDB file; tests copy it before writing."""
    return _built(tmp_path_factory.mktemp("db") / "built.duckdb", settings)


@pytest.fixture
def db_file(built_db_file, tmp_path, monkeypatch):
    """A private copy of the shipped plan's database, also made the app's database."""
    return _private_copy(built_db_file, tmp_path, monkeypatch)


def _connected(path: Path):
    connection = db.connect(path)
    yield connection
    connection.close()


@pytest.fixture
def con(db_file):
    """An open connection to a private copy of the shipped plan's database."""
    yield from _connected(db_file)


@pytest.fixture(scope="session")
def demo_db_file(built_db_file, tmp_path_factory, settings):
    """The shipped plan with the demo months 2026-01..2026-10, built once."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    shutil.copy(built_db_file, path)
    connection = db.connect(path)
    demo.install(connection, settings, DEMO_TODAY)
    connection.close()
    return path


@pytest.fixture
def demo_db(demo_db_file, tmp_path, monkeypatch):
    """A private copy of the demo database, also made the app's database."""
    return _private_copy(demo_db_file, tmp_path, monkeypatch)


@pytest.fixture
def plan_dir(tmp_path):
    """A copy of data/ that a test may edit (targets, overrides, plan)."""
    target = tmp_path / "plan"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns("*.duckdb*"))
    return target


# --- The tiny plan ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def tiny_plan(tmp_path_factory) -> Path:
    """plan.toml, a three-row appendix and no overrides: the shipped plan file with figures that add up."""
    folder = tmp_path_factory.mktemp("tiny-plan")
    text = (DATA_DIR / "plan.toml").read_text(encoding="utf-8")
    text = text.replace("participants = 981535", f"participants = {TINY_TOTAL}")
    text = text.replace("voluntary = 106055", f"voluntary = {TINY_VOLUNTARY}")
    (folder / "plan.toml").write_text(text, encoding="utf-8")
    rows = [f"{i},{name},{total},{voluntary}" for i, (name, total, voluntary) in enumerate(TINY.values(), 1)]
    (folder / "targets_2030.csv").write_text("\n".join(["stt,name_as_printed,total_target,voluntary_min", *rows])
                                             + "\n", encoding="utf-8")
    (folder / "name_overrides.csv").write_text("name_as_printed,code,decision,note\n", encoding="utf-8")
    return folder / "plan.toml"


@pytest.fixture(scope="session")
def tiny_settings(tiny_plan):
    return load_settings(tiny_plan)


@pytest.fixture(scope="session")
def tiny_registry(tiny_settings) -> Registry:
    """The official registry narrowed to the tiny plan's three communes."""
    full = load_registry(tiny_settings.province, tiny_settings.registry_primary)
    return Registry(full.units[full.units["code"].isin(TINY)].reset_index(drop=True),
                    full.aliases[full.aliases["code"].isin(TINY)].reset_index(drop=True), [])


@pytest.fixture(scope="session")
def tiny_db_file(tmp_path_factory, tiny_settings, tiny_registry):
    return _built(tmp_path_factory.mktemp("tiny-db") / "tiny.duckdb", tiny_settings, tiny_registry)


@pytest.fixture
def tiny_db(tiny_db_file, tiny_plan, tmp_path, monkeypatch):
    """A private copy of the tiny plan's database; it and the tiny plan are the app's."""
    monkeypatch.setenv("BHXH_PLAN", str(tiny_plan))
    return _private_copy(tiny_db_file, tmp_path, monkeypatch)


@pytest.fixture
def tiny(tiny_db):
    """An open connection to the tiny plan's database, no monthly figures yet."""
    yield from _connected(tiny_db)


# --- Pages --------------------------------------------------------------------------------------------


def _ran(at: AppTest) -> AppTest:
    """``at`` after its run, which no unexpected error may have ended (it would show its incident message)."""
    assert not at.exception, [e.value for e in at.exception]
    assert not [e for e in at.error if "Mã sự cố" in e.value], [e.value for e in at.error]
    return at


def _session(at: AppTest, database: Path, user: User | None, query: dict | None) -> AppTest:
    if user is not None:
        at.session_state[TOKEN] = signed_in(database, user)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at


@pytest.fixture
def open_page(monkeypatch):
    """open_page(page, db, user=None, query=None): app.py run against the database file ``db``, switched to
    ``page`` (its module's file, e.g. "ui/overview.py"), logged in as ``user`` (a session of that account, added
    if missing), with URL query ``query``; the run AppTest.

    A page the user may not open shows ui.access.gate at its path. An unexpected error on the page fails the
    test with its incident message.
    """

    def run(page: str, database: Path, user: User | None = None, query: dict | None = None) -> AppTest:
        monkeypatch.setenv("BHXH_DB", str(database))
        at = _session(AppTest.from_file(str(ROOT / "app.py"), default_timeout=90), database, user, query)
        at.run()
        return _ran(switch_page(at, page).run())

    return run


def _alone(page) -> None:
    """One page without the navigation: this run's user and sidebar as app.py sets them, then the page."""
    import streamlit as st

    from analytics.settings import load_settings
    from ui.access import current_user
    from ui.state import connection, sidebar

    con = connection()
    current_user(con, load_settings())
    st.session_state["view"] = sidebar(con)
    page()


@pytest.fixture
def run_page(monkeypatch):
    """run_page(page, db, user=None, query=None): one page's function (e.g. ui.overview.page) run alone with
    AppTest.from_function, after the user and the sidebar as app.py reads them: no navigation is built, so the
    page's links to other pages (ui.state.page_at) need open_page. Otherwise as open_page."""

    def run(page, database: Path, user: User | None = None, query: dict | None = None) -> AppTest:
        monkeypatch.setenv("BHXH_DB", str(database))
        at = AppTest.from_function(_alone, args=(page,), default_timeout=90)
        return _ran(_session(at, database, user, query).run())

    return run
