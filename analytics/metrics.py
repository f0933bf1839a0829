"""Monitoring metrics for any month, per commune and for the province as their sum.

Counts are stocks at month end: a quarter's or a year's value is its last
month's, and growth is a difference of stocks. The expected level follows a
straight path from each commune's baseline to its target in December of the
target year; where official annual targets are in force, it passes through each
of them in December of its year instead (see ``paths`` and ``trajectory_source``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics import db, fmt, store
from analytics.periods import add_months, month_index, months_between
from analytics.settings import Settings

# Codes of a commune's status (analytics.labels.STATUS words them), worst first.
STATUS_VERY_LATE, STATUS_LATE, STATUS_ON_TRACK, STATUS_NO_DATA = "very_late", "late", "on_track", "no_data"
STATUS_ORDER = [STATUS_VERY_LATE, STATUS_LATE, STATUS_ON_TRACK, STATUS_NO_DATA]
LAGGING = (STATUS_VERY_LATE, STATUS_LATE)
# The measures a commune can lag on, and the reason code for each set of them (None: lags on nothing).
MEASURES = ("total", "voluntary")
REASONS = {("total",): "total", ("voluntary",): "voluntary", ("total", "voluntary"): "total_and_voluntary"}
REASON_MEASURES = {code: set(measures) for measures, code in REASONS.items()}


def target_period(settings: Settings) -> str:
    return f"{settings.target_year}-12"


def periods(con) -> list[str]:
    return sorted(store.monthly(con)["period"].unique().tolist())


def latest_period(con) -> str | None:
    found = periods(con)
    return found[-1] if found else None


def communes(con) -> pd.DataFrame:
    """Every unit with its 2030 targets and former district/province."""
    return db.query(
        con, """SELECT c.code, c.name, g.former_district, g.former_province,
                       t.total_target AS target, t.voluntary_min
                FROM communes c
                LEFT JOIN commune_groups g USING (code)
                LEFT JOIN (SELECT code, sum(total_target) AS total_target, sum(voluntary_min) AS voluntary_min
                           FROM targets GROUP BY code) t USING (code)
                ORDER BY c.code""")


def linear_expected(base: float, base_period: str, target: float, end_period: str, period: str) -> float:
    """The level a straight path from (base_period, base) to (end_period, target) reaches at ``period``."""
    span = months_between(base_period, end_period)
    if span <= 0:
        return float(target)
    share = min(max(months_between(base_period, period) / span, 0.0), 1.0)
    return base + (target - base) * share


def path_expected(points: list[tuple[str, float]], period: str) -> float:
    """The level at ``period`` on the broken line through ``points`` (period, level), flat outside them."""
    for (p0, v0), (p1, v1) in zip(points, points[1:]):
        if period <= p1:
            return linear_expected(v0, p0, v1, p1, period)
    return float(points[-1][1])


def paths(frame: pd.DataFrame, annual: pd.DataFrame, settings: Settings) -> dict[str, dict[str, list]]:
    """code -> {"total": points, "voluntary": points}: the path each commune's expected level follows.

    ``frame`` holds code, base_period, base_total, base_voluntary, target, voluntary_min; a commune
    without a baseline or a 2030 target has no path. The points are the baseline, December of each
    year with an official target in ``annual`` (year, code, total_target, voluntary_min) and December
    of the target year (the appendix target, unless an official target for that year replaces it).
    """
    end = target_period(settings)
    official = dict(list(annual.groupby("code")))
    out = {}
    for r in frame.itertuples():
        if pd.isna(r.base_period) or pd.isna(r.target):
            continue
        years = official.get(r.code, annual.iloc[0:0])
        out[r.code] = {}
        for measure, base, final, column in (("total", r.base_total, r.target, "total_target"),
                                             ("voluntary", r.base_voluntary, r.voluntary_min, "voluntary_min")):
            knots = {f"{y}-12": float(v) for y, v in zip(years["year"], years[column])}
            knots.setdefault(end, float(final))
            later = sorted((p, v) for p, v in knots.items() if p > r.base_period)
            out[r.code][measure] = [(r.base_period, float(base)), *later] if later else [(end, knots[end])]
    return out


def trajectory_source(con) -> str:
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


def baselines(values: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """code, base_period, base_total, base_voluntary: the baseline month, or the first reported after it."""
    eligible = values[values["period"] >= settings.baseline_month].sort_values("period")
    first = eligible.drop_duplicates("code")
    return first.rename(columns={"period": "base_period", "total": "base_total",
                                 "voluntary": "base_voluntary"})[["code", "base_period", "base_total",
                                                                  "base_voluntary"]]


def _status(progress: float, settings: Settings) -> str:
    if progress is None or np.isnan(progress):
        return STATUS_NO_DATA
    if progress * 100 >= settings.thresholds["on_track_pct"]:
        return STATUS_ON_TRACK
    if progress * 100 >= settings.thresholds["very_late_pct"]:
        return STATUS_LATE
    return STATUS_VERY_LATE


def _worst(a: str, b: str) -> str:
    return min((a, b), key=STATUS_ORDER.index)


def _ratio(a, b):
    return np.where((b > 0) & pd.notna(b), a / b.where(b > 0), np.nan)


def commune_table(con, settings: Settings, period: str, values: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per unit: its figures at ``period``, attainment, trajectory, status and growth."""
    values = store.monthly(con) if values is None else values
    units = communes(con)
    now = values[values["period"] == period][["code", "total", "compulsory", "voluntary", "labour_force"]]
    frame = units.merge(now, on="code", how="left").merge(baselines(values, settings), on="code", how="left")
    routes = paths(frame, store.annual(con), settings)
    for column, measure in (("expected", "total"), ("voluntary_expected", "voluntary")):
        frame[column] = [path_expected(routes[code][measure], period) if code in routes else np.nan
                         for code in frame["code"]]
    frame["attainment"] = _ratio(frame["total"], frame["target"])
    frame["voluntary_attainment"] = _ratio(frame["voluntary"], frame["voluntary_min"])
    frame["voluntary_share"] = _ratio(frame["voluntary"], frame["total"])
    frame["labour_coverage"] = _ratio(frame["total"], frame["labour_force"])
    frame["gap_to_trajectory"] = frame["total"] - frame["expected"]
    frame["progress"] = _ratio(frame["total"], frame["expected"])
    frame["voluntary_progress"] = _ratio(frame["voluntary"], frame["voluntary_expected"])
    total_status = [_status(p, settings) for p in frame["progress"]]
    vol_status = [_status(p, settings) for p in frame["voluntary_progress"]]
    frame["status"] = [_worst(a, b) if STATUS_NO_DATA not in (a, b) else STATUS_NO_DATA
                       for a, b in zip(total_status, vol_status)]
    frame["reason"] = [_reason(a, b) for a, b in zip(total_status, vol_status)]
    for months, column in ((1, "net_1m"), (3, "net_3m"), (12, "net_12m")):
        before = values[values["period"] == add_months(period, -months)][["code", "total"]]
        merged = frame[["code", "total"]].merge(before, on="code", how="left", suffixes=("", "_before"))
        frame[column] = (merged["total"] - merged["total_before"]).to_numpy()
    return frame


