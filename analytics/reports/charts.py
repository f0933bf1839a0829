"""Altair charts with Vietnamese formats, titles, units and colour-blind-safe colours."""

from __future__ import annotations

from typing import TypeVar

import altair as alt
import pandas as pd

from analytics.figures import spans, standing
from analytics.figures.spans import months_between
from analytics.settings import Settings
from analytics.storage import cache
from analytics.storage.db import Connection
from analytics.text import labels
from analytics.text.fmt import vega_locale
from analytics.units import scopes

# Okabe–Ito: distinguishable with every common colour-vision deficiency.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
TopLevel = TypeVar("TopLevel", bound=alt.TopLevelMixin)  # a chart, layered or not: each configure keeps its kind
STATUS_COLOURS = {"on_track": "#009E73", "late": "#E69F00", "very_late": "#D55E00", "no_data": "#999999"}


def vietnamese(chart: TopLevel) -> TopLevel:
    """Vietnamese number and month formats for any chart, from Babel's locale data."""
    return chart.configure(locale=vega_locale()).configure_range(category=OKABE_ITO) \
        .configure_title(anchor="start", offset=8)


MAX_TICKS = 8  # month labels ("05/2026") side by side on a chart the width of a phone or of a page
TICK_STEPS = (1, 2, 3, 6, 12)  # months between ticks: every month, two, a quarter, half a year, a year


def tick_step(months: int) -> int:
    """Months between labelled ticks so that a span of ``months`` months gets at most `MAX_TICKS` labels."""
    return next((step for step in TICK_STEPS if months / step <= MAX_TICKS), TICK_STEPS[-1])


def month_axis(field: str = "month", months: int = 12) -> alt.X:
    """A time axis over ``months`` months: a tick every month, quarter or year as the span allows, labelled
    05/2026 (or 2027 when yearly), and never two labels touching."""
    step = tick_step(months)
    yearly = step == 12
    return alt.X(f"yearmonth({field}):T", title="Năm" if yearly else "Tháng",
                 axis=alt.Axis(format="%Y" if yearly else "%m/%Y", labelAngle=0, labelSeparation=8,
                               tickCount={"interval": "month", "step": step}))


def span(periods: pd.Series) -> int:
    """Months from the first to the last of ``periods``, both counted."""
    return months_between(periods.min(), periods.max()) + 1 if len(periods) else 1


def trend(series: pd.DataFrame, value: str, expected: str, title: str, unit: str = "người") -> alt.Chart:
    """Actual stock against the expected trajectory, month by month, or span by span when ``series`` has
    the ``key`` column of standing.province_series for quarters or years."""
    spanned = "key" in series and len(series) and spans.granularity_of(series["key"].iloc[0]) != spans.MONTH
    if spanned:
        data = series.assign(month=series["key"].map(spans.label))
        x = alt.X("month:N", sort=None, title=labels.GRANULARITY[spans.granularity_of(series["key"].iloc[0])],
                  axis=alt.Axis(labelAngle=0))
        when = alt.Tooltip("month:N", title="Kỳ")
    else:
        data = series.assign(month=pd.to_datetime(series["period"] + "-01"))
        x, when = month_axis(months=span(series["period"])), alt.Tooltip("month:T", title="Tháng", format="%m/%Y")
    long = pd.concat([
        data[["month", value]].rename(columns={value: "value"}).assign(series="Thực hiện"),
        data[["month", expected]].rename(columns={expected: "value"}).assign(series="Lộ trình đến mục tiêu"),
    ])
    chart = alt.Chart(long, title=title).mark_line(point=True).encode(
        x=x,
        y=alt.Y("value:Q", title=f"Số người tham gia ({unit})", axis=alt.Axis(format=",.0f"),
                scale=alt.Scale(zero=False)),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom", symbolType="stroke"),
                        scale=alt.Scale(domain=["Thực hiện", "Lộ trình đến mục tiêu"], range=["#0072B2", "#7f7f7f"])),
        strokeDash=alt.StrokeDash("series:N", legend=None,
                                  scale=alt.Scale(domain=["Thực hiện", "Lộ trình đến mục tiêu"],
                                                  range=[[1, 0], [6, 4]])),
        tooltip=[when, alt.Tooltip("series:N", title="Chuỗi"),
                 alt.Tooltip("value:Q", title=unit.capitalize(), format=",.0f")],
    )
    return vietnamese(chart.properties(height=320))


