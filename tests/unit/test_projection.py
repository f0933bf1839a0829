import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.errors import AnalyticsError, InsufficientHistory
from analytics.figures.projection import (
    METHOD_VI,
    backtest,
    calibrated,
    gap,
    project,
    project_many,
    required_monthly_increase,
)
from analytics.figures.spans import add_months, from_index, month_index


def linear(start="2026-01", months=12, first=1000.0, step=10.0):
    periods = [add_months(start, k) for k in range(months)]
    return pd.Series([first + step * k for k in range(months)], index=periods)


def noisy(seed=7, months=36):
    # A random walk with drift 50/month and innovations of sd 30, starting at 5000.
    rng = np.random.default_rng(seed)
    values = 5000 + np.cumsum(50 + rng.normal(0, 30, months))
    return pd.Series(values, index=[add_months("2024-01", k) for k in range(months)])


def test_linear_series_projects_exactly_with_collapsed_interval():
    # 1000, 1010, ..., 1110 over 2026-01..2026-12: every pairwise slope is 10.
    # 2026-12 -> 2030-12 is 48 months: 1110 + 10 * 48 = 1590. All innovations are 0, so sigma = 0.
    result = project(linear(), "2030-12")
    assert result.last_period == "2026-12"
    assert result.last_value == 1110
    assert result.months_ahead == 48
    assert result.slope_per_month == 10
    assert result.projected == 1590
    assert result.lower80 == pytest.approx(1590) and result.upper80 == pytest.approx(1590)
    assert gap(result, 2000) == 410  # 2000 - 1590
    # (2000 - 1110) / 48 = 890 / 48
    assert required_monthly_increase(1110, "2026-12", 2000, "2030-12") == pytest.approx(890 / 48)


def test_path_covers_every_month_to_the_target():
    path = project(linear(), "2027-03").path
    assert list(path.columns) == ["period", "projected", "lower80", "upper80"]
    assert path["period"].tolist() == ["2027-01", "2027-02", "2027-03"]
    assert path["projected"].tolist() == [1120, 1130, 1140]


def test_one_wild_outlier_does_not_move_the_slope():
    # 12 points give 66 pairs; an outlier at 2026-06 spoils only the 11 pairs it is in.
    # The other 55 slopes are exactly 10, so the median (mean of the 33rd and 34th) is 10.
    series = linear()
    series["2026-06"] = 50_000
    result = project(series, "2030-12")
    assert result.slope_per_month == 10
    assert result.projected == 1590  # anchored at the last value, 1110, which is clean


def test_missing_months_use_real_month_distance():
    # 2026-01, 02, 05, 06 -> 1000, 1010, 1040, 1050: 10 a month by calendar distance.
    # Treating the rows as consecutive would see a jump of 30 between 02 and 05.
    series = pd.Series([1000, 1010, 1040, 1050], index=["2026-01", "2026-02", "2026-05", "2026-06"])
    result = project(series, "2026-12")
    assert result.slope_per_month == 10
    assert result.projected == 1110  # 1050 + 10 * 6


def test_missing_values_count_as_missing_months():
    series = pd.Series([1000, np.nan, 1020, 1030], index=["2026-01", "2026-02", "2026-03", "2026-04"])
    assert project(series, "2026-06").projected == 1050  # slope 10 from the three real months


def test_order_of_the_input_does_not_matter():
    series = linear()
    shuffled = series.iloc[[5, 0, 11, 3, 8, 1, 10, 2, 7, 4, 9, 6]]
    a, b = project(shuffled, "2030-12"), project(series, "2030-12")
    assert (a.last_period, a.slope_per_month, a.projected) == (b.last_period, b.slope_per_month, b.projected)
    pd.testing.assert_frame_equal(a.path, b.path)


def test_only_the_last_window_months_set_the_slope():
    # 12 months rising 100/month, then 12 months rising 10/month: the default window sees only the latter.
    early = linear("2025-01", 12, 0, 100)
    late = linear("2026-01", 12, 1200, 10)
    result = project(pd.concat([early, late]), "2027-12")
    assert result.slope_per_month == 10
    assert result.projected == 1310 + 120  # last value 1310, 12 months at 10


