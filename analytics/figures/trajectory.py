"""The expected level: the path from each commune's baseline to its targets, month by month.

The path is a straight line from the baseline to the target in December of the target year; where
official annual targets are in force it passes through each of them in December of its year instead.
Each commune's baseline and targets come from one SQL text, the path through them is arithmetic on arrays,
and the province's expected level is a sum of the same paths, so it and each commune's level agree by
construction, on a page, in the budget or in a report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.figures.spans import month_index, months_between
from analytics.settings import Settings
from analytics.storage import cache, db
from analytics.storage.db import Connection


def target_period(settings: Settings) -> str:
    """December of the plan's target year, where every path ends."""
    return f"{settings.target_year}-12"


def linear_expected(base: float, base_period: str, target: float, end_period: str, period: str) -> float:
    """The level a straight path from (base_period, base) to (end_period, target) reaches at ``period``."""
    span = months_between(base_period, end_period)
    if span <= 0:
        return float(target)
    share = min(max(months_between(base_period, period) / span, 0.0), 1.0)
    return base + (target - base) * share


@dataclass(frozen=True)
class Paths:
    """The points each unit's expected levels pass through: one row per unit, in month order.

    ``months`` holds month indices (``periods.month_index``), +inf after a unit's last point; a
    unit with no point has no path and no expected level.
    """

    months: np.ndarray  # units × points
    levels: dict[str, np.ndarray]  # "total", "voluntary" -> units × points
    count: np.ndarray  # points per unit


def paths(units: pd.DataFrame, annual: pd.DataFrame, settings: Settings) -> Paths:
    """The path of each row of ``units`` (code, target, voluntary_min, base_month, base_total, base_voluntary).

    A path starts at the unit's baseline, passes through December of each year with an official
    target in ``annual`` (year, code, total_target, voluntary_min) and ends in December of the
    target year at the appendix target, unless an official target for that year replaces it. Points
    not after the baseline are dropped; a unit with none left stays at its final target. A unit
    without a baseline or a target has no path. Between two points the level moves in a straight
    line, month by month; before the first point it is the first's, after the last the last's.
    """
    n, end = len(units), month_index(target_period(settings))
    row = pd.Index(units["code"].tolist()).get_indexer(annual["code"].tolist())
    annual = annual[row >= 0].assign(row=row[row >= 0]).sort_values(["row", "year"])
    slot = annual.groupby("row").cumcount().to_numpy()
    width = int(slot.max()) + 2 if len(annual) else 1  # official years, then the appendix target
    months = np.full((n, width), np.inf)
    levels = {m: np.full((n, width), np.nan) for m in ("total", "voluntary")}
    rows = annual["row"].to_numpy()
    months[rows, slot] = annual["year"].to_numpy() * 12 + 11
    levels["total"][rows, slot] = annual["total_target"].to_numpy(dtype=float)
    levels["voluntary"][rows, slot] = annual["voluntary_min"].to_numpy(dtype=float)
    final = ~(months == end).any(axis=1)
    months[final, -1] = end
    levels["total"][final, -1] = units["target"].to_numpy(dtype=float)[final]
    levels["voluntary"][final, -1] = units["voluntary_min"].to_numpy(dtype=float)[final]
    base = units["base_month"].to_numpy(dtype=float)
    valid = ~np.isnan(base) & ~np.isnan(units["target"].to_numpy(dtype=float))
    later = (months > base[:, None]) & np.isfinite(months)  # False where there is no baseline
    started = later.any(axis=1)
    # Without a later point the path is its final target alone; otherwise the baseline, then the later points.
    keep = np.where(started[:, None], later, months == end)
    months = np.hstack([np.where(started, base, np.inf)[:, None], np.where(keep, months, np.inf)])
    order = np.argsort(months, axis=1, kind="stable")
    months = np.take_along_axis(months, order, axis=1)
    out = {}
    for measure, first in (("total", "base_total"), ("voluntary", "base_voluntary")):
        stacked = np.hstack([units[first].to_numpy(dtype=float)[:, None], levels[measure]])
        out[measure] = np.take_along_axis(stacked, order, axis=1)
    count = np.where(valid, np.isfinite(months).sum(axis=1), 0)
    return Paths(months, out, count)