RANKED = {"lowest": "thấp nhất", "highest": "cao nhất", "all": "Tất cả"}  # which bars a ranked chart shows


def ranked(frame: pd.DataFrame, value: str, which: str, n: int = 10) -> pd.DataFrame:
    """The ``n`` rows with the lowest or highest ``value`` ("lowest", "highest"), or every row ("all")."""
    if which == "all":
        return frame
    order = frame.dropna(subset=[value]).sort_values(value, ascending=which == "lowest", kind="stable")
    return order.head(n)


def ranked_bars(frame: pd.DataFrame, value: str, label: str, title: str, axis_title: str,
                percent: bool = True, colour: str | None = None, ascending: bool = False,
                subtitle: str | None = None) -> alt.Chart:
    """Horizontal bars, one per commune, sorted by value (the highest on top, or the lowest when
    ``ascending``); ``colour`` names a column of status codes; a ``percent`` value is a ratio."""
    if percent:  # drawn in percent points: ticks "0,5", "1", "1,5" under an axis title that says "(%)"
        frame = frame.assign(**{value: frame[value] * 100})
    encoding = {
        "y": alt.Y(f"{label}:N", sort="x" if ascending else "-x", title=None),
        "x": alt.X(f"{value}:Q", title=axis_title, axis=alt.Axis(format=",.1~f" if percent else ",.0f")),
        "tooltip": [alt.Tooltip(f"{label}:N", title="Xã, phường"),
                    alt.Tooltip(f"{value}:Q", title=axis_title, format=",.1f" if percent else ",.0f")],
    }
    if colour:
        frame = labels.shown(frame, {colour: labels.STATUS})
        encoding["color"] = alt.Color(f"{colour}:N", title=None, legend=alt.Legend(orient="bottom", columns=2),
                                      scale=alt.Scale(domain=[labels.STATUS[c] for c in STATUS_COLOURS],
                                                      range=list(STATUS_COLOURS.values())))
    chart = alt.Chart(frame, title=alt.TitleParams(title, subtitle=subtitle or "")).mark_bar().encode(**encoding)
    # The height is the whole chart's: 24 px a bar names every bar, the rest holds titles, axis and legend.
    return vietnamese(chart.properties(height=(170 if colour else 110) + 24 * len(frame)))


@cache.shared(max_entries=64)
def trends(con: Connection, settings: Settings, granularity: str, codes: list[str] | None, titles: tuple[str,
           str]) -> list[dict]:
    """The scope's total and voluntary trends against their trajectories, month by month or span by span, as
    Vega-Lite specs made once per data version."""
    series = standing.province_series(con, settings, granularity, codes)
    return [trend(series, "total", "expected", titles[0]).to_dict(),
            trend(series, "voluntary", "voluntary_expected", titles[1]).to_dict()]


@cache.shared(max_entries=64)
def ranked_spec(con: Connection, settings: Settings, span: str, codes: list[str] | None, value: str, which: str, n: int,
                title: str, axis_title: str, colour: str | None = None) -> dict:
    """``ranked_bars`` of the ``ranked`` reporting communes in scope over ``span`` (a month, quarter or year), as
    a Vega-Lite spec made once per data version; the span is the subtitle."""
    table = standing.commune_table(con, settings, span)
    if codes is not None:
        table = table[scopes.among(table["code"], codes)]
    shown = ranked(table[table["total"].notna()], value, which, n)
    return ranked_bars(shown, value, "name", title, axis_title, colour=colour, ascending=which == "lowest",
                       subtitle=spans.label(span)).to_dict()


def monthly_line(series: pd.DataFrame, value: str, title: str, axis_title: str, colour: str = OKABE_ITO[0],
                 digits: int = 0) -> alt.Chart:
    """One figure month by month (``series``: period, ``value``), as the trend pages draw participants."""
    data = series[["period", value]].dropna().assign(month=lambda f: pd.to_datetime(f["period"] + "-01"))
    shown = ",." + str(digits) + "f"
    chart = alt.Chart(data, title=title).mark_line(point=True, color=colour).encode(
        x=month_axis(months=span(data["period"])),
        y=alt.Y(f"{value}:Q", title=axis_title, axis=alt.Axis(format=",.0f"), scale=alt.Scale(zero=True)),
        tooltip=[alt.Tooltip("month:T", title="Tháng", format="%m/%Y"),
                 alt.Tooltip(f"{value}:Q", title=axis_title, format=shown)])
    return vietnamese(chart.properties(height=260))