def _reason(total_status: str, vol_status: str) -> str | None:
    """The reason code for the measures that lag, None when neither does."""
    lagging = tuple(m for m, s in zip(MEASURES, (total_status, vol_status)) if s in LAGGING)
    return REASONS.get(lagging)


def lags_on(table: pd.DataFrame, measures) -> pd.Series:
    """Per row: whether the commune lags on one of ``measures`` ("total", "voluntary")."""
    wanted = set(measures)
    return table["reason"].map(lambda r: bool(REASON_MEASURES.get(r, set()) & wanted))


def province_series(con, settings: Settings, codes: list[str] | None = None,
                    values: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per month: the sum over communes (all, or ``codes``), how many reported, and the expected level.

    The expected level is the sum of the communes' own expected levels (those of commune_table) over
    the communes in scope that have a path, so the province follows official annual targets exactly
    as far as its communes do.
    """
    values = store.monthly(con) if values is None else values
    units = communes(con)
    if codes is not None:
        values, units = values[values["code"].isin(codes)], units[units["code"].isin(codes)]
    if values.empty:
        return pd.DataFrame(columns=["period", "total", "compulsory", "voluntary", "reporting", "units",
                                     "expected", "voluntary_expected", "target", "voluntary_min"])
    sums = values.groupby("period").agg(total=("total", "sum"), compulsory=("compulsory", "sum"),
                                        voluntary=("voluntary", "sum"), reporting=("code", "nunique"))
    sums = sums.reset_index()
    routes = paths(units.merge(baselines(values, settings), on="code"), store.annual(con), settings)
    sums["units"] = len(units)
    sums["target"], sums["voluntary_min"] = float(units["target"].sum()), float(units["voluntary_min"].sum())
    for column, measure in (("expected", "total"), ("voluntary_expected", "voluntary")):
        sums[column] = [sum(path_expected(route[measure], p) for route in routes.values()) for p in sums["period"]]
    return sums


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


def summary(con, settings: Settings, period: str, codes: list[str] | None = None) -> dict:
    """The overview cards for ``period``: sums over the scope's communes and how many are on track."""
    table = commune_table(con, settings, period)
    return summarise(con, table if codes is None else table[table["code"].isin(codes)], period)


def summarise(con, table: pd.DataFrame, period: str) -> dict:
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


def campaign_effect(con, settings: Settings, codes: list[str] | None = None) -> pd.DataFrame:
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


def public_results(con, settings: Settings, period: str) -> pd.DataFrame:
    """What may be published: each commune's aggregates and rank by attainment of the 2030 target."""
    table = commune_table(con, settings, period)
    out = table[table["total"].notna()][["name", "total", "target", "attainment", "voluntary", "voluntary_min"]]
    out = out.sort_values(["attainment", "name"], ascending=[False, True], na_position="last")
    return out.assign(rank=range(1, len(out) + 1))[["rank", "name", "total", "target", "attainment", "voluntary",
                                                   "voluntary_min"]].reset_index(drop=True)
