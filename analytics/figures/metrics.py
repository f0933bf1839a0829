"""Monitoring metrics for any month, per commune and for the province as their sum.

Counts are stocks at month end: a quarter's or a year's value is its last
month's, and growth is a difference of stocks. The expected level follows a
straight path from each commune's baseline to its target in December of the
target year; where official annual targets are in force, it passes through each
of them in December of its year instead (see ``paths`` and ``trajectory_source``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.figures import labour
from analytics.figures.periods import add_months, month_index, months_between
from analytics.settings import Settings
from analytics.storage import cache, db, store
from analytics.storage.db import Connection
from analytics.text import fmt

# Codes of a commune's status (analytics.text.labels.STATUS words them), worst first.
STATUS_VERY_LATE, STATUS_LATE, STATUS_ON_TRACK, STATUS_NO_DATA = "very_late", "late", "on_track", "no_data"
STATUS_ORDER = [STATUS_VERY_LATE, STATUS_LATE, STATUS_ON_TRACK, STATUS_NO_DATA]
LAGGING = (STATUS_VERY_LATE, STATUS_LATE)
# The measures a commune can lag on, and the reason code for each set of them (None: lags on nothing).
MEASURES = ("total", "voluntary")
REASONS = {("total",): "total", ("voluntary",): "voluntary", ("total", "voluntary"): "total_and_voluntary"}
REASON_MEASURES = {code: set(measures) for measures, code in REASONS.items()}


def target_period(settings: Settings) -> str:
    return f"{settings.target_year}-12"


@cache.shared(max_entries=1)
def periods(con: Connection) -> list[str]:
    return [r[0] for r in db.rows(con, "SELECT DISTINCT period FROM monthly_in_force ORDER BY period")]


@cache.shared(max_entries=1)
def latest_period(con: Connection) -> str | None:
    return db.value(con, "SELECT max(period) FROM monthly_in_force")


def annual_in_force(con: Connection) -> pd.DataFrame:
    """Official annual targets in force: year, code, total_target, voluntary_min."""
    return db.frame(con, "SELECT year, code, total_target, voluntary_min FROM annual_in_force")


def linear_expected(base: float, base_period: str, target: float, end_period: str, period: str) -> float:
    """The level a straight path from (base_period, base) to (end_period, target) reaches at ``period``."""
    span = months_between(base_period, end_period)
    if span <= 0:
        return float(target)
    share = min(max(months_between(base_period, period) / span, 0.0), 1.0)
    return base + (target - base) * share


def among(codes: pd.Series, wanted) -> np.ndarray:
    """``codes.isin(wanted)``: pandas converts each wanted value to an Arrow scalar, slow for thousands."""
    wanted = set(wanted)
    return np.fromiter((c in wanted for c in codes.tolist()), bool, len(codes))


def _scope(codes: list[str] | None, column: str = "code") -> tuple[str, dict]:
    """A filter on the scope's codes (none: every unit), as SQL and its parameters."""
    if codes is None:
        return "true", {}
    return f"{column} IN (SELECT unnest($codes::VARCHAR[]))", {"codes": list(codes)}


_TARGETS = """(SELECT code, sum(total_target)::DOUBLE AS target, sum(voluntary_min)::DOUBLE AS voluntary_min
               FROM targets GROUP BY code)"""
_UNITS = f"""
    SELECT c.code, c.name, g.former_district, g.former_province, t.target, t.voluntary_min
    FROM communes c
    LEFT JOIN commune_groups g USING (code)
    LEFT JOIN {_TARGETS} t USING (code)"""

# Each commune's figures of the baseline month, or of the first month reported after it (among rows of {scope}).
_BASELINES = """
    SELECT *, substr(base_period, 1, 4)::INTEGER * 12 + substr(base_period, 6, 2)::INTEGER - 1 AS base_month
    FROM (SELECT code, min(period) AS base_period, arg_min(total, period) AS base_total,
                 arg_min(voluntary, period) AS base_voluntary
          FROM monthly_in_force WHERE period >= $baseline AND {scope}
          GROUP BY code)"""


@cache.shared(max_entries=1)
def communes(con: Connection) -> pd.DataFrame:
    """Every unit with its 2030 targets and former district/province."""
    return db.frame(con, f"{_UNITS} ORDER BY c.code")


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


