"""The app's server: Streamlit's own (``st.App``) serving app.py, with the sign-in cookie's route, the download
route, a Vietnamese page for unknown paths, unexpected errors logged under an incident number, and the daily backups.

Run it with ``streamlit run serve.py`` (``make run`` does).
"""

import logging
from contextlib import asynccontextmanager

import streamlit as st
from starlette.middleware import Middleware

from analytics.settings import db_path, plan_path
from analytics.storage import backup_schedule
from ui import downloads as page_downloads
from ui.errors import incident
from ui.requester import is_admin
from ui.routes import PATHS
from web import downloads, session_cookie
from web.admin_only import AdminOnly
from web.bounds import Bounds
from web.unknown_paths import UnknownPaths

_log = logging.getLogger("bhxh")
if not _log.handlers:
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    _log.addHandler(_handler)
    _log.propagate = False


def _unexpected(exc: Exception) -> bool:
    """An error outside app.py's own guard (a widget's callback): the same incident message, no trace."""
    incident(exc)
    return True


@asynccontextmanager
async def _daily_backups(_app):
    """The server backs its database up once a day for as long as it runs (analytics.storage.backup_schedule)."""
    daily = backup_schedule.Daily(db_path(), plan_path()).start()
    try:
        yield None
    finally:
        daily.stop()


ROUTES = [*session_cookie.routes(), *downloads.routes(page_downloads.allowed, page_downloads.audited)]
MIDDLEWARE = [Middleware(Bounds), Middleware(UnknownPaths, known=PATHS), Middleware(AdminOnly, allowed=is_admin)]

app = st.App("app.py", routes=ROUTES, middleware=MIDDLEWARE, on_script_error=_unexpected, lifespan=_daily_backups)
