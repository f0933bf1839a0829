"""Where a participant count is heading: projection to a target month, 80 % interval, backtest.

Counts are month-end stocks: people who join stay covered, so a month above or below trend
stays there instead of reverting. A series is therefore modelled as a random walk with drift:

* Drift (``slope_per_month``): the Theil–Sen slope, i.e. the median of the slopes between every
  pair of observations in the last ``window`` calendar months. Time is the real month distance,
  so missing months are fine. One bad report cannot move a median of pairwise slopes.
* Anchor: the projection starts from the last observed value, not from the fitted line. The
  last report is the stock today, the figure the page shows and the one
  `required_monthly_increase` starts from; for a stock, a gap between it and the line is not
  expected to close. With this anchor the line's intercept plays no part, so none is computed.
* 80 % interval: point ± z·σ·√(h·(1 + h/m)) at h months ahead, with z the normal 90th
  percentile, σ a robust (1.4826·MAD) scale of the monthly innovations (change minus drift,
  per √month across gaps) and m the months the window spans. h is the noise a random walk
  accumulates; h²/m is the error of a drift estimated from m months (the textbook drift-method
  interval, Hyndman & Athanasopoulos, FPP3 §5.5). It widens with h and collapses to the point
  for an exactly linear series. A normal quantile of a robust scale is used because ~11
  innovations cannot pin down empirical 10th/90th percentiles. Counts cannot be negative,
  so point and bounds are clipped at 0.
* Calibration (`calibrated`): the last months are held out and forecast from the months before
  them (`backtest`). If fewer than 80 % of them fall inside that forecast's band, σ is raised to
  the smallest value under which at least 80 % would have (split-conformal style: each held-out
  error divided by z·√(h·(1 + h/m)) is the σ it needs). The band is only ever widened, so what the
  page calls an 80 % interval has covered at least 80 % of the months it could be checked on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.errors import InsufficientHistory
from analytics.figures.spans import add_months, from_index, month_index, months_between

METHOD_VI = (
    "Dự báo nối dài xu hướng của 12 tháng gần nhất: mức tăng mỗi tháng được tính sao cho một tháng báo cáo "
    "bất thường không làm lệch kết quả, rồi cộng dồn từ số liệu tháng mới nhất. Khoảng dự báo 80 % cho biết "
    "số thực tế có thể dao động trong phạm vi nào; khoảng này rộng dần khi dự báo xa hơn."
)

MIN_POINTS = 3
MAX_HOLDOUT = 6  # months held out to check a forecast, at most: never more than half the history
NOMINAL = 0.8  # the share of months an 80 % interval should cover
_Z80 = 1.2815515655446004  # standard normal 90th percentile: bounds of a central 80 % interval
_MAD_TO_SD = 1.4826  # makes the MAD estimate a normal standard deviation
_MANY_COLUMNS = ["code", "last_period", "last_value", "projected", "lower80", "upper80", "slope_per_month"]


@dataclass(frozen=True)
class Projection:
    last_period: str
    last_value: float
    target_period: str
    months_ahead: int
    slope_per_month: float
    projected: float
    lower80: float
    upper80: float
    path: pd.DataFrame  # period, projected, lower80, upper80 for each month after last_period
    sigma: float  # the monthly innovations' scale the band is drawn with
    span: int  # months from the first to the last month fitted (m in the band's formula)


@dataclass(frozen=True)
class Backtest:
    holdout: int
    mape: float  # percent; months with an actual of 0 are left out
    mae: float
    coverage80: float  # share in [0, 1] of held-out months inside the band as fitted
    table: pd.DataFrame  # period, actual, projected, lower80, upper80
    sigma_needed: float  # the smallest σ under which at least 80 % of held-out months fall inside the band
    sigma: float  # the σ the band was fitted with
    calibrated_coverage80: float  # share of held-out months inside the band drawn with max(σ, sigma_needed)

    @property
    def widening(self) -> float:
        """How many times wider calibration makes the band (1: not at all; inf: a band of zero width)."""
        if self.sigma_needed <= self.sigma:
            return 1.0
        return self.sigma_needed / self.sigma if self.sigma > 0 else math.inf


def _prepare(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Month indices and values in time order; a missing value counts as a missing month."""
    clean = series.dropna()
    months = np.array([month_index(p) for p in clean.index], dtype=np.int64)
    if np.unique(months).size != months.size:
        raise ValueError("series has more than one value for a month")
    order = np.argsort(months)
    return months[order], clean.to_numpy(dtype=float)[order]