@cache.shared(max_entries=1)
def trajectory_source(con: Connection) -> str:
    """Which path the expected levels follow, in words, so every page can say what "on track" means."""
    final_year = db.value(con, "SELECT target_year FROM plan")
    straight = f"lộ trình thẳng từ tháng gốc đến chỉ tiêu {final_year}"
    annual = store.annual(con)
    if annual.empty:
        return straight
    years = sorted(int(y) for y in annual["year"].unique())
    official = f"chỉ tiêu năm chính thức ({', '.join(str(y) for y in years)})"
    if final_year not in years:
        official += f" và chỉ tiêu {final_year}"
    with_target = set(communes(con).dropna(subset=["target"])["code"])
    covered = with_target & set(annual["code"])
    if covered == with_target:
        return official
    return (f"{official} cho {fmt.number(len(covered))}/{fmt.number(len(with_target))} xã, phường; "
            f"các xã, phường khác: {straight}")


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b where b is above zero, else NaN (arrays of floats)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / b, np.nan)


def _statuses(progress: np.ndarray, settings: Settings) -> np.ndarray:
    """The status of each progress ratio against the plan's thresholds; no ratio, no data."""
    percent = progress * 100
    return np.select(
        [np.isnan(percent), percent >= settings.thresholds["on_track_pct"],
         percent >= settings.thresholds["very_late_pct"]],
        [STATUS_NO_DATA, STATUS_ON_TRACK, STATUS_LATE], STATUS_VERY_LATE).astype(object)


