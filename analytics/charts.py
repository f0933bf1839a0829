"""Altair charts with Vietnamese formats, titles, units and colour-blind-safe colours."""

from __future__ import annotations

import altair as alt
import pandas as pd

from analytics import labels
from analytics.fmt import vega_locale

# Okabe–Ito: distinguishable with every common colour-vision deficiency.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
STATUS_COLOURS = {"on_track": "#009E73", "late": "#E69F00", "very_late": "#D55E00", "no_data": "#999999"}


def vietnamese(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Vietnamese number and month formats for any chart, from Babel's locale data."""
    return chart.configure(locale=vega_locale()).configure_range(category=OKABE_ITO) \
        .configure_title(anchor="start", offset=8)


def month_axis(field: str = "month") -> alt.X:
    """One tick per month, labelled 05/2026."""
    return alt.X(f"yearmonth({field}):T", title="Tháng",
                 axis=alt.Axis(format="%m/%Y", labelAngle=0, tickCount={"interval": "month", "step": 1}))


def trend(series: pd.DataFrame, value: str, expected: str, title: str, unit: str = "người") -> alt.Chart:
    """Actual stock against the expected trajectory, month by month."""
    data = series.assign(month=pd.to_datetime(series["period"] + "-01"))
    long = pd.concat([
        data[["month", value]].rename(columns={value: "value"}).assign(series="Thực hiện"),
        data[["month", expected]].rename(columns={expected: "value"}).assign(series="Lộ trình đến mục tiêu"),
    ])
    chart = alt.Chart(long, title=title).mark_line(point=True).encode(
        x=month_axis(),
        y=alt.Y("value:Q", title=f"Số người tham gia ({unit})", axis=alt.Axis(format=",.0f"),
                scale=alt.Scale(zero=False)),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=["Thực hiện", "Lộ trình đến mục tiêu"], range=["#0072B2", "#7f7f7f"])),
        strokeDash=alt.StrokeDash("series:N", legend=None,
                                  scale=alt.Scale(domain=["Thực hiện", "Lộ trình đến mục tiêu"],
                                                  range=[[1, 0], [6, 4]])),
        tooltip=[alt.Tooltip("month:T", title="Tháng", format="%m/%Y"),
                 alt.Tooltip("series:N", title="Chuỗi"),
                 alt.Tooltip("value:Q", title=unit.capitalize(), format=",.0f")],
    )
    return vietnamese(chart.properties(height=320))


def ranked_bars(frame: pd.DataFrame, value: str, label: str, title: str, axis_title: str,
                percent: bool = True, colour: str | None = None) -> alt.Chart:
    """Horizontal bars, one per commune, sorted by value; ``colour`` names a column of status codes."""
    fmt_str = ".0%" if percent else ",.0f"
    encoding = {
        "y": alt.Y(f"{label}:N", sort="-x", title=None),
        "x": alt.X(f"{value}:Q", title=axis_title, axis=alt.Axis(format=fmt_str)),
        "tooltip": [alt.Tooltip(f"{label}:N", title="Xã, phường"),
                    alt.Tooltip(f"{value}:Q", title=axis_title, format=".1%" if percent else ",.0f")],
    }
    if colour:
        frame = labels.shown(frame, {colour: labels.STATUS})
        encoding["color"] = alt.Color(f"{colour}:N", title="Trạng thái",
                                      scale=alt.Scale(domain=[labels.STATUS[c] for c in STATUS_COLOURS],
                                                      range=list(STATUS_COLOURS.values())))
    chart = alt.Chart(frame, title=title).mark_bar().encode(**encoding)
    return vietnamese(chart.properties(height=max(200, 16 * len(frame))))
