"""Entry point: every page at its own path for every visitor, the user read afresh on every run, the shared
sidebar (kept in the URL), the demo banner, and a last line of defence against unexpected errors.

Serve it with ``streamlit run serve.py``, which adds the sign-in cookie and the unknown-path page.
"""

from pathlib import Path

import streamlit as st

from analytics.settings import load_settings
from analytics.storage import reads
from ui import routes
from ui.access import account_panel, current_user, gate
from ui.errors import incident, shown_errors
from ui.state import PAGES, connection, sidebar

st.set_page_config(page_title="Theo dõi BHXH đến 2030", page_icon="📊", layout="wide")
STYLE = Path(__file__).with_name("ui") / "style.css"


def navigation(user, settings) -> dict:
    """Every page, always: those the user may not open show why (see ui.access.gate) and are not listed."""
    sections: dict[str, list] = {}
    for route in routes.ROUTES:
        target = route.page if routes.may_open(route, user, settings) else gate(route.title)
        listed = "visible" if routes.listed(route, user, settings) else "hidden"
        pages = [st.Page(target, title=route.title, icon=route.icon, url_path=route.path, visibility=listed)]
        if route.path == routes.OVERVIEW:  # served at "/", and at its own path
            pages = [st.Page(target, title=route.title, icon=route.icon, url_path=routes.HOME, default=True,
                             visibility=listed),
                     st.Page(target, title=route.title, icon=route.icon, url_path=route.path, visibility="hidden")]
        sections.setdefault(route.section, []).extend(pages)
    return sections


try:
    with shown_errors():
        con, settings = connection(), load_settings()
        user = current_user(con, settings)
    sections = navigation(user, settings)
    registered = {p.url_path: p for pages in sections.values() for p in pages}
    registered[routes.OVERVIEW] = registered[""]  # a link to the overview lands on the default page, "/"
    st.session_state[PAGES] = registered
    current = st.navigation(sections, expanded=True)
    st.html(STYLE)
    account_panel(con, user)
    with shown_errors():
        st.session_state["view"] = sidebar(con)
        if reads.has_demo(con):
            st.warning("**DỮ LIỆU MINH HỌA**: số giả lập để xem thử, không phải số thực.", icon=":material/warning:")
    current.run()
except Exception as exc:  # noqa: BLE001 - the last line of defence: nothing unexpected reaches the reader as a trace
    incident(exc)
