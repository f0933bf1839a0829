"""Pivot tables over communes and time for ad hoc exploration, with stock semantics.

Participant counts are stocks at month end, so a quarter's or a year's value is each
commune's last reported month in it, never a sum over months. Counts add up across
communes; ratios are recomputed from the summed numerator and denominator rather than
averaged; the net increase is each commune's change from the previous period of the
same grain, summed over communes reporting both (``standing.span_values``).
Dimension and indicator names are checked against fixed whitelists and the work is done
in pandas on the values in force, so no user text ever reaches SQL.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from analytics.errors import InvalidPivot
from analytics.figures import indicators, spans, standing
from analytics.figures.spans import add_months, month_index, months_between
from analytics.reports.charts import OKABE_ITO, vietnamese
from analytics.settings import Settings
from analytics.storage import cache, db, reads
from analytics.storage.db import Connection
from analytics.text import fmt
from analytics.units.names import fold

DIMENSIONS = {
    "commune": "Xã, phường",
    "former_district": "Huyện cũ",
    "former_province": "Tỉnh cũ",
    "month": "Tháng",
    "quarter": "Quý",
    "year": "Năm",
}
VALUES = {i.code: i.label for i in indicators.offered("pivot")}
# "indicator" heads the single row of a pivot that has no row dimension.
LABELS = {**DIMENSIONS, **VALUES, "indicator": "Chỉ số"}
TIME = ("month", "quarter", "year")  # finest first
RATIOS = {i.code: i.ratio for i in indicators.offered("pivot") if i.ratio is not None}
UNKNOWN_GROUP = "Chưa xác định"
_COUNTS = ["total", "voluntary", "compulsory", "target", "net_increase"]

# Targets of the plan's target year only; the year is a parameter, never text.
_UNITS = """
    SELECT c.code, c.name, g.former_district, g.former_province, t.target
    FROM communes c
    LEFT JOIN commune_groups g USING (code)
    LEFT JOIN (SELECT code, sum(total_target) AS target FROM targets WHERE target_year = ? GROUP BY code) t
        USING (code)
