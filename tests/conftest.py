"""Shared fixtures: a built database in a temporary file, and tiny plan directories."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analytics import db
from analytics.build import build_database
from analytics.settings import DATA_DIR, load_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def settings():
    return load_settings(DATA_DIR / "plan.toml")


@pytest.fixture(scope="session")
def built_db_file(tmp_path_factory, settings):
    """The shipped plan built once into a DuckDB file; tests copy it before writing."""
    path = tmp_path_factory.mktemp("db") / "built.duckdb"
    con = db.connect(path)
    build_database(con, settings)
    con.close()
    return path


@pytest.fixture
def db_file(built_db_file, tmp_path, monkeypatch):
    """A private copy of the built database, also made the app's database."""
    path = tmp_path / "bhxh.duckdb"
    shutil.copy(built_db_file, path)
    monkeypatch.setenv("BHXH_DB", str(path))
    return path


@pytest.fixture
def con(db_file):
    connection = db.connect(db_file)
    yield connection
    connection.close()


@pytest.fixture
def plan_dir(tmp_path):
    """A copy of data/ that a test may edit (targets, overrides, plan)."""
    target = tmp_path / "plan"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns("*.duckdb*"))
    return target
