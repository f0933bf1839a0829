"""Where participant numbers are heading by December of the target year: province or scope, and each commune.

A scope's monthly sum is only comparable across months when the same communes reported, so months
with fewer reports than the best-reported month are left out of the fit (and listed), instead of
reading a missing report as people leaving.
"""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd

from analytics.errors import InsufficientHistory
from analytics.figures import standing, trajectory
from analytics.figures.projection import MIN_POINTS, calibrated, gap, project_many, required_monthly_increase
from analytics.figures.spans import months_between
from analytics.reports.charts import month_axis, span, vietnamese
from analytics.settings import Settings
from analytics.storage import cache, reads
from analytics.storage.db import Connection
from analytics.text import fmt

ACTUAL, PROJECTED, TARGET = "#0072B2", "#E69F00", "#D55E00"  # Okabe–Ito blue, orange, vermillion


def _values(con: Connection, until: str | None) -> pd.DataFrame:
    values = reads.monthly(con)
    return values if until is None else values[values["period"] <= until]


@cache.shared(max_entries=64)
def province_outlook(con: Connection, settings: Settings, codes: list[str] | None = None,
                     until: str | None = None) -> dict:
    """Series, projection to the target month, gap, required increase and backtest of a scope (None: province).

    ``until`` cuts the history at a month, to see the outlook as it stood then. Keys: series (months
    used), left_out (period, reporting, units of months not used), units, without_target (names),
    target, target_period, projection (its band calibrated on the backtest), gap, required, backtest,
    backtest_horizon (months from the backtest's last fitted month to its last held-out one),
    backtest_reason, reason (why no projection, else None).
    """
    units = standing.commune_units(con)
    if codes is not None:
        units = units[units["code"].isin(codes)]
    series = standing.province_series(con, settings, codes=codes, until=until)
    end = trajectory.target_period(settings)
    has_target = units["target"].notna().any()
    out = {
        "series": series, "left_out": [], "units": len(units), "target_period": end,
        "without_target": units[units["target"].isna()]["name"].tolist(),
        "target": float(units["target"].sum()) if has_target else math.nan,
        "projection": None, "gap": math.nan, "required": math.nan,
        "backtest": None, "backtest_horizon": None, "backtest_reason": None, "reason": None,
    }
    if series.empty:
        out["reason"] = "Chưa có số liệu hằng tháng cho phạm vi này."
        return out
    complete = series["reporting"] == series["reporting"].max()
    out["series"] = series[complete].reset_index(drop=True)
    out["left_out"] = [{"period": p, "reporting": int(r), "units": len(units)}
                       for p, r in zip(series.loc[~complete, "period"], series.loc[~complete, "reporting"])]
    totals = out["series"].set_index("period")["total"]
    try:
        fit, check = calibrated(totals, end)
    except InsufficientHistory as exc:
        out["reason"] = f"Chưa đủ số liệu để dự báo. {exc}"
        return out
    out["projection"], out["backtest"] = fit, check
    if has_target:
        out["gap"] = gap(fit, out["target"])
        out["required"] = required_monthly_increase(fit.last_value, fit.last_period, out["target"], end)
    if check is None:
        out["backtest_reason"] = (f"Cần ít nhất {MIN_POINTS + 1} tháng số liệu, không cách nhau quá xa, để kiểm tra "
                                  f"ngược độ chính xác; hiện có {len(totals)}.")
    else:
        out["backtest_horizon"] = months_between(totals.index[-check.holdout - 1], totals.index[-1])
    return out



@cache.shared(max_entries=32)
def commune_outlook(con: Connection, settings: Settings, codes: list[str] | None = None,
                    until: str | None = None) -> pd.DataFrame:
    """Per commune: code, name, last_period, last_value, projected, lower80, upper80, target, projected_gap,
    required_monthly_increase, recent_monthly_increase; largest projected shortfall first.

    Communes without enough history keep their row with empty projections, so none drops out of sight.
    """
    units = standing.commune_units(con)
    if codes is not None:
        units = units[units["code"].isin(codes)]
    end = trajectory.target_period(settings)
    values = _values(con, until)
    values = values[values["code"].isin(units["code"])]
    fits = project_many(values[["code", "period", "total"]].rename(columns={"total": "value"}), end)
    frame = units[["code", "name", "target"]].merge(fits, on="code", how="left")
    frame["projected_gap"] = frame["target"] - frame["projected"]
    remaining = [months_between(p, end) if isinstance(p, str) else np.nan for p in frame["last_period"]]
    remaining = pd.Series(remaining, index=frame.index, dtype=float).where(lambda m: m > 0)
    frame["required_monthly_increase"] = (frame["target"] - frame["last_value"]) / remaining
    frame = frame.rename(columns={"slope_per_month": "recent_monthly_increase"})
    columns = ["code", "name", "last_period", "last_value", "projected", "lower80", "upper80", "target",
               "projected_gap", "required_monthly_increase", "recent_monthly_increase"]
    return frame.sort_values(["projected_gap", "name"], ascending=[False, True], na_position="last")[columns] \
        .reset_index(drop=True)


