"""Metrics on the tiny plan, worked by hand (baseline 2026-01, target December 2030: 59 months)."""

import pandas as pd
import pytest

from analytics.figures import metrics
from analytics.storage import store
from tests.helpers import record_monthly

ROWS = [  # period, code, total, voluntary
    ("2026-01", "11953", 20000, 1000), ("2026-02", "11953", 20100, 1010), ("2026-03", "11953", 20500, 1100),
    ("2026-01", "11977", 1500, 300), ("2026-03", "11977", 1400, 290),  # 11977 misses February
]


@pytest.fixture
def small(tiny):
    record_monthly(tiny, ROWS)
    return tiny


def test_commune_table_against_trajectory(small, tiny_settings):
    table = metrics.commune_table(small, tiny_settings, "2026-03").set_index("code")
    ph, th = table.loc["11953"], table.loc["11977"]
    # Phố Hiến: expected 20000 + (34845 - 20000) * 2/59 = 20503.22; progress 20500/20503.22 = 99.98 %
    assert ph["expected"] == pytest.approx(20503.2203, abs=1e-3)
    assert ph["progress"] == pytest.approx(0.99984, abs=1e-5)
    assert ph["attainment"] == pytest.approx(20500 / 34845)
    assert ph["voluntary_expected"] == pytest.approx(1000 + 1505 * 2 / 59)
    assert ph["voluntary_share"] == pytest.approx(1100 / 20500)
    assert (ph["status"], ph["net_1m"]) == ("on_track", 400) and pd.isna(ph["reason"])  # lags on nothing
    # Tân Hưng: 1400 / (1500 + 928 * 2/59) = 91.4 % -> late; voluntary 290 / 306.27 = 94.7 % -> late
    assert th["progress"] == pytest.approx(1400 / (1500 + 928 * 2 / 59))
    assert (th["status"], th["reason"]) == ("late", "total_and_voluntary")
    assert pd.isna(th["net_1m"])  # no February figure: no monthly growth, not a fall
    assert table.loc["11980", "status"] == "no_data" and pd.isna(table.loc["11980", "reason"])


def test_status_thresholds_come_from_settings(small, tiny_settings):
    import dataclasses
    strict = dataclasses.replace(tiny_settings, thresholds={**tiny_settings.thresholds, "very_late_pct": 95})
    assert metrics.commune_table(small, strict, "2026-03").set_index("code").loc["11977", "status"] == "very_late"


def test_province_is_the_sum_of_its_communes(small, tiny_settings):
    series = metrics.province_series(small, tiny_settings).set_index("period")
    assert series["total"].to_dict() == {"2026-01": 21500, "2026-02": 20100, "2026-03": 21900}
    assert series["reporting"].tolist() == [2, 1, 2]
    one = metrics.province_series(small, tiny_settings, codes=["11977"]).set_index("period")
    assert one["total"].to_dict() == {"2026-01": 1500, "2026-03": 1400}


def test_monthly_growth_skips_missing_months(small):
    growth = metrics.monthly_growth(store.monthly(small))
    assert growth.to_dict() == {"2026-02": 100.0, "2026-03": 400.0}


@pytest.mark.parametrize("freq, expected", [
    ("M", {"2026-02": 10, "2026-03": 10, "2026-04": 5, "2026-05": 5, "2026-06": 20, "2026-08": float("nan")}),
    ("Q", {"2026-Q2": 30, "2026-Q3": 10}),  # Q1 ends at 120, Q2 at 150, Q3 (August so far) at 160
    ("Y", {}),
])
def test_net_increase_uses_stock_semantics(freq, expected):
    series = pd.Series([100, 110, 120, 125, 130, 150, 160],
                       index=["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-08"])
    got = metrics.net_increase(series, freq).dropna().to_dict()
    assert got == {k: v for k, v in expected.items() if not pd.isna(v)}


def test_net_increase_over_years():
    series = pd.Series([100, 180, 200, 260], index=["2026-06", "2026-12", "2027-03", "2027-12"])
    assert metrics.net_increase(series, "Y").dropna().to_dict() == {"2027": 80}


def test_linear_expected_is_clamped():
    assert metrics.linear_expected(100, "2026-01", 159, "2030-12", "2026-01") == 100
    assert metrics.linear_expected(100, "2026-01", 159, "2030-12", "2030-12") == 159
    assert metrics.linear_expected(100, "2026-01", 159, "2030-12", "2031-06") == 159
    assert metrics.linear_expected(100, "2026-01", 159, "2030-12", "2026-02") == 101


def test_summary_cards(small, tiny_settings):
    card = metrics.summary(small, tiny_settings, "2026-03")
    assert (card["total"], card["voluntary"], card["reporting"], card["units"], card["on_track"]) == \
        (21900, 1390, 2, 3, 1)
    assert card["net_1m"] == 400


def test_lagging_ranks_slowest_first(small, tiny_settings):
    table = metrics.commune_table(small, tiny_settings, "2026-03")
    out = metrics.lagging(table, ["very_late", "late"], ["total"])
    assert out[["rank", "code"]].values.tolist() == [[1, "11977"]]
    assert metrics.lagging(table, ["late"], ["voluntary"])["code"].tolist() == ["11977"]
    assert metrics.lagging(table, ["on_track"], [])["code"].tolist() == ["11953"]
    assert metrics.lags_on(table.set_index("code"), ["voluntary"]).to_dict() == {
        "11953": False, "11977": True, "11980": False}


def test_campaign_effect(tiny, tiny_settings):
    record_monthly(tiny, [(f"2026-{m:02d}", "11953", 20000 + 10 * m, v) for m, v in
                          zip(range(1, 8), [1000, 1010, 1020, 1030, 1100, 1110, 1120])])
    effect = metrics.campaign_effect(tiny, tiny_settings).iloc[0]
    # May adds 70; the other five increases are 10 each
    assert (effect["year"], effect["campaign_increase"], effect["other_increase"], effect["ratio"]) == \
        (2026, 70, 10, 7)


def test_lagging_is_empty_when_nobody_lags(small, tiny_settings):
    table = metrics.commune_table(small, tiny_settings, "2026-03")
    assert metrics.lagging(table, ["very_late"], ["total"]).empty
