"""The "same elements" app: every page lays out the elements its recording (bench/elements.py) noted.

Served with ``streamlit run bench/replay.py``; ``BHXH_REPLAY`` names the pickle of recordings
({url path: recording}). Nothing is computed: the calls, their arguments and the containers they
go into are those of the app's own run, read from disk once per process.
"""

import os
import pickle
import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.elements import DeckJson, Deferred, Styled, Vega  # noqa: E402
from geo.mapview import SerialisedDeck  # noqa: E402


@st.cache_resource
def _recordings(path: str) -> dict:
    with open(path, "rb") as f:
        return pickle.load(f)


def _value(v):
    if isinstance(v, Styled):
        css = {(r, c): css for r, c, css in v.styles}
        styler = v.data.style.apply(lambda frame: pd_styles(frame, css), axis=None)
        return styler.hide(axis="index") if v.hide_index else styler
    if isinstance(v, DeckJson):
        return SerialisedDeck(v.spec, v.tooltip)
    if isinstance(v, Deferred):
        return lambda: b""
    return v


def pd_styles(frame, css):
    out = frame.copy().astype(object)
    for i in range(frame.shape[0]):
        for j in range(frame.shape[1]):
            out.iat[i, j] = "; ".join(f"{p}: {v}" for p, v in css.get((i, j), []))
    return out


def replay(calls: list) -> None:
    containers = {"main": st._main, "sidebar": st.sidebar}
    for call in calls:
        target = containers[call.target]
        args, kwargs = [_value(a) for a in call.args], {k: _value(v) for k, v in call.kwargs.items()}
        if call.name == "altair_chart" and args and isinstance(args[0], Vega):
            result = target.vega_lite_chart(args[0].spec, *args[1:], **kwargs)
        else:
            result = getattr(target, call.name)(*args, **kwargs)
        made = result if isinstance(result, list | tuple) else [result]
        containers.update(zip(call.made, made))


recordings = _recordings(os.environ["BHXH_REPLAY"])
first = next(iter(recordings.values()))
st.set_page_config(**first["page_config"])
widest = max(recordings.values(), key=lambda r: sum(len(items) for _, items in r["navigation"]))
pages = {section: [st.Page(lambda url=url: replay(recordings.get(url, first)["calls"]), title=title, icon=icon,
                           url_path=url, default=default)
                   for title, icon, url, default in items]
         for section, items in widest["navigation"]}
st.navigation(pages).run()
