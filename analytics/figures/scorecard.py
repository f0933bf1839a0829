"""The scorecard: communes × indicators with traffic lights from the plan settings."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics.figures import arrears, completeness, indicators, spans, standing
from analytics.figures.annual import annual_targets
from analytics.settings import Settings
from analytics.storage import cache
from analytics.storage.db import Connection

# Light codes (analytics.text.labels.LIGHT words them) and the indicators, in column order.
GREEN, AMBER, RED, NONE = "green", "amber", "red", "none"
INDICATORS = tuple(i.scorecard for i in indicators.on_scorecard())
HEADINGS = {i.scorecard: i.short for i in indicators.on_scorecard()}
LIGHT_ORDER = {RED: 0, AMBER: 1, GREEN: 2, NONE: 3}


def light(value: float, thresholds: tuple[float, float]) -> str:
    """Green at or above the first threshold, amber at or above the second, red below; values in percent."""
    if value is None or pd.isna(value):
        return NONE
    green, amber = thresholds
    return GREEN if value >= green else AMBER if value >= amber else RED


def reduction(owed: pd.DataFrame | None) -> pd.Series:
    """Per code, how much the amount owed fell since the month before, in percent of that month's (a rise is
    negative); nothing owed either month is 0; missing without both months. ``owed``: code, amount_owed,
    amount_owed_before (arrears.communes)."""
    if owed is None or owed.empty:
        return pd.Series(dtype=float)
    now, before = owed["amount_owed"], owed["amount_owed_before"]
    change = (100 * (before - now) / before.where(before > 0)).where(before > 0, (now == 0).map({True: 0.0}))
    return pd.Series(change.to_numpy(dtype=float), index=owed["code"])


def build(table: pd.DataFrame, annual: pd.DataFrame | None, completeness: pd.Series,
          settings: Settings, owed: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per commune: each indicator in percent, its light, and a rank (fewest reds, then attainment).

    ``table`` is standing.commune_table for the month; ``annual`` the official targets for the month's year
    (code, total_target) or None; ``completeness`` the share of due months reported, per code; ``owed`` the
    arrears of the span's last month with arrears figures (see ``reduction``), or None.
    """
    out = table[["code", "name", "former_district", "total", "target", "voluntary", "voluntary_min"]].copy()
    annual_target = (annual.set_index("code")["total_target"] if annual is not None and not annual.empty
                     else pd.Series(dtype=float))
    # What the indicators' ``points`` read besides the commune table's columns.
    inputs = table.assign(annual_target=table["code"].map(annual_target),
                          completeness=table["code"].map(completeness),
                          arrears_reduction=table["code"].map(reduction(owed)))
    for shown in indicators.on_scorecard():
        assert shown.points is not None  # every indicator on the scorecard says how it scores
        out[shown.scorecard] = shown.points(inputs).to_numpy(dtype=float)
        out[f"{shown.scorecard}_light"] = [light(v, shown.lights(settings)) for v in out[shown.scorecard]]
    lights = out[[f"{k}_light" for k in INDICATORS]]
    out["reds"] = (lights == RED).sum(axis=1)
    out["ambers"] = (lights == AMBER).sum(axis=1)
    out = out.sort_values(["reds", "ambers", "attainment_2030"], ascending=[True, True, False], na_position="last")
    out["rank"] = range(1, len(out) + 1)
    return out.reset_index(drop=True)


@cache.shared(max_entries=24)
def of_span(con: Connection, settings: Settings, span: str, today: dt.date) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The scorecard of a month, quarter or year (``build`` on standing.commune_table) and the official annual
    targets of the span's year it used (None when there are none)."""
    official = annual_targets(con)
    year_targets = official[official["year"] == int(span[:4])]
    reported = completeness.reporting(con, settings, today, standing.reported_periods(con))
    month = arrears.month_of(con, spans.last_month(span))
    card = build(standing.commune_table(con, settings, span), year_targets, completeness.completeness_share(reported),
                 settings, arrears.communes(con, month) if month else None)
    return card, (year_targets if not year_targets.empty else None)
