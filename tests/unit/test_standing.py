"""Where communes and the province stand on the tiny plan, worked by hand (baseline 2026-01, target December
2030: 59 months)."""

import math

import pandas as pd
import pytest

from analytics.figures import standing, trajectory
from analytics.storage import reads
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
    table = standing.commune_table(small, tiny_settings, "2026-03").set_index("code")
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
    assert standing.commune_table(small, strict, "2026-03").set_index("code").loc["11977", "status"] == "very_late"


def test_province_is_the_sum_of_its_communes(small, tiny_settings):
    series = standing.province_series(small, tiny_settings).set_index("period")
    assert series["total"].to_dict() == {"2026-01": 21500, "2026-02": 20100, "2026-03": 21900}
    assert series["reporting"].tolist() == [2, 1, 2]
    one = standing.province_series(small, tiny_settings, codes=["11977"]).set_index("period")
    assert one["total"].to_dict() == {"2026-01": 1500, "2026-03": 1400}


def test_monthly_growth_skips_missing_months(small):
    growth = standing.monthly_growth(reads.monthly(small))
    assert growth.to_dict() == {"2026-02": 100.0, "2026-03": 400.0}


def _one_commune(series: pd.Series) -> pd.DataFrame:
    """reads.monthly rows of one commune with the totals of ``series`` (indexed by month)."""
    return pd.DataFrame({"period": series.index, "code": "A", "total": series.to_numpy(), "compulsory": math.nan,
                         "voluntary": math.nan, "labour_force": math.nan})


@pytest.mark.parametrize("granularity, expected", [
    ("month", {"2026-02": 10, "2026-03": 10, "2026-04": 5, "2026-05": 5, "2026-06": 20, "2026-08": float("nan")}),
    ("quarter", {"2026-Q2": 30, "2026-Q3": 10}),  # Q1 ends at 120, Q2 at 150, Q3 (August so far) at 160
    ("year", {}),
])
def test_net_increase_uses_stock_semantics(granularity, expected):
    series = pd.Series([100, 110, 120, 125, 130, 150, 160],
                       index=["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-08"])
    got = standing.span_values(_one_commune(series), granularity).set_index("key")["net"].dropna().to_dict()
    assert got == {k: v for k, v in expected.items() if not pd.isna(v)}


def test_net_increase_over_years():
    series = pd.Series([100, 180, 200, 260], index=["2026-06", "2026-12", "2027-03", "2027-12"])
    assert standing.span_values(_one_commune(series), "year").set_index("key")["net"].dropna().to_dict() == {
        "2027": 80}


def test_linear_expected_is_clamped():
    assert trajectory.linear_expected(100, "2026-01", 159, "2030-12", "2026-01") == 100
    assert trajectory.linear_expected(100, "2026-01", 159, "2030-12", "2030-12") == 159
    assert trajectory.linear_expected(100, "2026-01", 159, "2030-12", "2031-06") == 159
    assert trajectory.linear_expected(100, "2026-01", 159, "2030-12", "2026-02") == 101


def test_summary_cards(small, tiny_settings):
    card = standing.summary(small, tiny_settings, "2026-03")
    assert (card.total, card.voluntary, card.reporting, card.units, card.on_track) == (21900, 1390, 2, 3, 1)
    assert card.net == 400


def test_lagging_ranks_slowest_first(small, tiny_settings):
    table = standing.commune_table(small, tiny_settings, "2026-03")
    out = standing.lagging(table, ["very_late", "late"], ["total"])
    assert out[["rank", "code"]].values.tolist() == [[1, "11977"]]
    assert standing.lagging(table, ["late"], ["voluntary"])["code"].tolist() == ["11977"]
    assert standing.lagging(table, ["on_track"], [])["code"].tolist() == ["11953"]
    assert standing.lags_on(table.set_index("code"), ["voluntary"]).to_dict() == {
        "11953": False, "11977": True, "11980": False}


def test_campaign_effect(tiny, tiny_settings):
    record_monthly(tiny, [(f"2026-{m:02d}", "11953", 20000 + 10 * m, v) for m, v in
                          zip(range(1, 8), [1000, 1010, 1020, 1030, 1100, 1110, 1120])])
    effect = standing.campaign_effect(tiny, tiny_settings).iloc[0]
    # May adds 70; the other five increases are 10 each
    assert (effect["year"], effect["campaign_increase"], effect["other_increase"], effect["ratio"]) == \
        (2026, 70, 10, 7)


def test_lagging_is_empty_when_nobody_lags(small, tiny_settings):
    table = standing.commune_table(small, tiny_settings, "2026-03")
    assert standing.lagging(table, ["very_late"], ["total"]).empty


def test_summary_is_a_frozen_card_worked_by_hand(small, tiny_settings):
    import dataclasses
    card = standing.summary(small, tiny_settings, "2026-Q1", ["11977"])
    # 11977 reported 1 400 in March (300 → 290 voluntary); February missing, so no net over the month before
    # it reported; Q1 has no Q4/2025 before it.
    assert (card.span, card.as_of, card.total, card.voluntary, card.units, card.reporting) == (
        "2026-Q1", "2026-03", 1400, 290, 1, 1)
    assert not card.has_net
    with pytest.raises(dataclasses.FrozenInstanceError):
        card.total = 0
