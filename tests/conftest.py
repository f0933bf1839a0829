"""The one test harness: tiny and shipped plans built into DuckDB files, demo data, monthly records, page runs.

Unit tests use the tiny plan (three communes with hand-checkable targets); only tests of the shipped
data, and page tests that show the demo data generated from it, build ``data/``.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from markdown_it import MarkdownIt
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from analytics import db, demo, sessions, store
from analytics.accounts import User
from analytics.build import build_database
from analytics.registry import Registry, load_registry
from analytics.settings import DATA_DIR, load_settings
from pages.access import TOKEN
from web import downloads

ROOT = Path(__file__).resolve().parent.parent
ANALYST = User("chuyen-vien", "Chuyên viên", "analyst")
DEMO_TODAY = dt.date(2026, 11, 27)  # demo months 2026-01..2026-10
T0 = dt.datetime(2026, 11, 1)

# The tiny plan: three communes of the shipped province with their appendix targets (total, voluntary).
TINY = {"11953": ("Phường Phố Hiến", 34845, 2505), "11977": ("Xã Tân Hưng", 2428, 485),
        "11980": ("Phường Hồng Châu", 1899, 504)}
TINY_TOTAL, TINY_VOLUNTARY = 34845 + 2428 + 1899, 2505 + 485 + 504  # 39 172 and 3 494


def monthly_frame(rows) -> pd.DataFrame:
    """A stored monthly table from (period, code, total, voluntary) rows: compulsory is the rest, no labour force."""
    return pd.DataFrame(rows, columns=["period", "code", "total", "voluntary"]).assign(
        compulsory=lambda f: f["total"] - f["voluntary"], labour_force=None, source_row=None,
        written_name=None, match_method="code", match_score=None)


def record_monthly(con, rows, *, sha: str = "x", now: dt.datetime = T0, user: User = ANALYST,
                   file_name: str = "t.csv") -> int:
    """Store (period, code, total, voluntary) rows as one real upload, as the ingest step would; its id."""
    return store.record_upload(con, monthly_frame(rows), kind="monthly", file_name=file_name, sha256=sha,
                               user=user, rows_read=len(rows), now=now)


def record_annual(con, rows, *, sha: str = "annual", now: dt.datetime = T0, user: User = ANALYST) -> int:
    """Store (year, code, total_target, voluntary_min) rows as one upload of official annual targets; its id."""
    frame = pd.DataFrame(rows, columns=["year", "code", "total_target", "voluntary_min"]).assign(
        source_row=None, written_name=None, match_method="code", match_score=None)
    return store.record_upload(con, frame, kind="annual", file_name="chi-tieu-nam.xlsx", sha256=sha, user=user,
                               rows_read=len(rows), now=now)


def docx_bytes(*paragraphs: str) -> bytes:
    """A real Word file holding ``paragraphs``: what a commune sends back."""
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _built(path: Path, settings, registry: Registry | None = None) -> Path:
    con = db.connect(path)
    build_database(con, settings, registry)
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


def signed_in(database: Path, user: User) -> str:
    """A session token of ``user``, whose account is added (with a random password) unless it exists."""
    con = db.connect(database)
    try:
        con.execute("INSERT INTO users (username, display_name, role, password_hash, created_at) "
                    "VALUES (?, ?, ?, 'khong-dang-nhap-bang-mat-khau', ?) ON CONFLICT DO NOTHING",
                    [user.username, user.display_name, user.role, T0])
        return sessions.start(con, user.username, lifetime_hours=12)
    finally:
        con.close()


_LINK = re.compile(r'<a class="tai-ve" href="api/tai-ve/([^"]+)" download="[^"]*">([^<]*)</a>')


def offered(at: AppTest) -> list[tuple[str, downloads.Offer]]:
    """(label, file) of every download link the page shows, in order, as the download route holds them."""
    links = [_LINK.fullmatch(m.value) for m in at.markdown]
    return [(html.unescape(m[2]), downloads.found(m[1])) for m in links if m]


def file_bytes(offer: downloads.Offer) -> bytes:
    return offer.data if isinstance(offer.data, bytes) else offer.data()


def shown_table(element) -> pd.DataFrame:
    """A st.dataframe as its reader sees it: each cell's text as the app wrote it, under the headers shown."""
    proto = element.proto
    text = dataframe_util.convert_arrow_bytes_to_pandas_df(proto.arrow_data.styler.display_values)
    headers = {column: config.get("label", column) for column, config in json.loads(proto.columns or "{}").items()}
    return text.rename(columns=headers)


@pytest.fixture
def open_page(monkeypatch):
    """open_page(path, db, user=None, query=None): app.py run against the database file ``db``, switched to
    ``path`` (e.g. "pages/overview.py"), logged in as ``user`` (a session of that account, added if missing),
    with URL query ``query``; the run AppTest.

    A page the user may not open raises ValueError ("Could not find a navigation page"): its path shows
    pages.access.gate instead. An unexpected error on the page fails the test with its incident message.
    """

    def run(path: str, database: Path, user: User | None = None, query: dict | None = None) -> AppTest:
        monkeypatch.setenv("BHXH_DB", str(database))
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
        if user is not None:
            at.session_state[TOKEN] = signed_in(database, user)
        for key, value in (query or {}).items():
            at.query_params[key] = value
        at.run()
        at.switch_page(path).run()
        assert not at.exception, [e.value for e in at.exception]
        assert not [e for e in at.error if "Mã sự cố" in e.value], [e.value for e in at.error]
        return at

    return run


# --- What a reader sees -------------------------------------------------------------------------------

_COMMONMARK = MarkdownIt("commonmark")


def shown(body: str) -> str:
    """The words a reader sees of any Markdown body: escapes resolved, emphasis and code marks dropped."""
    found = []
    for block in _COMMONMARK.parse(body):
        for part in block.children or []:
            found.append("\n" if part.type == "softbreak" else part.content)
    return "".join(found).replace("\u2060", "")


def plain_text(body: str) -> str:
    """What a reader sees of a Markdown body that must render as plain text: CommonMark's own parser finds no
    link, image, HTML, emphasis, code, heading or list in it. Word joiners (analytics.usertext) are invisible."""
    blocks = _COMMONMARK.parse(body)
    assert [t.type for t in blocks] == ["paragraph_open", "inline", "paragraph_close"], body
    parts = blocks[1].children
    assert {p.type for p in parts} <= {"text", "softbreak"}, (body, [p.type for p in parts])
    return shown(body)
