"""Reporting completeness, deadlines and scorecard lights, on hand-checked fixtures."""

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from analytics.figures import completeness, scorecard
from tests.helpers import record_monthly


def test_present_late_missing_pending(tiny, tiny_settings):
    assert completeness.due_date("2026-03", tiny_settings) == dt.date(2026, 4, 15)
    record_monthly(tiny, [("2026-03", "11953", 100, 10)], sha="a", now=dt.datetime(2026, 4, 10, 9))
    record_monthly(tiny, [("2026-03", "11977", 100, 10)], sha="b", now=dt.datetime(2026, 4, 20, 9))
    frame = completeness.reporting(tiny, tiny_settings, dt.date(2026, 11, 27), ["2026-03", "2026-11"])
    status = frame.set_index(["period", "code"])["status"]
    assert status[("2026-03", "11953")] == "on_time"
    assert status[("2026-03", "11977")] == "late"
    assert status[("2026-03", "11980")] == "missing"
    assert status[("2026-11", "11953")] == "pending"
    counts = completeness.summary(frame).set_index("period")
    assert counts.loc["2026-03"].tolist() == [1, 1, 1, 0]
    assert counts.loc["2026-11"].tolist() == [0, 0, 0, 3]
    share = completeness.completeness_share(frame)
    assert (share["11953"], share["11977"], share["11980"]) == (1.0, 1.0, 0.0)


def test_deadlines_with_days_left(tiny_settings):
    assert completeness.deadlines(tiny_settings, dt.date(2026, 11, 27))[["date", "days_left"]].values.tolist() == [
        [dt.date(2026, 12, 15), 18], [dt.date(2026, 12, 30), 33]]
    after = completeness.deadlines(tiny_settings, dt.date(2026, 12, 20))
    assert after[["date", "days_left"]].values.tolist() == [[dt.date(2026, 12, 30), 10],
                                                          [dt.date(2027, 12, 15), 360]]


@pytest.mark.parametrize("value, expected", [(75, "green"), (80.5, "green"), (70, "amber"), (65, "amber"),
                                             (64.9, "red"), (float("nan"), "none"), (None, "none")])
def test_light(value, expected):
    assert scorecard.light(value, (75, 65)) == expected


def test_scorecard_ranks_fewest_reds_first(tiny_settings):
    table = pd.DataFrame({
        "code": ["a", "b"], "name": ["Xã A", "Xã B"], "former_district": [None, None],
        "total": [800.0, 600.0], "target": [1000.0, 1000.0], "voluntary": [70.0, 30.0],
        "voluntary_min": [100.0, 100.0], "attainment": [0.8, 0.6], "voluntary_attainment": [0.7, 0.3],
        "net_3m": [20.0, -10.0], "labour_coverage": [0.65, 0.4]})
    annual = pd.DataFrame({"code": ["a", "b"], "total_target": [800, 700]})
    owed = pd.DataFrame({"code": ["a", "b"], "amount_owed": [90.0, 130.0], "amount_owed_before": [100.0, 100.0]})
    card = scorecard.build(table, annual, pd.Series({"a": 1.0, "b": 0.5}), dataclasses.replace(tiny_settings), owed)
    a, b = card.iloc[0], card.iloc[1]
    assert (a["code"], a["rank"], b["code"], b["rank"]) == ("a", 1, "b", 2)
    assert a["annual_attainment"] == 100 and a["growth_3m_pct"] == pytest.approx(100 * 20 / 780)
    # A owes 90 against 100 the month before: (100 − 90) / 100 = 10 % less, green from 0 up
    assert a["arrears_reduction_pct"] == pytest.approx(10.0)
    assert [a[f"{k}_light"] for k in scorecard.INDICATORS] == ["green"] * 7  # A covers 65 % of its labour force
    # B: 600/700 = 85.7 % of annual, 60 % of 2030, 30 % voluntary, -1.6 % growth, half the months reported,
    # 40 % of its labour force (below the amber 50 %), owes 130 against 100: (100 − 130) / 100 = −30 %, below
    # the amber −10 %
    assert b["arrears_reduction_pct"] == pytest.approx(-30.0)
    assert [b[f"{k}_light"] for k in scorecard.INDICATORS] == ["red"] * 7


def test_arrears_reduction_without_a_month_before_or_with_nothing_owed():
    """C owed 0 and owes 0: 0 % (green). D has no month before: missing. E owed 0, now 5: missing (no base)."""
    owed = pd.DataFrame({"code": ["c", "d", "e"], "amount_owed": [0.0, 40.0, 5.0],
                         "amount_owed_before": [0.0, float("nan"), 0.0]})
    assert scorecard.reduction(owed).fillna(-1).to_dict() == {"c": 0.0, "d": -1, "e": -1}
