"""The briefing's charts as PNG images, drawn on the server for a Word file.

The dashboard's Altair builders are reused so the report shows the pages' pictures (the trend's
lines restyled for print). Their Vietnamese formats travel in embed options, which only a
browser reads, so the locale is handed to the renderer here.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import vl_convert as vlc

from analytics.figures.outlook import ACTUAL, fan_chart
from analytics.reports.charts import trend
from analytics.text.fmt import vega_locale

WIDTH = 600  # px of the plot; the image is set 16 cm wide, the text width of an A4 page with 3 + 2 cm margins
SCALE = 2  # pixels per px, sharp when printed
FONT_SIZE = 13  # px; about 9 pt once scaled to the page
# A face with every Vietnamese letter: with Liberation Sans 1.x (Debian's fonts-liberation) the renderer
# sets each label holding a missing letter in a fallback serif face, so labels come out in mixed fonts.
FONT = "DejaVu Sans"
# charts.trend's two series: reported figures drawn solid in the colour Hình 3 gives them, the path dashed grey.
TREND_SERIES = ["Thực hiện", "Lộ trình đến mục tiêu"]
MIN_CHART_MONTHS = 3  # fewer months make a dot or a segment on a zoomed axis: a sentence says it better


def png(chart: alt.TopLevelMixin, height: int = 260) -> bytes:
    """Render a chart with larger labels; the report's caption replaces the chart's own title."""
    locale = vega_locale()
    sized = chart.properties(width=WIDTH, height=height, title="").configure(font=FONT) \
        .configure_axis(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE) \
        .configure_legend(labelFontSize=FONT_SIZE)
    return vlc.vegalite_to_png(sized.to_dict(), scale=SCALE, format_locale=locale["number"],
                               time_format_locale=locale["time"])


def _trend(series: pd.DataFrame, value: str, expected: str, height: int = 260) -> bytes:
    """Print has no hover to tell the lines apart, so the plan is the dashed one, as readers expect."""
    chart = trend(series, value, expected, "").encode(
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom", symbolType="stroke"),
                        scale=alt.Scale(domain=TREND_SERIES, range=[ACTUAL, "#666666"])),
        strokeDash=alt.StrokeDash("series:N", legend=None,
                                  scale=alt.Scale(domain=TREND_SERIES, range=[[1, 0], [6, 4]])),
    )
    return png(chart, height)


def total_trend(series: pd.DataFrame, height: int = 260) -> bytes:
    return _trend(series, "total", "expected", height)


def voluntary_trend(series: pd.DataFrame) -> bytes:
    return _trend(series, "voluntary", "voluntary_expected")


def outlook_fan(outlook: dict) -> bytes:
    return png(fan_chart(outlook), height=280)
