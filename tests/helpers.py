"""What tests share besides fixtures: the tiny plan's figures, records of uploads, signed-in sessions, and
what a reader sees of a page (its tables, its Markdown, its download links)."""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import re
from pathlib import Path

import pandas as pd
from docx import Document
from markdown_it import MarkdownIt
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from analytics.access.accounts import User
from analytics.storage import db, writes
from ui.routes import ROUTES
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
    return writes.record_upload(con, monthly_frame(rows), kind="monthly", file_name=file_name, sha256=sha,
                               user=user, rows_read=len(rows), now=now)


def record_annual(con, rows, *, sha: str = "annual", now: dt.datetime = T0, user: User = ANALYST) -> int:
    """Store (year, code, total_target, voluntary_min) rows as one upload of official annual targets; its id."""
    frame = pd.DataFrame(rows, columns=["year", "code", "total_target", "voluntary_min"]).assign(
        source_row=None, written_name=None, match_method="code", match_score=None)
    return writes.record_upload(con, frame, kind="annual", file_name="chi-tieu-nam.xlsx", sha256=sha, user=user,
                               rows_read=len(rows), now=now)


def audit_row(con, actor: str, action: str, detail: str, at: dt.datetime) -> None:
    """An audit row as any write leaves one, without the write: a marker tests look for."""
    con.execute("INSERT INTO audit_log (happened_at, actor, action, detail) VALUES (?, ?, ?, ?)",
                [at, actor, action, detail])


def docx_bytes(*paragraphs: str) -> bytes:
    """A real Word file holding ``paragraphs``: what a commune sends back."""
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- Pages ---------------------------------------------------------------------------------------------


def signed_in(database: Path, user: User) -> str:
    """A session token of ``user``, whose account is added (with a random password) unless it exists."""
    con = db.connect(database)
    try:
        con.execute("INSERT INTO users (username, display_name, role, password_hash, created_at) "
                    "VALUES (?, ?, ?, 'khong-dang-nhap-bang-mat-khau', ?) ON CONFLICT DO NOTHING",
                    [user.username, user.display_name, user.role, T0])
        return writes.start_session(con, user.username, lifetime_hours=12)
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
    link, image, HTML, emphasis, code, heading or list in it. Word joiners (analytics.text.usertext) are invisible."""
    blocks = _COMMONMARK.parse(body)
    assert [t.type for t in blocks] == ["paragraph_open", "inline", "paragraph_close"], body
    parts = blocks[1].children
    assert {p.type for p in parts} <= {"text", "softbreak"}, (body, [p.type for p in parts])
    return shown(body)


def switch_page(at: AppTest, page: str) -> AppTest:
    """``at`` bound for ``page`` (its module's file, e.g. "ui/overview.py") at the next run, as a browser asks for it:
    by the hash of the page's URL path. AppTest.switch_page finds pages by file, and these pages are functions
    (ui.routes), so this sets the hash that method would."""
    module = page.removesuffix(".py").replace("/", ".")
    paths = [r.path for r in ROUTES if r.page.__module__ == module]
    assert paths, f"no route for {page}"
    at._page_hash = calc_hash(paths[0])
    return at