def _half_width(h: np.ndarray, sigma: float, span: int) -> np.ndarray:
    return _Z80 * sigma * np.sqrt(h * (1 + h / span))


def _project(months: np.ndarray, values: np.ndarray, target_period: str, window: int,
             sigma_floor: float = 0.0) -> Projection:
    if window < MIN_POINTS:
        raise ValueError(f"window must be at least {MIN_POINTS} months")
    if months.size:
        recent = months > months[-1] - window
        months, values = months[recent], values[recent]
    if months.size < MIN_POINTS:
        raise InsufficientHistory(
            f"Cần ít nhất {MIN_POINTS} tháng số liệu trong {window} tháng gần nhất, hiện có {months.size}."
        )
    pair_i, pair_j = np.triu_indices(months.size, k=1)
    slope = float(np.median((values[pair_j] - values[pair_i]) / (months[pair_j] - months[pair_i])))
    steps = np.diff(months)
    innovations = (np.diff(values) - slope * steps) / np.sqrt(steps)
    sigma = max(_MAD_TO_SD * float(np.median(np.abs(innovations - np.median(innovations)))), sigma_floor)
    span = int(months[-1] - months[0])

    last_period = from_index(months[-1])
    ahead = months_between(last_period, target_period)
    if ahead <= 0:
        raise ValueError(f"target {target_period} is not after the last observation {last_period}")
    h = np.arange(1, ahead + 1)
    point = values[-1] + slope * h
    half = _half_width(h, sigma, span)
    path = pd.DataFrame({
        "period": [add_months(last_period, int(k)) for k in h],
        "projected": np.maximum(point, 0.0),
        "lower80": np.maximum(point - half, 0.0),
        "upper80": np.maximum(point + half, 0.0),
    })
    end = path.iloc[-1]
    return Projection(
        last_period=last_period, last_value=float(values[-1]), target_period=target_period,
        months_ahead=ahead, slope_per_month=slope, projected=float(end["projected"]),
        lower80=float(end["lower80"]), upper80=float(end["upper80"]), path=path, sigma=sigma,
        span=span,
    )


def project(series: pd.Series, target_period: str, window: int = 12) -> Projection:
    """Project a stock series (indexed by "YYYY-MM", any order) to `target_period`."""
    return _project(*_prepare(series), target_period, window)