def test_fewer_than_three_points_raises():
    with pytest.raises(InsufficientHistory):
        project(linear(months=2), "2030-12")
    with pytest.raises(InsufficientHistory):
        project(pd.Series(dtype=float), "2030-12")
    # Three points exist, but only two fall in the last 3 calendar months.
    sparse = pd.Series([1, 2, 3], index=["2026-01", "2026-05", "2026-06"])
    with pytest.raises(InsufficientHistory):
        project(sparse, "2030-12", window=3)
    assert issubclass(InsufficientHistory, AnalyticsError)


def test_bad_arguments_raise_value_error():
    with pytest.raises(ValueError):
        project(linear(), "2026-12")  # target equals the last month
    with pytest.raises(ValueError):
        project(linear(), "2030-12", window=2)
    with pytest.raises(ValueError):
        project(pd.Series([1, 2, 3, 4], index=["2026-01", "2026-02", "2026-02", "2026-03"]), "2030-12")
    with pytest.raises(ValueError):
        required_monthly_increase(1000, "2030-12", 2000, "2030-12")
    with pytest.raises(ValueError):
        backtest(linear(), holdout=0)


def test_interval_width_matches_the_formula_by_hand():
    # 100, 110, 130 at 2026-01..03. Pairwise slopes 10, 15, 20 -> slope 15.
    # Innovations 10 - 15 = -5 and 20 - 15 = 5: median 0, MAD 5, sigma = 1.4826 * 5.
    # Span m = 2 months; one month ahead: 145 ± z80 * sigma * sqrt(1 * (1 + 1/2)).
    series = pd.Series([100, 110, 130], index=["2026-01", "2026-02", "2026-03"])
    result = project(series, "2026-04")
    half = 1.2815515655446004 * 1.4826 * 5 * math.sqrt(1.5)
    assert result.projected == 145
    assert result.lower80 == pytest.approx(145 - half)
    assert result.upper80 == pytest.approx(145 + half)


def test_interval_widens_with_horizon_and_contains_the_point():
    path = project(noisy(), "2030-12").path
    width = (path["upper80"] - path["lower80"]).to_numpy()
    assert width[0] > 0
    assert np.all(np.diff(width) > 0)
    assert (path["lower80"] <= path["projected"]).all() and (path["projected"] <= path["upper80"]).all()


def test_nothing_goes_below_zero_for_a_falling_series():
    series = pd.Series([100, 80, 65, 40, 30, 12], index=[add_months("2026-01", k) for k in range(6)])
    result = project(series, "2030-12")
    assert result.slope_per_month < 0
    assert (result.path[["projected", "lower80", "upper80"]] >= 0).all().all()
    assert result.projected == 0 and result.lower80 == 0


def test_backtest_on_a_linear_series_is_exact():
    # Fit on 2026-01..06 (1000..1050, slope 10), forecast 07..12 = 1060..1110 exactly.
    result = backtest(linear(), holdout=6)
    assert result.mape == pytest.approx(0) and result.mae == pytest.approx(0)
    assert result.coverage80 == 1
    assert result.table["period"].tolist() == [add_months("2026-07", k) for k in range(6)]
    assert result.table["actual"].tolist() == [1060, 1070, 1080, 1090, 1100, 1110]


def test_backtest_on_a_noisy_series():
    series = noisy()
    result = backtest(series, holdout=6)
    assert result.holdout == 6
    assert list(result.table.columns) == ["period", "actual", "projected", "lower80", "upper80"]
    assert len(result.table) == 6
    assert result.table["actual"].tolist() == series.iloc[-6:].tolist()
    assert 0 <= result.coverage80 <= 1
    assert result.mape > 0 and result.mae > 0
    # MAPE in percent is MAE over the actuals, within the actuals' range.
    assert result.mape == pytest.approx(
        100 * np.mean(np.abs(result.table["actual"] - result.table["projected"]) / result.table["actual"])
    )


def test_backtest_needs_enough_history():
    with pytest.raises(InsufficientHistory):
        backtest(linear(months=8), holdout=6)  # 2 training months
    with pytest.raises(InsufficientHistory):
        backtest(linear(months=6), holdout=6)


