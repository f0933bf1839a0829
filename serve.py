"""The app's server: Streamlit's own (``st.App``) serving app.py, with the sign-in cookie's route, the download
route, the public results as plain files (``/ket-qua/``), a Vietnamese page for unknown paths, unexpected errors
logged under an incident number, and the daily backups.

Run it with ``streamlit run serve.py`` (``make run`` does).
"""

import logging
from contextlib import asynccontextmanager
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from analytics.reports import public_site as public_files
from analytics.settings import db_path, load_settings, plan_path, reads_snapshots
from analytics.storage import backup_schedule
from ui import downloads as page_downloads
from ui.errors import incident
from ui.requester import is_admin
from ui.routes import PATHS
from ui.state import connection
from web import downloads, public_site, session_cookie
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
    """The server backs its database up once a day for as long as it runs (analytics.storage.backup_schedule); a
    replica leaves that to the writer, which holds the database."""
    if reads_snapshots():
        yield None
        return
    daily = backup_schedule.Daily(db_path(), plan_path()).start()
    try:
        yield None
    finally:
        daily.stop()


def _public_folder() -> Path:
    """The public results of the data in force, rendered once per data version; on a replica, what the writer
    last rendered (only the writer renders, and the proxy serves the files before a replica sees the request)."""
    root = public_files.root_for(db_path())
    if not reads_snapshots():
        return public_files.publish(connection(), load_settings(), root)
    folder = public_files.current(root)
    if folder is None:
        raise FileNotFoundError(f"{root} has no published version yet")
    return folder


def _public_name(name: str) -> bool:
    return public_files.FILE_NAME.fullmatch(name) is not None


ROUTES = [*session_cookie.routes(), *downloads.routes(page_downloads.allowed, page_downloads.audited),
          *public_site.routes(_public_folder, _public_name)]
MIDDLEWARE = [Middleware(Bounds), Middleware(UnknownPaths, known=PATHS | {public_site.PREFIX.strip("/")}),
              Middleware(AdminOnly, allowed=is_admin)]

app = st.App("app.py", routes=ROUTES, middleware=MIDDLEWARE, on_script_error=_unexpected, lifespan=_daily_backups)