"""


def _coarser(key: str, grain: str, dim: str) -> str:
    """The ``dim`` period containing grain period ``key`` (a month's quarter, a quarter's year)."""
    if dim == grain:
        return key
    return key[:4] if dim == "year" else spans.key(key, spans.QUARTER)


def _time_label(dim: str, key: str) -> str:
    if dim == "month":
        return fmt.month(key)
    if dim == "quarter":
        return f"Quý {key[-1]}/{key[:4]}"
    return f"Năm {key}"


def _validate(rows: list[str], columns: list[str], value: str, period_from, period_to) -> None:
    unknown = [str(d) for d in rows + columns if d not in DIMENSIONS]
    if value not in VALUES:
        unknown.append(str(value))
    if unknown:
        raise InvalidPivot(f"Không có chiều hoặc chỉ số «{', '.join(unknown)}». Chiều: "
                           f"{', '.join(DIMENSIONS)}; chỉ số: {', '.join(VALUES)}.")
    if len(set(rows + columns)) < len(rows + columns):
        raise InvalidPivot("Mỗi chiều chỉ được chọn một lần, ở hàng hoặc ở cột.")
    for period in (period_from, period_to):
        try:
            if period is not None:
                month_index(period)
        except ValueError:
            raise InvalidPivot(f"Tháng «{period}» không hợp lệ; hãy dùng dạng NNNN-TT, ví dụ 2026-05.") from None


def _units(con: Connection, settings: Settings, codes: list[str] | None) -> pd.DataFrame:
    units = db.query(con, _UNITS, [settings.target_year])
    if codes is not None:
        units = units[units["code"].isin(codes)]
    units = units.fillna({"former_district": UNKNOWN_GROUP, "former_province": UNKNOWN_GROUP})
    # Two units with one name stay apart: the duplicated ones carry their code.
    twice = units["name"].duplicated(keep=False)
    units["commune"] = units["name"].where(~twice, units["name"] + " (" + units["code"] + ")")
    return units.astype({"target": float})


def cells(con: Connection, settings: Settings, dims: list[str], value: str, period_from: str | None = None,
          period_to: str | None = None, codes: list[str] | None = None) -> pd.DataFrame:
    """One row per combination of ``dims``: the dimensions, "indicator" (the value's label) and "value".

    The finest chosen time dimension is the grain. With none chosen, the cells hold the
    state at the end of the range (its last month), and the net increase is that month's.
    """
    values = reads.monthly(con)
    if codes is not None:
        values = values[values["code"].isin(codes)]
    if period_to is not None:
        values = values[values["period"] <= period_to]
    values = values.astype({c: float for c in ("total", "voluntary", "compulsory")})
    if values.empty:
        return pd.DataFrame(columns=[*dims, "indicator", "value"])
    times = [d for d in TIME if d in dims]
    grain = times[0] if times else "month"
    last = period_to or values["period"].max()
    first = (period_from or values["period"].min()) if times else last
    in_range = {spans.key(add_months(first, i), grain) for i in range(months_between(first, last) + 1)}
    stocks = standing.span_values(values, grain).rename(columns={"key": "grain", "net": "net_increase"})
    stocks = stocks[stocks["grain"].isin(in_range)]
    if stocks.empty:
        return pd.DataFrame(columns=[*dims, "indicator", "value"])
    # Every unit in every period, so a plan target counts even where a commune has not reported.
    grid = _units(con, settings, codes).merge(pd.DataFrame({"grain": sorted(stocks["grain"].unique())}),
                                              how="cross")
    frame = grid.merge(stocks[["code", "grain", "total", "voluntary", "compulsory", "net_increase"]],
                       on=["code", "grain"], how="left")
    for dim in times:
        frame[dim] = frame["grain"].map(lambda k, d=dim: _coarser(k, grain, d))
    keys = [*dims, "indicator"]
    frame = frame.assign(indicator=VALUES[value])
    sums = frame.groupby(keys, sort=False)[_COUNTS].sum(min_count=1).reset_index()
    if value in RATIOS:
        numerator, denominator = (sums[c] for c in RATIOS[value])
        sums["value"] = np.where(denominator > 0, numerator / denominator.where(denominator > 0), np.nan)
    else:
        sums["value"] = sums[value]
    return _ordered(sums[[*keys, "value"]], dims)


def _ordered(frame: pd.DataFrame, dims: list[str]) -> pd.DataFrame:
    """Dimensions become ordered categories: time in order, names alphabetically ignoring accents and 'Xã'."""
    out = frame.copy()
    for dim in dims:
        present = out[dim].unique().tolist()
        if dim in TIME:
            keys = sorted(present)
            out[dim] = out[dim].map(lambda k, d=dim: _time_label(d, k))
            labels = [_time_label(dim, k) for k in keys]
        else:
            labels = sorted(present, key=lambda n: (fold(n), n))
        out[dim] = pd.Categorical(out[dim], categories=labels, ordered=True)
    return out.sort_values(dims) if dims else out


@cache.shared(max_entries=32)
def pivot(con: Connection, settings: Settings, rows: list[str], columns: list[str], value: str,
          period_from: str | None = None, period_to: str | None = None,
          codes: list[str] | None = None) -> pd.DataFrame:
    """A flat pivot: one column per row dimension (named by its key), then one column per column label.

    Without column dimensions the figure's column is named by ``value``; without row
    dimensions the single row is headed by an "indicator" column. Rename with ``LABELS``.
    """
    rows, columns = list(rows), list(columns)
    _validate(rows, columns, value, period_from, period_to)
    long = cells(con, settings, rows + columns, value, period_from, period_to, codes)
    index = rows or ["indicator"]
    if not columns:
        wide = long[[*index, "value"]].rename(columns={"value": value})
    else:
        wide = long.set_index(index + columns)["value"].unstack(columns)
        wide.columns = [" · ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in wide.columns]
        wide = wide.reset_index()
    # Plain text again, so exports neutralise formula-like names.
    return wide.astype({d: str for d in index}).reset_index(drop=True)


def chart(table: pd.DataFrame, rows: list[str], columns: list[str], value: str) -> alt.Chart | None:
    """Lines over time when a time dimension lies on one side, bars otherwise; None beyond eight series.

    Eight is the number of Okabe–Ito colours; more series would reuse a colour for two of them.
    """
    index = rows or ["indicator"]
    long = table.melt(id_vars=index, var_name="column", value_name="value") if columns else \
        table.rename(columns={value: "value"}).assign(column=VALUES[value])
    long["row"] = long[index].astype(str).agg(" · ".join, axis=1)
    sides = {"row": rows, "column": columns}
    titles = {"row": " · ".join(LABELS[d] for d in index), "column": " · ".join(LABELS[d] for d in columns) or
              LABELS["indicator"]}
    time_first = any(d in TIME for d in columns) and not any(d in TIME for d in rows)
    for axis, series in ((("column", "row"), ("row", "column")) if time_first else
                         (("row", "column"), ("column", "row"))):
        if long[series].nunique() <= len(OKABE_ITO):
            lines = bool(sides[axis]) and all(d in TIME for d in sides[axis])
            return _draw(long, axis, series, titles, value, lines)
    return None


def _draw(long: pd.DataFrame, axis: str, series: str, titles: dict, value: str, lines: bool) -> alt.Chart:
    axis_order, series_order = long[axis].unique().tolist(), long[series].unique().tolist()
    shown = ".0%" if value in RATIOS else ",.0f"
    measure = {"field": "value", "type": "quantitative", "title": VALUES[value],
               "axis": alt.Axis(format=shown)}
    colour = alt.Color(f"{series}:N", sort=series_order, title=None, legend=alt.Legend(orient="bottom"))
    tooltip = [alt.Tooltip(f"{axis}:N", title=titles[axis]), alt.Tooltip(f"{series}:N", title=titles[series]),
               alt.Tooltip("value:Q", title=VALUES[value], format=".1%" if value in RATIOS else ",.0f")]
    base = alt.Chart(long.dropna(subset=["value"]), title=VALUES[value])
    if lines:
        drawn = base.mark_line(point=True).encode(
            x=alt.X(f"{axis}:N", sort=axis_order, title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(**measure, scale=alt.Scale(zero=value == "net_increase")), color=colour, tooltip=tooltip,
        ).properties(height=320)
    else:
        drawn = base.mark_bar().encode(
            y=alt.Y(f"{axis}:N", sort=axis_order, title=None), x=alt.X(**measure),
            yOffset=alt.YOffset(f"{series}:N", sort=series_order), color=colour, tooltip=tooltip,
        ).properties(height=max(200, 14 * len(axis_order) * len(series_order)))
    return vietnamese(drawn)
