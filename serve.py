"""The app's server: Streamlit's own (``st.App``) serving app.py, with the sign-in cookie's route, a Vietnamese
page for unknown paths, and unexpected errors logged under an incident number.

Run it with ``streamlit run serve.py`` (``make run`` does).
"""

import logging

import streamlit as st
from starlette.middleware import Middleware
from streamlit.runtime.pages_manager import PagesManager

from pages.common import incident
from pages.routes import PATHS
from web import session_cookie
from web.unknown_paths import UnknownPaths

# app.py routes every path itself (st.navigation). Without this, a fresh server would treat the folder pages/
# as old-style pages for its very first run and show Streamlit's English "Page not found" to its first visitor.
PagesManager.uses_pages_directory = False

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


app = st.App("app.py", routes=session_cookie.routes(), middleware=[Middleware(UnknownPaths, known=PATHS)],
             on_script_error=_unexpected)