def test_project_many_gives_nan_for_short_series():
    long = linear()
    frame = pd.DataFrame({
        "code": ["A"] * 12 + ["B"] * 2,
        "period": list(long.index) + ["2026-11", "2026-12"],
        "value": list(long.values) + [500, 520],
    })
    result = project_many(frame, "2030-12").set_index("code")
    assert list(result.reset_index().columns) == [
        "code", "last_period", "last_value", "projected", "lower80", "upper80", "slope_per_month",
    ]
    assert result.loc["A", "projected"] == 1590 and result.loc["A", "slope_per_month"] == 10
    assert result.loc["B", "last_period"] == "2026-12" and result.loc["B", "last_value"] == 520
    assert result.loc["B", ["projected", "lower80", "upper80", "slope_per_month"]].isna().all()


def test_method_description_is_in_plain_vietnamese():
    assert "80 %" in METHOD_VI and "12 tháng" in METHOD_VI
    assert not any(word in METHOD_VI for word in ("Theil", "Sen", "trung vị", "MAD"))


def test_a_band_that_missed_the_held_out_months_is_widened_until_it_covers_80_percent():
    # 8 months hold out min(6, 8 // 2, 8 - 3) = 4. The first 4 (1000..1030) are a line: slope 10, sigma 0,
    # so the band they give has no width. It forecasts 1040, 1050, 1060, 1070; the actuals are 1045, 1050,
    # 1060, 1070: 3 of 4 inside (an actual on a zero-width band is inside), 75 % < 80 %.
    series = pd.Series([1000, 1010, 1020, 1030, 1045, 1050, 1060, 1070],
                       index=[add_months("2026-01", k) for k in range(8)], dtype=float)
    check = backtest(series, holdout=4)
    assert check.coverage80 == 0.75 and check.sigma == 0
    # Covering 4 of 4 (ceil(0.8 * 4) = 4) needs the first held-out month's 5 people inside a band of
    # z * sigma * sqrt(h * (1 + h / m)) at h = 1, m = 3 (the months fitted span 2026-01..04).
    z = 1.2815515655446004
    assert check.sigma_needed == pytest.approx(5 / (z * math.sqrt(1 * (1 + 1 / 3))))
    assert check.calibrated_coverage80 == 1 and check.widening == math.inf
    # The forecast from all 8 months: the innovations' MAD is 0 (five of seven are exactly 0), so the
    # band is drawn with the sigma the backtest needs instead of collapsing.
    fit, used = calibrated(series, "2027-08")
    assert used.sigma_needed == check.sigma_needed and fit.sigma == pytest.approx(check.sigma_needed)
    assert project(series, "2027-08").sigma == 0
    # 2026-08 -> 2027-08 is 12 months; the 8 months span m = 7.
    assert fit.upper80 - fit.projected == pytest.approx(z * fit.sigma * math.sqrt(12 * (1 + 12 / 7)))


def test_a_band_that_covered_the_held_out_months_is_not_narrowed():
    series = noisy()
    fit, check = calibrated(series, "2030-12")
    assert check.holdout == 6 and check.coverage80 >= 0.8  # this seed's band covers 5 or 6 of them
    plain = project(series, "2030-12")
    assert check.widening == 1 and (fit.sigma, fit.lower80, fit.upper80) == (plain.sigma, plain.lower80, plain.upper80)


@given(
    slope=st.integers(0, 1000),
    intercept=st.integers(0, 10**6),
    offsets=st.sets(st.integers(0, 35), min_size=3),
    start=st.integers(month_index("2020-01"), month_index("2029-12")),
    ahead=st.integers(1, 120),
)
def test_linear_series_projects_onto_the_line(slope, intercept, offsets, start, ahead):
    # y = intercept + slope * t, t in months from `start`, observed at arbitrary (gappy) months.
    index = [from_index(start + t) for t in offsets]
    series = pd.Series([intercept + slope * t for t in offsets], index=index)
    target_t = max(offsets) + ahead
    result = project(series, from_index(start + target_t), window=36)
    assert result.projected == intercept + slope * target_t
    assert result.lower80 == result.projected == result.upper80
