"""What a run knows before it draws: the shared connection, and the sidebar's choices kept in the URL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from analytics.figures import indicators, spans, standing
from analytics.settings import db_path, load_settings, reads_snapshots
from analytics.storage import db, snapshots, writer, writes
from analytics.text import labels, usertext
from analytics.units import scopes


@st.cache_resource(show_spinner=False)
def _opened_or_built(path: str):
    """The process's one connection. A database never built (``streamlit run`` without ``make db``) is built here
    from data/, once, so a fresh checkout opens on its plan instead of an error."""
    con = db.connect(path)
    writes.build_database(con, load_settings(), only_new=True)
    return con


@st.cache_resource(show_spinner=False)
def _snapshots(path: str) -> snapshots.Reader:
    """A replica's reader of the writer's snapshots; from now on its writes go to the writer."""
    writer.send_writes_to(Path(path))
    return snapshots.Reader(Path(path))


def connection():
    """A cursor of the process-wide connection (a replica's: of the newest snapshot): one per rerun, safe across
    sessions."""
    if reads_snapshots():
        return _snapshots(str(db_path())).cursor()
    return _opened_or_built(str(db_path())).cursor()


ALL = scopes.ALL

# On a phone the sidebar folds away behind a bare "»": it says what it opens. A map takes the wheel and a
# one-finger swipe from the page no more than any other picture does (two fingers still zoom and move it).


@dataclass(frozen=True)
class View:
    """The sidebar's choices, shared by every page and kept in the URL."""

    period: str | None  # the last month with figures of the chosen span
    scope: str  # ALL, "Huyện cũ: …", "Tỉnh cũ: …" or a commune name
    codes: list[str] | None  # None = every unit
    indicator: str
    granularity: str = spans.MONTH
    span: str | None = None  # "2026-10", "2026-Q4" or "2026"; None without figures
    complete: bool = True  # the span's last calendar month has figures

    @property
    def label(self) -> str:
        """The chosen span as reports name it: 'tháng 10/2026', 'quý IV/2026', 'năm 2026'."""
        return spans.label(self.span)

    @property
    def heading(self) -> str:
        """The label at the start of a sentence: 'Quý IV/2026'."""
        return spans.heading(self.span)


# The URL's word for each granularity; it also names the query key that holds the chosen span.
GRANULARITY_URL = {spans.MONTH: "thang", spans.QUARTER: "quy", spans.YEAR: "nam"}


LINK_CHARS = 64  # the longest value a link may carry; the app's own (a scope's name, a code, a month) are shorter


def link_value(key: str) -> str | None:
    """``key``'s value in the page's link, or None. Anyone can write a link, 100.000 characters long too: a value
    longer than LINK_CHARS is dropped from it, and a warning quotes its start literally."""
    value = st.query_params.get(key)
    if value is None or len(value) <= LINK_CHARS:
        return value
    st.query_params.pop(key, None)
    st.warning(usertext.literal(f"Đường liên kết có giá trị «{usertext.excerpt(value)}» ở mục «{key}» dài quá "
                                f"{LINK_CHARS} ký tự nên không được dùng."))
    return None


def _query(key: str, options: list[str], default: str) -> str:
    value = link_value(key)
    return value if value in options else default


SCOPE_REQUEST = "pham_vi_mo"  # a scope the app itself opens (the map's «Xem toàn tỉnh»), applied at the next run


def _choice(key: str, options: list[str], default: str) -> None:
    """The keyed choice's value before its widget is drawn: from the URL at a session's start (or when its
    value is no longer offered), else as the reader left it."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = _query(key, options, default)


def _span_choice(months: list[str]) -> tuple[str, str | None]:
    """Tháng / quý / năm and the span, from and back to the URL; a new granularity starts at the span
    holding the month chosen before."""
    words = {word: g for g, word in GRANULARITY_URL.items()}
    chosen = words[_query("theo", list(words), GRANULARITY_URL[spans.MONTH])]
    granularity = st.segmented_control("Xem theo", list(spans.GRANULARITIES), default=chosen, key="theo",
                                       format_func=labels.GRANULARITY.get) or chosen
    url_key = GRANULARITY_URL[granularity]
    if not months:
        return granularity, None
    options = spans.keys(months, granularity)[::-1]
    month = _query("thang", months, months[-1])
    span = st.selectbox(labels.GRANULARITY[granularity], options, format_func=spans.label, key=f"ky_{url_key}",
                        index=options.index(_query(url_key, options, spans.key(month, granularity))))
    for other in set(GRANULARITY_URL.values()) - {url_key}:
        st.query_params.pop(other, None)
    st.query_params.update({"theo": url_key, url_key: span})
    return granularity, span


def sidebar(con) -> View:
    """Granularity and span, commune or group, indicator: read from and written back to the URL query.

    The scope and the indicator have a key: without one, the widget's identity would include its index,
    which the URL changes after every choice, and every second choice would be lost. Their values
    therefore come from the session, and a scope the app opens goes through ``open_scope``.
    """
    months = standing.reported_periods(con)
    units = standing.commune_units(con)
    choices = scopes.options(units)
    keys = list(indicators.MAP)
    if st.session_state.get(SCOPE_REQUEST) in choices:
        st.session_state["pham_vi"] = st.session_state[SCOPE_REQUEST]
    st.session_state.pop(SCOPE_REQUEST, None)
    for key, options, default in (("pham_vi", choices, ALL), ("chi_so", keys, keys[0])):
        _choice(key, options, default)
    with st.sidebar:
        st.header("Bộ lọc")
        granularity, span = _span_choice(months)
        scope = st.selectbox("Phạm vi", choices, key="pham_vi")
        indicator = st.selectbox("Chỉ số", keys, format_func=lambda k: indicators.get(k).label, key="chi_so")
    st.query_params.update({"pham_vi": scope, "chi_so": indicator})
    reported = [m for m in months if span is not None and m in set(spans.months(span))]
    return View(reported[-1] if reported else None, scope, scopes.codes(units, scope), indicator, granularity, span,
                span is None or spans.is_complete(span, reported))


PAGES = "pages"  # session key: URL path -> the page this run's navigation registered there (app.py)
PROFILE = "ho-so-xa"


def page_at(path: str):
    """The page at URL ``path`` as this run's navigation registered it (its own or ui.access.gate's): pages are
    functions, not files, so st.switch_page and st.page_link need the page itself."""
    return st.session_state[PAGES][path]


def open_profile(code: str) -> None:
    """What choosing one commune opens (a click on the map, its name beside the map, a row of a table): its
    profile (``?ma=CODE``), keeping the sidebar's choices in the URL."""
    st.switch_page(page_at(PROFILE), query_params={**st.query_params.to_dict(), "ma": code})


def profile_on_select(event, frame) -> None:
    """A table row chosen (``on_select``) opens the profile of that row's commune (``frame``'s code)."""
    rows = event.selection.rows if event is not None else []
    if rows:
        open_profile(str(frame["code"].iloc[rows[0]]))


def open_scope(scope: str) -> None:
    """Show every page for ``scope`` (a commune's name or ALL) from the next run on."""
    st.session_state[SCOPE_REQUEST] = scope
    st.query_params["pham_vi"] = scope
    st.rerun()


def in_scope(frame, view: View):
    """The rows of the sidebar's scope (every unit when no scope is chosen)."""
    return frame if view.codes is None else frame[frame["code"].isin(view.codes)]