def fan_chart(outlook: dict, year: int | None = None, horizon: int | None = None) -> alt.LayerChart | alt.FacetChart:
    """Reported totals, the projection with its shaded 80 % band, and the target.

    With ``horizon`` the chart stops that many months after the last report, so the reported months take
    a fair share of its width; the target is then shown as the path it needs from the last report (a
    rise of the required amount each month) instead of a point in the target month.
    """
    fit = outlook["projection"]
    year = year or int(outlook["target_period"][:4])
    actual = outlook["series"][["period", "total"]].assign(series="Thực hiện")
    start = pd.DataFrame({"period": [fit.last_period], "projected": [fit.last_value],
                          "lower80": [fit.last_value], "upper80": [fit.last_value]})
    path = pd.concat([start, fit.path.iloc[:horizon]], ignore_index=True).assign(series="Dự báo")
    for frame in (actual, path):
        frame["month"] = pd.to_datetime(frame["period"] + "-01")
    end = path["period"].iloc[-1]
    target_label = f"Chỉ tiêu {year}" if horizon is None else f"Mức cần đạt để về đích {year}"
    colour = alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom", labelLimit=400),
                       scale=alt.Scale(domain=["Thực hiện", "Dự báo", target_label],
                                       range=[ACTUAL, PROJECTED, TARGET]))
    x = month_axis(months=span(pd.concat([actual["period"], path["period"]])))
    y_title = "Số người tham gia (người)"
    number = ",.0f"
    band = alt.Chart(path).mark_area(opacity=0.25, color=PROJECTED).encode(
        x=x,
        y=alt.Y("lower80:Q", title=y_title, axis=alt.Axis(format=number), scale=alt.Scale(zero=False)),
        y2="upper80:Q",
        tooltip=[alt.Tooltip("month:T", title="Tháng", format="%m/%Y"),
                 alt.Tooltip("lower80:Q", title="Cận dưới 80 % (người)", format=number),
                 alt.Tooltip("upper80:Q", title="Cận trên 80 % (người)", format=number)],
    )
    projected = alt.Chart(path).mark_line(strokeDash=[6, 4]).encode(
        x=x, y=alt.Y("projected:Q", title=y_title), color=colour,
        tooltip=[alt.Tooltip("month:T", title="Tháng", format="%m/%Y"),
                 alt.Tooltip("projected:Q", title="Dự báo (người)", format=number)],
    )
    reported = alt.Chart(actual).mark_line(point=True).encode(
        x=x, y=alt.Y("total:Q", title=y_title), color=colour,
        tooltip=[alt.Tooltip("month:T", title="Tháng", format="%m/%Y"),
                 alt.Tooltip("total:Q", title="Thực hiện (người)", format=number)],
    )
    layers = [band, projected, reported]
    if not math.isnan(outlook["target"]) and horizon is not None:
        needed = path[["month"]].assign(value=fit.last_value + outlook["required"] * np.arange(len(path)),
                                        series=target_label)
        layers.append(alt.Chart(needed).mark_line(strokeDash=[2, 3]).encode(
            x=x, y=alt.Y("value:Q", title=y_title), color=colour,
            tooltip=[alt.Tooltip("month:T", title="Tháng", format="%m/%Y"),
                     alt.Tooltip("value:Q", title=f"{target_label} (người)", format=number)]))
    elif not math.isnan(outlook["target"]):
        goal = pd.DataFrame({"month": [pd.Timestamp(f"{outlook['target_period']}-01")], "value": [outlook["target"]],
                             "series": [target_label],
                             "text": [f"{target_label}: {fmt.number(outlook['target'])}"]})
        point = alt.Chart(goal).mark_point(shape="diamond", size=140, filled=True).encode(
            x=x, y=alt.Y("value:Q", title=y_title), color=colour,
            tooltip=[alt.Tooltip("text:N", title="Chỉ tiêu")],
        )
        rule = alt.Chart(goal).mark_rule(strokeDash=[2, 3], color=TARGET, opacity=0.6).encode(y="value:Q")
        label = point.mark_text(align="right", dx=-10, dy=-10, color=TARGET).encode(text="text:N")
        layers += [rule, point, label]
    chart = alt.layer(*layers).properties(
        height=380,
        title=alt.TitleParams(f"Số người tham gia: thực hiện và dự báo đến {fmt.month(end)}",
                              subtitle="Nét đứt: dự báo theo xu hướng; vùng tô: khoảng dự báo 80 %"),
    )
    return vietnamese(chart)


@cache.shared(max_entries=64)
def fan_spec(con: Connection, settings: Settings, codes: list[str] | None = None, until: str | None = None,
             horizon: int | None = None) -> dict | None:
    """``fan_chart`` of the scope's outlook as a Vega-Lite spec made once per data version (None: no projection)."""
    scope = province_outlook(con, settings, codes, until)
    return None if scope["projection"] is None else fan_chart(scope, settings.target_year, horizon).to_dict()