def _worst(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per row the worse of two statuses, or no data when either has none (it comes last in STATUS_ORDER)."""
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    ra, rb = (np.array([rank[x] for x in s]) for s in (a, b))
    return np.where((ra == rank[STATUS_NO_DATA]) | (ra > rb), b, a)


def _reasons(total_status: np.ndarray, vol_status: np.ndarray) -> np.ndarray:
    """Per row, the reason code for the measures that lag (``REASONS``), None when neither does."""
    lags = [np.isin(s, LAGGING) for s in (total_status, vol_status)]
    return np.select([lags[0] & lags[1], lags[0], lags[1]],
                     [REASONS[MEASURES], REASONS[MEASURES[:1]], REASONS[MEASURES[1:]]], None).astype(object)


@cache.shared(max_entries=24)
def commune_table(con: Connection, settings: Settings, period: str) -> pd.DataFrame:
    """One row per unit: its figures at ``period``, attainment, trajectory, status and growth, and its coverage of
    the labour force (``labour.communes_for`` the period's year: ``labour_force``, ``labour_year``, …)."""
    before = {months: add_months(period, -months) for months in (1, 3, 12)}
    frame = db.frame(con, f"""
        WITH base AS ({_BASELINES.format(scope="true")}),
        around AS (
            SELECT code, {", ".join(f"any_value({c}) FILTER (period = $period) AS {c}"
                                    for c in ("total", "compulsory", "voluntary"))},
                   {", ".join(f"any_value(total) FILTER (period = $p{m}) AS total_{m}" for m in before)}
            FROM monthly_in_force WHERE period IN ($period, {", ".join(f"$p{m}" for m in before)})
            GROUP BY code)
        SELECT u.*, a.* EXCLUDE (code), b.* EXCLUDE (code)
        FROM ({_UNITS}) u LEFT JOIN around a USING (code) LEFT JOIN base b USING (code)
        ORDER BY u.code""", {"baseline": settings.baseline_month, "period": period,
                             **{f"p{m}": p for m, p in before.items()}}, nullable_integers=False)
    frame = frame.merge(labour.communes_for(con, int(period[:4])), on="code", how="left")
    levels = levels_at(paths(frame, annual_in_force(con), settings), [period])
    # Worked out on arrays and added at once: a frame grown column by column copies its blocks each time.
    column = {c: frame[c].to_numpy(dtype=float) for c in ("total", "voluntary", "target", "voluntary_min",
                                                           "labour_force")}
    total, voluntary = column["total"], column["voluntary"]
    expected, voluntary_expected = levels["total"][:, 0], levels["voluntary"][:, 0]
    progress, voluntary_progress = _ratio(total, expected), _ratio(voluntary, voluntary_expected)
    total_status, vol_status = _statuses(progress, settings), _statuses(voluntary_progress, settings)
    added = {
        "expected": expected, "voluntary_expected": voluntary_expected,
        "attainment": _ratio(total, column["target"]),
        "voluntary_attainment": _ratio(voluntary, column["voluntary_min"]),
        "voluntary_share": _ratio(voluntary, total), "labour_coverage": _ratio(total, column["labour_force"]),
        "voluntary_coverage": _ratio(voluntary, column["labour_force"]),
        "gap_to_trajectory": total - expected, "progress": progress, "voluntary_progress": voluntary_progress,
        "status": _worst(total_status, vol_status), "reason": _reasons(total_status, vol_status),
        **{f"net_{months}m": (frame["total"] - frame[f"total_{months}"]).to_numpy() for months in before},
    }
    kept = frame.drop(columns=["base_month", *(f"total_{months}" for months in before)])
    return pd.concat([kept, pd.DataFrame(added, index=kept.index)], axis=1)


def lags_on(table: pd.DataFrame, measures) -> pd.Series:
    """Per row: whether the commune lags on one of ``measures`` ("total", "voluntary")."""
    wanted = set(measures)
    return table["reason"].map(lambda r: bool(REASON_MEASURES.get(r, set()) & wanted))


@cache.shared(max_entries=64)
def province_series(con: Connection, settings: Settings, codes: list[str] | None = None,
                    until: str | None = None) -> pd.DataFrame:
    """Per month up to ``until`` (or the latest): the sum over communes (all, or ``codes``), how many
    reported, and the expected level.

    The expected level is the sum of the communes' own expected levels (those of commune_table) over
    the communes in scope that have a path, so the province follows official annual targets exactly
    as far as its communes do.
    """
    scope, params = _scope(codes)
    if until is not None:  # no filter at all otherwise: a condition on every row costs even when always true
        scope, params = f"{scope} AND period <= $until", {**params, "until": until}
    sums = db.frame(con, f"""
        SELECT period, sum(total)::BIGINT AS total, coalesce(sum(compulsory), 0)::BIGINT AS compulsory,
               sum(voluntary)::BIGINT AS voluntary, count(*) AS reporting
        FROM monthly_in_force WHERE {scope}
        GROUP BY period ORDER BY period""", params)
    if sums.empty:
        return pd.DataFrame(columns=["period", "total", "compulsory", "voluntary", "reporting", "units",
                                     "expected", "voluntary_expected", "target", "voluntary_min"])
    units = _scope_units(con, settings, codes, scope, params)
    sums["units"] = len(units)
    sums["target"], sums["voluntary_min"] = float(units["target"].sum()), float(units["voluntary_min"].sum())
    levels = level_sums(paths(units, annual_in_force(con), settings), sums["period"].tolist())
    sums["expected"], sums["voluntary_expected"] = levels["total"], levels["voluntary"]
    return sums


def _scope_units(con: Connection, settings: Settings, codes: list[str] | None, scope: str,
                 params: dict) -> pd.DataFrame:
    """The scope's units with their targets and their baselines among the monthly rows ``scope`` keeps."""
    return db.frame(con, f"""
        SELECT c.code, t.target, t.voluntary_min, b.* EXCLUDE (code)
        FROM communes c LEFT JOIN {_TARGETS} t USING (code) LEFT JOIN ({_BASELINES.format(scope=scope)}) b USING (code)
        WHERE {_scope(codes, "c.code")[0]}""", {**params, "baseline": settings.baseline_month},
                    nullable_integers=False)



@cache.shared(max_entries=16)
def expected_sums(con: Connection, settings: Settings, months: list[str],
                  codes: list[str] | None = None) -> dict[str, np.ndarray]:
    """measure -> per month of ``months`` (reported or not), the scope's expected level: the sum of its communes'
    (``province_series``'s expected and voluntary_expected, for any month)."""
    scope, params = _scope(codes)
    units = _scope_units(con, settings, codes, scope, params)
    return level_sums(paths(units, annual_in_force(con), settings), months)


def net_increase(series: pd.Series, freq: str) -> pd.Series:
    """Growth of a stock per month ('M'), quarter ('Q') or year ('Y'): end value minus previous end value.

    ``series`` is indexed by 'YYYY-MM'. A quarter's or year's value is its last month's.
    """
    ordered = series.sort_index()
    if freq == "M":
        ends = ordered
        labels = ordered.index
        index = [month_index(p) for p in labels]
        previous = pd.Series(ordered.values, index=index)
        diffs = [ordered.iloc[i] - previous.get(index[i] - 1, np.nan) for i in range(len(index))]
        return pd.Series(diffs, index=labels, dtype=float)
    key = (lambda p: f"{p[:4]}-Q{(int(p[5:]) - 1) // 3 + 1}") if freq == "Q" else (lambda p: p[:4])
    ends = ordered.groupby(ordered.index.map(key)).last()
    return ends.diff()


def monthly_growth(values: pd.DataFrame, column: str = "total") -> pd.Series:
    """Net increase per month summed over communes reporting both that month and the one before.

    A commune missing a month is left out of that month's growth rather than counted as a fall.
    """
    if values.empty:
        return pd.Series(dtype=float)
    frame = values[["period", "code", column]].copy()
    frame["previous_period"] = frame["period"].map(lambda p: add_months(p, -1))
    pairs = frame.merge(frame[["period", "code", column]], left_on=["previous_period", "code"],
                        right_on=["period", "code"], suffixes=("", "_before"))
    return (pairs[column] - pairs[f"{column}_before"]).groupby(pairs["period"]).sum().astype(float)


@cache.shared(max_entries=64)
def summary(con: Connection, settings: Settings, period: str, codes: list[str] | None = None) -> dict:
    """The overview cards for ``period``: sums over the scope's communes and how many are on track."""
    table = commune_table(con, settings, period)
    return summarise(con, table if codes is None else table[table["code"].isin(codes)], period)


def summarise(con: Connection, table: pd.DataFrame, period: str) -> dict:
    """The overview cards of a commune table (all communes or a scope's) at ``period``, a month or a span."""
    total, voluntary = float(table["total"].sum()), float(table["voluntary"].sum())
    target, vmin = float(table["target"].sum()), float(table["voluntary_min"].sum())
    stated = db.value(con, "SELECT participants FROM plan")
    return {
        "period": period, "total": total, "voluntary": voluntary, "target": target, "voluntary_min": vmin,
        "attainment": total / target if target else float("nan"),
        "voluntary_attainment": voluntary / vmin if vmin else float("nan"),
        "net_1m": float(table["net_1m"].sum()) if table["net_1m"].notna().any() else float("nan"),
        "units": len(table), "reporting": int(table["total"].notna().sum()),
        "on_track": int((table["status"] == STATUS_ON_TRACK).sum()),
        "stated_target": float(stated),
    }


@cache.shared(max_entries=32)
def campaign_effect(con: Connection, settings: Settings, codes: list[str] | None = None) -> pd.DataFrame:
    """Per year: voluntary net increase in the campaign month against the mean of the year's other months."""
    values = store.monthly(con)
    if codes is not None:
        values = values[values["code"].isin(codes)]
    growth = monthly_growth(values, "voluntary")
    rows = []
    for year in sorted({p[:4] for p in growth.index}):
        in_year = growth[[p.startswith(year) for p in growth.index]]
        key = f"{year}-{settings.campaign_month:02d}"
        others = in_year.drop(key, errors="ignore")
        if key in in_year.index and len(others):
            other = float(others.mean())
            rows.append({"year": int(year), "campaign_increase": float(in_year[key]), "other_increase": other,
                         "ratio": float(in_year[key]) / other if other else float("nan")})
    return pd.DataFrame(rows, columns=["year", "campaign_increase", "other_increase", "ratio"])


def lagging(table: pd.DataFrame, statuses: list[str], measures: list[str]) -> pd.DataFrame:
    """Communes with one of ``statuses`` lagging on one of ``measures``, slowest first, ranked from 1."""
    keep = table["status"].isin(statuses) & ((table["status"] == STATUS_ON_TRACK) | lags_on(table, measures))
    out = table[keep]
    out = out.assign(worst=out[["progress", "voluntary_progress"]].min(axis=1))
    out = out.sort_values(["worst", "name"]).drop(columns="worst").reset_index(drop=True)
    return out.assign(rank=range(1, len(out) + 1))


@cache.shared(max_entries=4)
def public_results(con: Connection, settings: Settings, period: str) -> pd.DataFrame:
    """What may be published: each commune's aggregates and rank by attainment of the 2030 target."""
    table = commune_table(con, settings, period)
    out = table[table["total"].notna()][["name", "total", "target", "attainment", "voluntary", "voluntary_min"]]
    out = out.sort_values(["attainment", "name"], ascending=[False, True], na_position="last")
    return out.assign(rank=range(1, len(out) + 1))[["rank", "name", "total", "target", "attainment", "voluntary",
                                                   "voluntary_min"]].reset_index(drop=True)