def holdout_months(observations: int) -> int:
    """How many of the last months a series of this many can hold out for a backtest: at most
    `MAX_HOLDOUT`, at most half of them, and `MIN_POINTS` left to fit on (0: none)."""
    return max(0, min(MAX_HOLDOUT, observations // 2, observations - MIN_POINTS))


def calibrated(series: pd.Series, target_period: str, window: int = 12) -> tuple[Projection, Backtest | None]:
    """`project` with its band widened by `backtest` where the band missed more than 20 % of held-out months;
    the backtest too (None when the series is too short for one)."""
    months, values = _prepare(series)
    return _calibrated(months, values, target_period, window)


def _calibrated(months, values, target_period, window) -> tuple[Projection, Backtest | None]:
    fit = _project(months, values, target_period, window)
    holdout = holdout_months(months.size)
    try:
        check = _backtest(months, values, holdout, window) if holdout else None
    except InsufficientHistory:  # the months left to fit on lie too far apart
        check = None
    if check is None or check.sigma_needed <= fit.sigma:
        return fit, check
    return _project(months, values, target_period, window, sigma_floor=check.sigma_needed), check


def gap(projection: Projection, target: float) -> float:
    """Projected shortfall against `target`; negative means the target is overshot."""
    return target - projection.projected


def required_monthly_increase(
    last_value: float, last_period: str, target: float, target_period: str
) -> float:
    """Net monthly increase needed from `last_period` on to reach `target` by `target_period`."""
    remaining = months_between(last_period, target_period)
    if remaining <= 0:
        raise ValueError(f"target {target_period} is not after {last_period}")
    return (target - last_value) / remaining


def backtest(series: pd.Series, holdout: int = 6, window: int = 12) -> Backtest:
    """Fit on all but the last `holdout` observations and score the forecast of those."""
    if holdout < 1:
        raise ValueError("holdout must be at least 1")
    return _backtest(*_prepare(series), holdout, window)


def _inside(table: pd.DataFrame) -> np.ndarray:
    actual = table["actual"].to_numpy()
    return (table["lower80"].to_numpy() <= actual) & (actual <= table["upper80"].to_numpy())


def _backtest(months: np.ndarray, values: np.ndarray, holdout: int, window: int) -> Backtest:
    if months.size <= holdout:
        raise InsufficientHistory(f"Cần nhiều hơn {holdout} tháng số liệu để kiểm tra ngược.")
    train_months, train_values = months[:-holdout], values[:-holdout]
    fit = _project(train_months, train_values, from_index(months[-1]), window)
    held = [from_index(m) for m in months[-holdout:]]
    table = fit.path.set_index("period").loc[held].reset_index()
    table.insert(1, "actual", values[-holdout:])
    actual = table["actual"].to_numpy()
    error = np.abs(actual - table["projected"].to_numpy())
    nonzero = actual != 0
    # The σ each held-out month needs to fall inside: its error over the band's half-width per unit σ
    # (a hair more, so that a month exactly on the edge is not lost to rounding).
    unit = _half_width((months[-holdout:] - train_months[-1]).astype(float), 1.0, fit.span)
    needs = np.sort(error / unit) * (1 + 1e-9)
    sigma_needed = float(needs[math.ceil(NOMINAL * holdout) - 1])
    widened = _project(train_months, train_values, from_index(months[-1]), window, sigma_floor=sigma_needed)
    wide = widened.path.set_index("period").loc[held].reset_index().assign(actual=actual)
    return Backtest(
        holdout=holdout,
        mape=float(np.mean(error[nonzero] / actual[nonzero]) * 100) if nonzero.any() else math.nan,
        mae=float(error.mean()),
        coverage80=float(_inside(table).mean()),
        table=table,
        sigma_needed=sigma_needed,
        sigma=fit.sigma,
        calibrated_coverage80=float(_inside(wide).mean()),
    )


def project_many(frame: pd.DataFrame, target_period: str, window: int = 12) -> pd.DataFrame:
    """One calibrated projection row per code of a long (code, period, value) frame; NaN where history is short."""
    rows = []
    for code, group in frame.groupby("code", sort=True):
        months, values = _prepare(pd.Series(group["value"].to_numpy(), index=group["period"].to_numpy()))
        row = {
            "code": code,
            "last_period": from_index(months[-1]) if months.size else None,
            "last_value": values[-1] if values.size else math.nan,
        }
        try:
            fit, _ = _calibrated(months, values, target_period, window)
            row |= {"projected": fit.projected, "lower80": fit.lower80, "upper80": fit.upper80,
                    "slope_per_month": fit.slope_per_month}
        except InsufficientHistory:
            row |= dict.fromkeys(["projected", "lower80", "upper80", "slope_per_month"], math.nan)
        rows.append(row)
    return pd.DataFrame(rows, columns=_MANY_COLUMNS)
