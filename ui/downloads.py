"""A page's download links, through the app's own route (web.downloads), and who may follow them.

A page calls ``offer`` where it would call ``st.download_button``: the file is registered for this tab's
session and its signed-in account, and the page shows a link styled as a button. ``allowed`` and
``audited`` are what the route asks when the browser follows it (serve.py wires them).
"""

from __future__ import annotations

import html
from collections.abc import Callable

import streamlit as st
from starlette.requests import Request
from streamlit.runtime.scriptrunner import get_script_run_ctx

from analytics.settings import load_settings
from analytics.storage import writes
from ui.access import TOKEN
from ui.requester import requester
from ui.state import connection
from web import downloads
from web.downloads import VIEW, Offer, Owner

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CSV = "text/csv"
ZIP = "application/zip"


def _owner() -> Owner:
    user = st.session_state.get("user")
    if user is None:
        return Owner("visitor")
    token = st.session_state.get(TOKEN)
    return Owner("session", downloads.digest(token)) if token else Owner("sso", user.username)


def offer(label: str, data: bytes | Callable[[], bytes], file_name: str, mime: str, *, needs: str = VIEW,
          where=st, key: str = "") -> None:
    """A link that downloads ``data`` (bytes, or a function made to run only when the link is followed) as
    ``file_name``, for this tab's account while its role allows ``needs``."""
    ctx = get_script_run_ctx()
    session = ctx.session_id if ctx is not None else "test"
    page = ctx.page_script_hash if ctx is not None else ""
    handle = downloads.register(session, f"{page}:{label}:{key}", _owner(), needs, file_name, mime, data)
    where.markdown(f'<a class="tai-ve" href="{downloads.href(handle)}" download="{html.escape(file_name)}">'
                   f"{html.escape(label)}</a>", unsafe_allow_html=True)


def allowed(request: Request, offer: Offer) -> str | None:
    """The account that may fetch ``offer`` with this request's cookies, its role read now ("" for a visitor's
    public file); None for anyone else: no cookie, another session, a role that no longer reaches it."""
    if offer.owner.kind == "visitor":
        return "" if offer.needs == VIEW and not load_settings().viewing_requires_login else None
    found = requester(request)
    if found is None or found[0] != offer.owner or not found[1].can(offer.needs):
        return None
    return found[1].username


def audited(who: str, offer: Offer) -> None:
    writes.record_download(connection(), who, offer.file_name)