def levels_at(path: Paths, periods: list[str]) -> dict[str, np.ndarray]:
    """measure -> units × periods: the expected level of each unit at each period (NaN without a path)."""
    when = np.array([month_index(p) for p in periods], dtype=float)[None, :]
    before = (path.months[:, None, :] < when[:, :, None]).sum(axis=2)  # points strictly before each period
    last = np.maximum(path.count - 1, 0)[:, None]
    low, high = np.minimum(np.maximum(before - 1, 0), last), np.minimum(before, last)
    t0, t1 = np.take_along_axis(path.months, low, axis=1), np.take_along_axis(path.months, high, axis=1)
    out = {}
    for measure, points in path.levels.items():
        v0, v1 = np.take_along_axis(points, low, axis=1), np.take_along_axis(points, high, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            moving = v0 + (v1 - v0) * ((when - t0) / (t1 - t0))
        out[measure] = np.where(path.count[:, None] == 0, np.nan, np.where(low == high, v0, moving))
    return out


def level_sums(path: Paths, periods: list[str]) -> dict[str, np.ndarray]:
    """measure -> per period, the sum over units of their expected levels (``levels_at``, without a path: 0).

    Summed segment by segment, not unit by unit: between the same two months, a sum of straight
    lines is a straight line whose slope is the sum of their slopes.
    """
    when = np.array([month_index(p) for p in periods], dtype=float)
    inner = np.arange(1, path.months.shape[1])[None, :] < path.count[:, None]  # segment j ends at point j
    m0, m1 = path.months[:, :-1][inner], path.months[:, 1:][inner]
    pairs, group = np.unique(np.stack([m0, m1]), axis=1, return_inverse=True)
    out = {}
    for measure, points in path.levels.items():
        start = points[path.count > 0, 0].sum()
        slope = np.bincount(group, weights=np.diff(points, axis=1)[inner] / (m1 - m0), minlength=pairs.shape[1])
        out[measure] = start + (slope[:, None] * (np.clip(when, pairs[0][:, None], pairs[1][:, None])
                                                  - pairs[0][:, None])).sum(axis=0)
    return out


def sql_filter(codes: list[str] | None, column: str = "code") -> tuple[str, dict]:
    """A filter on the scope's codes (none: every unit), as SQL and its parameters."""
    if codes is None:
        return "true", {}
    return f"{column} IN (SELECT unnest($codes::VARCHAR[]))", {"codes": list(codes)}


TARGETS = """(SELECT code, sum(total_target)::DOUBLE AS target, sum(voluntary_min)::DOUBLE AS voluntary_min
               FROM targets GROUP BY code)"""
# Each commune's figures of the baseline month, or of the first month reported after it (among rows of {scope}).
BASELINES = """
    SELECT *, substr(base_period, 1, 4)::INTEGER * 12 + substr(base_period, 6, 2)::INTEGER - 1 AS base_month
    FROM (SELECT code, min(period) AS base_period, arg_min(total, period) AS base_total,
                 arg_min(voluntary, period) AS base_voluntary
          FROM monthly_in_force WHERE period >= $baseline AND {scope}
          GROUP BY code)"""


def annual_in_force(con: Connection) -> pd.DataFrame:
    """Official annual targets in force: year, code, total_target, voluntary_min."""
    return db.frame(con, "SELECT year, code, total_target, voluntary_min FROM annual_in_force")


def scope_units(con: Connection, settings: Settings, codes: list[str] | None, scope: str,
                params: dict) -> pd.DataFrame:
    """The scope's units with their targets and their baselines among the monthly rows ``scope`` keeps."""
    return db.frame(con, f"""
        SELECT c.code, t.target, t.voluntary_min, b.* EXCLUDE (code)
        FROM communes c LEFT JOIN {TARGETS} t USING (code) LEFT JOIN ({BASELINES.format(scope=scope)}) b USING (code)
        WHERE {sql_filter(codes, "c.code")[0]}""", {**params, "baseline": settings.baseline_month},
                    nullable_integers=False)


@cache.shared(max_entries=16)
def expected_sums(con: Connection, settings: Settings, months: list[str],
                  codes: list[str] | None = None) -> dict[str, np.ndarray]:
    """measure -> per month of ``months`` (reported or not), the scope's expected level: ``standing.province_series``'s
    expected and voluntary_expected, for any month."""
    scope, params = sql_filter(codes)
    units = scope_units(con, settings, codes, scope, params)
    return level_sums(paths(units, annual_in_force(con), settings), months)
