"""A page's elements, recorded while it runs once and laid out again from disk: the "same elements" page.

``record`` runs a page of the app once (Streamlit's AppTest, in this process) and notes every
``st.*`` call it makes, app.py's navigation and sidebar included: which container, the function, its
arguments. Charts are kept as their Vega-Lite specs, pydeck maps as their JSON, styled tables as their
data and cell styles, and choice labels as the texts ``format_func`` gave them, so the notes pickle.
``bench/replay.py`` makes the same calls from the notes, with nothing computed: the time it takes is
what Streamlit, Vega and deck.gl need to show these elements, and the app's time beyond it is its own.
It records whatever the pages call, so it follows them when they change.
"""

from __future__ import annotations

import inspect
import threading
from dataclasses import dataclass, field
from pathlib import Path

import altair as alt
import pandas as pd
import pydeck as pdk
import streamlit as st
from pandas.io.formats.style import Styler
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from analytics.settings import db_path
from analytics.storage import db, writes
from ui.access import TOKEN

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Call:
    target: str  # "main", "sidebar" or a container made by an earlier call ("c3")
    name: str
    args: tuple
    kwargs: dict
    made: list[str] = field(default_factory=list)  # containers this call returned


@dataclass(frozen=True)
class Vega:
    spec: dict


@dataclass(frozen=True)
class DeckJson:
    spec: str
    tooltip: dict | None


@dataclass(frozen=True)
class Styled:
    data: pd.DataFrame
    styles: list  # (row, column, css) of each styled cell
    hide_index: bool


class Recorder:
    """Notes the outermost st.* calls of one thread while active."""

    def __init__(self):
        self.calls: list[Call] = []
        self.names: dict[int, str] = {}
        self.local = threading.local()
        self.navigation: list | None = None
        self.page_config: dict = {}

    def name_of(self, dg: DeltaGenerator) -> str:
        dg = dg._active_dg
        if dg is st._main:
            return "main"
        if dg is st.sidebar:
            return "sidebar"
        return self.names.get(id(dg), "main")

    def note(self, dg, name, args, kwargs, result) -> None:
        call = Call(self.name_of(dg), name, _plain(args, kwargs.get("format_func")), _plain_kwargs(kwargs))
        for made in result if isinstance(result, list | tuple) else [result]:
            if isinstance(made, DeltaGenerator):
                self.names[id(made)] = f"c{len(self.names)}"
                call.made.append(self.names[id(made)])
        self.calls.append(call)

    def wrap(self, name, method):
        recorder = self

        def recorded(dg, *args, **kwargs):
            depth = getattr(recorder.local, "depth", 0)
            recorder.local.depth = depth + 1
            try:
                result = method(dg, *args, **kwargs)
            finally:
                recorder.local.depth = depth
            if depth == 0:
                recorder.note(dg, name, args, kwargs, result)
            return result
        return recorded


@dataclass(frozen=True)
class Deferred:
    """A download made when clicked: the replay offers an empty file the same way."""


def _labels(value, format_func):
    """Choices (and chosen defaults) as the labels ``format_func`` shows."""
    if format_func is None or value is None:
        return value
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        return format_func(value)
    return [format_func(x) for x in value]


def _plain(args, format_func=None) -> tuple:
    out = []
    for i, a in enumerate(args):
        if i == 1 and format_func is not None:  # a choice widget's options follow its label
            a = _labels(a, format_func)
        out.append(Deferred() if callable(a) and not isinstance(a, alt.TopLevelMixin | pdk.Deck) else _value(a))
    return tuple(out)


def _plain_kwargs(kwargs) -> dict:
    out, format_func = {}, kwargs.get("format_func")
    for k, v in kwargs.items():
        if k == "format_func" or (callable(v) and not isinstance(v, alt.TopLevelMixin | pdk.Deck)):
            continue  # labels are applied already; callbacks do nothing in a replay
        out[k] = _value(_labels(v, format_func) if k in ("default", "value", "options") else v)
    return out


def _value(v):
    if isinstance(v, alt.TopLevelMixin):
        return Vega(v.to_dict())
    if isinstance(v, pdk.Deck):
        return DeckJson(v.to_json(), getattr(v, "_tooltip", None))
    if isinstance(v, Styler):
        v._compute()
        styles = [(r, c, css) for (r, c), css in v.ctx.items()]
        return Styled(v.data, styles, bool(v.hide_index_) if isinstance(v.hide_index_, bool) else any(v.hide_index_))
    return v


def _session(username: str) -> str:
    """A new sign-in session of ``username`` in the app's database: its token."""
    con = db.connect(db_path())
    try:
        return writes.start_session(con, username, lifetime_hours=12)
    finally:
        con.close()


def record(path: str, user=None, timeout: float = 300) -> dict:
    """Run the page at URL ``path`` once (after app.py's first run) and return its calls, navigation and config.

    Pages are functions (ui.routes), which AppTest.switch_page cannot find by file: the run asks for the page by
    its URL path's hash, as a browser does."""
    recorder = Recorder()
    originals = {}
    for name, method in inspect.getmembers(DeltaGenerator, inspect.isfunction):
        if not name.startswith("_"):
            originals[name] = method
            setattr(DeltaGenerator, name, recorder.wrap(name, method))
    bound = {}  # st.title and the like are methods of the main container, bound when streamlit was imported
    for name in dir(st):
        method = getattr(st, name)
        if getattr(method, "__self__", None) is st._main and name in originals:
            bound[name] = method
            setattr(st, name, getattr(st._main, name))
    navigation, page_config = st.navigation, st.set_page_config

    def noted_navigation(pages, **kwargs):
        recorder.navigation = [(section, [(p.title, p.icon, p.url_path, p._default) for p in items])
                               for section, items in pages.items()]
        recorder.calls.append(Call("main", "__navigation__", (), {}))
        return navigation(pages, **kwargs)

    def noted_page_config(**kwargs):
        recorder.page_config = kwargs
        return page_config(**kwargs)

    st.navigation, st.set_page_config = noted_navigation, noted_page_config
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
        if user is not None:  # signed in as through the login form: a session of the account, its token held
            at.session_state[TOKEN] = _session(user.username)
        at.run()
        at._page_hash = calc_hash(path)
        recorder.calls.clear()
        recorder.names.clear()
        at.run()
        if at.exception:
            raise RuntimeError(f"{path}: {[e.value for e in at.exception]}")
    finally:
        for name, method in originals.items():
            setattr(DeltaGenerator, name, method)
        for name, method in bound.items():
            setattr(st, name, method)
        st.navigation, st.set_page_config = navigation, page_config
    after = [i for i, c in enumerate(recorder.calls) if c.name == "__navigation__"]
    return {"calls": recorder.calls[after[-1] + 1:] if after else recorder.calls,
            "navigation": recorder.navigation, "page_config": recorder.page_config}
