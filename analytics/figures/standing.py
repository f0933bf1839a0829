"""Where the communes and the province stand, for any span: a month, a quarter ("YYYY-Qn") or a year.

Counts are month-end stocks, so a span's value is never a sum of its months: each commune's is that of
its last reported month within the span, the province's the sum of its communes'. The net increase of a
span is, per commune, its value less the previous span's, summed over the communes that have both: a
commune that missed a report is left out rather than counted as a fall. A month is a span of one month.
The expected level follows ``trajectory``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.figures import spans
from analytics.figures.spans import add_months
from analytics.figures.trajectory import (
    BASELINES,
    TARGETS,
    annual_in_force,
    level_sums,
    levels_at,
    paths,
    scope_units,
    sql_filter,
)
from analytics.settings import Settings
from analytics.storage import cache, db, reads
from analytics.storage.db import Connection
from analytics.text import fmt
from analytics.units import scopes

# Codes of a commune's status (analytics.text.labels.STATUS words them), worst first.
STATUS_VERY_LATE, STATUS_LATE, STATUS_ON_TRACK, STATUS_NO_DATA = "very_late", "late", "on_track", "no_data"
STATUS_ORDER = [STATUS_VERY_LATE, STATUS_LATE, STATUS_ON_TRACK, STATUS_NO_DATA]
LAGGING = (STATUS_VERY_LATE, STATUS_LATE)
# The measures a commune can lag on, and the reason code for each set of them (None: lags on nothing).
MEASURES = ("total", "voluntary")
_NONE = np.array(None, dtype=object)  # None as numpy's functions take it: what they make of None themselves
REASONS = {("total",): "total", ("voluntary",): "voluntary", ("total", "voluntary"): "total_and_voluntary"}
REASON_MEASURES = {code: set(measures) for measures, code in REASONS.items()}
VALUES = ["total", "compulsory", "voluntary", "labour_force"]
# What a span's series says besides its sums: the plan's side, taken at the span's last month with figures.
PLANNED = ["period", "units", "expected", "voluntary_expected", "target", "voluntary_min"]


@cache.shared(max_entries=1)
def reported_periods(con: Connection) -> list[str]:
    """The months with figures in force, oldest first."""
    return [r[0] for r in db.rows(con, "SELECT DISTINCT period FROM monthly_in_force ORDER BY period")]


def span_state(con: Connection, span: str) -> dict:
    """The months of ``span`` that have figures, the last of them, and whether the span is complete."""
    reported = [p for p in reported_periods(con) if p in set(spans.months(span))]
    return {"span": span, "reported": reported, "last": reported[-1] if reported else None,
            "complete": spans.is_complete(span, reported)}


_UNITS = f"""
    SELECT c.code, c.name, g.former_district, g.former_province, t.target, t.voluntary_min
    FROM communes c
    LEFT JOIN commune_groups g USING (code)
    LEFT JOIN {TARGETS} t USING (code)"""



@cache.shared(max_entries=1)
def commune_units(con: Connection) -> pd.DataFrame:
    """Every unit with its 2030 targets and former district/province."""
    return db.frame(con, f"{_UNITS} ORDER BY c.code")


@cache.shared(max_entries=1)
def trajectory_source(con: Connection) -> str:
    """Which path the expected levels follow, in words, so every page can say what "on track" means."""
    final_year = db.value(con, "SELECT target_year FROM plan")
    straight = f"lộ trình thẳng từ tháng gốc đến chỉ tiêu {final_year}"
    annual = reads.annual(con)
    if annual.empty:
        return straight
    years = sorted(int(y) for y in annual["year"].unique())
    official = f"chỉ tiêu năm chính thức ({', '.join(str(y) for y in years)})"
    if final_year not in years:
        official += f" và chỉ tiêu {final_year}"
    with_target = set(commune_units(con).dropna(subset=["target"])["code"])
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
                     [REASONS[MEASURES], REASONS[MEASURES[:1]], REASONS[MEASURES[1:]]], _NONE).astype(object)


def _month_rows(con: Connection, settings: Settings, period: str) -> pd.DataFrame:
    """One row per unit: its figures at the month ``period``, attainment, trajectory, status and growth, and its
    coverage of the labour force (``reads.labour_for`` the period's year: ``labour_force``, ``labour_year``, …)."""
    before = {months: add_months(period, -months) for months in (1, 3, 12)}
    frame = db.frame(con, f"""
        WITH base AS ({BASELINES.format(scope="true")}),
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
    frame = frame.merge(reads.labour_for(con, int(period[:4])), on="code", how="left")
    levels = levels_at(paths(frame, annual_in_force(con), settings), [period])
    # Worked out on arrays and added at once: a frame grown column by column copies its blocks each time.
    column = {c: frame[c].to_numpy(dtype=float) for c in ("total", "voluntary", "target", "voluntary_min",
                                                           "labour_force")}
    total, voluntary = column["total"], column["voluntary"]
    expected, voluntary_expected = levels["total"][:, 0], levels["voluntary"][:, 0]
    progress, voluntary_progress = _ratio(total, expected), _ratio(voluntary, voluntary_expected)
    total_status, vol_status = _statuses(progress, settings), _statuses(voluntary_progress, settings)
    net = {f"net_{months}m": (frame["total"] - frame[f"total_{months}"]).to_numpy() for months in before}
    added = {
        "expected": expected, "voluntary_expected": voluntary_expected,
        "attainment": _ratio(total, column["target"]),
        "voluntary_attainment": _ratio(voluntary, column["voluntary_min"]),
        "voluntary_share": _ratio(voluntary, total), "labour_coverage": _ratio(total, column["labour_force"]),
        "voluntary_coverage": _ratio(voluntary, column["labour_force"]),
        "gap_to_trajectory": total - expected, "progress": progress, "voluntary_progress": voluntary_progress,
        "status": _worst(total_status, vol_status), "reason": _reasons(total_status, vol_status), **net,
        # A month is its own span: its figures are of that month, its net increase over the month before.
        "as_of": np.where(np.isnan(total), _NONE, period).astype(object), "net_period": net["net_1m"],
    }
    kept = frame.drop(columns=["base_month", *(f"total_{months}" for months in before)])
    return pd.concat([kept, pd.DataFrame(added, index=kept.index)], axis=1)


def span_values(values: pd.DataFrame, granularity: str) -> pd.DataFrame:
    """key, code, as_of, the counts and net: each commune's last reported month within each span of ``values``
    (reads.monthly rows).

    ``net`` is the commune's total less its total of the span before; NaN when it has none there.
    """
    if values.empty:
        return pd.DataFrame(columns=["key", "code", "as_of", *VALUES, "net"])
    frame = values.sort_values("period").assign(key=lambda f: f["period"].map(lambda p: spans.key(p, granularity)))
    last = frame.drop_duplicates(["key", "code"], keep="last").rename(columns={"period": "as_of"})
    last = last[["key", "code", "as_of", *VALUES]].reset_index(drop=True)
    before = last[["key", "code", "total"]].rename(columns={"key": "previous", "total": "total_before"})
    merged = last.assign(previous=last["key"].map(spans.previous)).merge(before, on=["previous", "code"], how="left")
    return last.assign(net=(merged["total"] - merged["total_before"]).to_numpy(dtype=float))


@cache.shared(max_entries=32)
def commune_table(con: Connection, settings: Settings, span: str) -> pd.DataFrame:
    """One row per unit at ``span``: its figures, attainment, trajectory, status and growth (``_month_rows``) as
    of its last reported month within the span, that month (``as_of``) and its net increase over the span
    before (``net_period``).

    A commune with no figure in the span takes the row of the span's last month with figures (its
    expected level, no figures).
    """
    if spans.granularity_of(span) == spans.MONTH:
        return _month_rows(con, settings, span)
    carried = span_values(reads.monthly(con), spans.granularity_of(span))
    here = carried[carried["key"] == span].set_index("code")
    end = here["as_of"].max() if not here.empty else spans.last_month(span)
    tables = {month: commune_table(con, settings, month) for month in {end, *here["as_of"]}}
    chosen = tables[end]["code"].map(here["as_of"]).fillna(end)
    rows = pd.concat([table[table["code"].isin(tables[end]["code"][chosen == month])]
                      for month, table in tables.items()])
    rows = rows.sort_values("code").reset_index(drop=True)
    return rows.assign(as_of=rows["code"].map(here["as_of"]), net_period=rows["code"].map(here["net"]))


def lags_on(table: pd.DataFrame, measures) -> pd.Series:
    """Per row: whether the commune lags on one of ``measures`` ("total", "voluntary")."""
    wanted = set(measures)
    return table["reason"].map(lambda r: bool(REASON_MEASURES.get(r, set()) & wanted))


@dataclass(frozen=True)
class Summary:
    """The overview's card of a span and a scope: sums over its communes and how many are on track."""

    span: str
    total: float
    voluntary: float
    target: float  # the communes' own 2030 targets, summed
    voluntary_min: float
    attainment: float  # NaN without a target
    voluntary_attainment: float
    net: float  # net increase over the span before; NaN when no commune reported both
    as_of: str | None  # the span's last month with figures
    units: int
    reporting: int
    on_track: int
    stated_target: float  # the plan's own total, which may differ from the communes' sum

    @property
    def has_net(self) -> bool:
        return not math.isnan(self.net)


@cache.shared(max_entries=64)
def summary(con: Connection, settings: Settings, span: str, codes: list[str] | None = None) -> Summary:
    """The card of ``span`` over the scope ``codes`` (None: the province), from the span's commune table."""
    table = commune_table(con, settings, span)
    if codes is not None:
        table = table[scopes.among(table["code"], codes)]
    total, voluntary = float(table["total"].sum()), float(table["voluntary"].sum())
    target, vmin = float(table["target"].sum()), float(table["voluntary_min"].sum())
    net = table["net_period"].dropna()
    return Summary(
        span=span, total=total, voluntary=voluntary, target=target, voluntary_min=vmin,
        attainment=total / target if target else math.nan, voluntary_attainment=voluntary / vmin if vmin else math.nan,
        net=float(net.sum()) if len(net) else math.nan,
        as_of=table["as_of"].dropna().max() if table["as_of"].notna().any() else None,
        units=len(table), reporting=int(table["total"].notna().sum()),
        on_track=int((table["status"] == STATUS_ON_TRACK).sum()),
        stated_target=_stated_target(con))


def _stated_target(con: Connection) -> float:
    participants = db.value(con, "SELECT participants FROM plan")
    assert participants is not None  # the plan's row is written with the database
    return float(participants)


def _month_series(con: Connection, settings: Settings, codes: list[str] | None, until: str | None) -> pd.DataFrame:
    """Per month up to ``until``: the scope's sums, how many reported, their net increase and the expected level.

    The expected level is the sum of the communes' own (those of ``commune_table``) over the communes in
    scope that have a path, so the province follows official annual targets exactly as far as its
    communes do.
    """
    scope, params = sql_filter(codes)
    if until is not None:  # no filter at all otherwise: a condition on every row costs even when always true
        scope, params = f"{scope} AND period <= $until", {**params, "until": until}
    sums = db.frame(con, f"""
        WITH kept AS (
            SELECT code, period, total, compulsory, voluntary,
                   substr(period, 1, 4)::INTEGER * 12 + substr(period, 6, 2)::INTEGER AS month
            FROM monthly_in_force WHERE {scope}),
        rows AS (  -- a commune's net increase counts only against the calendar month just before
            SELECT *, lag(total) OVER w AS total_before, lag(month) OVER w AS month_before
            FROM kept WINDOW w AS (PARTITION BY code ORDER BY period))
        SELECT period, period AS key, sum(total)::BIGINT AS total, coalesce(sum(compulsory), 0)::BIGINT AS compulsory,
               sum(voluntary)::BIGINT AS voluntary, count(*) AS reporting,
               sum(total - total_before) FILTER (month_before = month - 1)::DOUBLE AS net
        FROM rows GROUP BY period ORDER BY period""", params)
    if sums.empty:
        return pd.DataFrame(columns=["key", "period", "total", "compulsory", "voluntary", "reporting", "net",
                                     *PLANNED[1:]])
    units = scope_units(con, settings, codes, scope, params)
    sums["units"] = len(units)
    levels = level_sums(paths(units, annual_in_force(con), settings), sums["period"].tolist())
    sums["expected"], sums["voluntary_expected"] = levels["total"], levels["voluntary"]
    sums["target"], sums["voluntary_min"] = float(units["target"].sum()), float(units["voluntary_min"].sum())
    return sums[["key", "period", "total", "compulsory", "voluntary", "reporting", "net", *PLANNED[1:]]]


@cache.shared(max_entries=64)
def province_series(con: Connection, settings: Settings, granularity: str = spans.MONTH,
                    codes: list[str] | None = None, until: str | None = None) -> pd.DataFrame:
    """Per span of ``granularity`` up to the month ``until`` (None: the latest): key, period (the span's last
    month with figures), the sums of the scope's communes (all, or ``codes``) and how many reported, their
    net increase (``net``), the units in scope, their targets and the expected level at ``period``."""
    monthly = _month_series(con, settings, codes, until)
    if granularity == spans.MONTH or monthly.empty:
        return monthly
    values = reads.monthly(con)
    if codes is not None:
        values = values[scopes.among(values["code"], codes)]
    if until is not None:
        values = values[values["period"] <= until]
    sums = span_values(values, granularity).groupby("key").agg(
        period=("as_of", "max"), total=("total", "sum"), compulsory=("compulsory", "sum"),
        voluntary=("voluntary", "sum"), reporting=("code", "nunique"),
        net=("net", lambda s: s.sum(min_count=1))).reset_index()
    return sums.merge(monthly[PLANNED], on="period", how="left")


def monthly_growth(values: pd.DataFrame, column: str = "total") -> pd.Series:
    """Net increase of ``column`` per month summed over communes reporting both that month and the one before.

    A commune missing a month is left out of that month's growth rather than counted as a fall.
    """
    if values.empty:
        return pd.Series(dtype=float)
    frame = values[["period", "code", column]].copy()
    frame["previous_period"] = frame["period"].map(lambda p: add_months(p, -1))
    pairs = frame.merge(frame[["period", "code", column]], left_on=["previous_period", "code"],
                        right_on=["period", "code"], suffixes=("", "_before"))
    return (pairs[column] - pairs[f"{column}_before"]).groupby(pairs["period"]).sum().astype(float)


@cache.shared(max_entries=32)
def campaign_effect(con: Connection, settings: Settings, codes: list[str] | None = None) -> pd.DataFrame:
    """Per year: voluntary net increase in the campaign month against the mean of the year's other months."""
    values = reads.monthly(con)
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
