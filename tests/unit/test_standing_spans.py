"""Month, quarter and year: span keys, and values and net increases as stocks, worked by hand."""

from __future__ import annotations

import math

import pytest

from analytics.figures import spans, standing
from analytics.storage import reads
from tests.helpers import record_monthly

A, B, C = "11953", "11977", "11980"
# B misses March 2026, C misses June 2026; nobody reports July-October 2026.
ROWS = [
    ("2026-01", A, 30000, 2000), ("2026-02", A, 30100, 2010), ("2026-03", A, 30250, 2020),
    ("2026-04", A, 30300, 2030), ("2026-05", A, 30420, 2060), ("2026-06", A, 30500, 2070),
    ("2026-12", A, 31000, 2100), ("2027-01", A, 31050, 2110), ("2027-02", A, 31100, 2120),
    ("2026-01", B, 2000, 300), ("2026-02", B, 2010, 305), ("2026-04", B, 2040, 310),
    ("2026-06", B, 2070, 320), ("2026-12", B, 2150, 340), ("2027-02", B, 2170, 345),
    ("2026-01", C, 1500, 350), ("2026-02", C, 1510, 352), ("2026-03", C, 1530, 355),
    ("2026-05", C, 1560, 360), ("2026-11", C, 1600, 370), ("2027-01", C, 1610, 372),
]


@pytest.fixture
def reported(tiny):
    record_monthly(tiny, ROWS)
    return tiny


@pytest.mark.parametrize("period, granularity, key", [
    ("2026-10", "month", "2026-10"), ("2026-10", "quarter", "2026-Q4"), ("2026-03", "quarter", "2026-Q1"),
    ("2026-04", "quarter", "2026-Q2"), ("2026-10", "year", "2026")])
def test_span_keys(period, granularity, key):
    assert spans.key(period, granularity) == key
    assert spans.granularity_of(key) == granularity
    assert period in spans.months(key)


def test_span_arithmetic_and_labels():
    assert spans.months("2026-Q2") == ["2026-04", "2026-05", "2026-06"]
    assert spans.last_month("2026") == "2026-12" and len(spans.months("2026")) == 12
    assert [spans.previous(k) for k in ("2026-Q1", "2026-Q3", "2026", "2026-01")] == [
        "2025-Q4", "2026-Q2", "2025", "2025-12"]
    assert [spans.label(k) for k in ("2026-10", "2026-Q4", "2026")] == ["tháng 10/2026", "quý IV/2026", "năm 2026"]
    assert spans.keys(["2026-01", "2026-02", "2026-12", "2027-02"], "quarter") == ["2026-Q1", "2026-Q4", "2027-Q1"]
    assert spans.is_complete("2026-Q1", ["2026-02", "2026-03"]) and not spans.is_complete("2027-Q1", ["2027-02"])
    for wrong in ("2026-Q5", "26", "2026-13", None):
        with pytest.raises(ValueError):
            spans.granularity_of(wrong)


def test_quarter_values_are_each_communes_last_reported_month(reported, tiny_settings):
    series = standing.province_series(reported, tiny_settings, "quarter").set_index("key")
    assert series.index.tolist() == ["2026-Q1", "2026-Q2", "2026-Q4", "2027-Q1"]  # nothing in Q3/2026
    # Q1/2026: A March 30 250, B has no March so its February 2 010, C March 1 530.
    # Q2: A June 30 500, B June 2 070, C has no June so its May 1 560. Q4: A 31 000, B 2 150, C (Nov.) 1 600.
    # Q1/2027 so far: A Feb. 31 100, B Feb. 2 170, C Jan. 1 610.
    assert series["total"].tolist() == [33790, 34130, 34750, 34880]
    assert series["voluntary"].tolist() == [2020 + 305 + 355, 2070 + 320 + 360, 2100 + 340 + 370, 2120 + 345 + 372]
    assert series["period"].tolist() == ["2026-03", "2026-06", "2026-12", "2027-02"]
    assert series["reporting"].tolist() == [3, 3, 3, 3]
    # Net: Q2 = (30 500 - 30 250) + (2 070 - 2 010) + (1 560 - 1 530) = 250 + 60 + 30; Q4 has no Q3 to
    # grow from; Q1/2027 = 100 + 20 + 10. Q1/2026 has no Q4/2025.
    net = series["net"].tolist()
    assert math.isnan(net[0]) and net[1] == 340 and math.isnan(net[2]) and net[3] == 130
    # The plan's side is read at the span's last month with figures.
    monthly = standing.province_series(reported, tiny_settings).set_index("period")
    assert series.loc["2026-Q2", "expected"] == monthly.loc["2026-06", "expected"]


def test_year_values_and_net_increase(reported, tiny_settings):
    series = standing.province_series(reported, tiny_settings, "year").set_index("key")
    assert series["total"].to_dict() == {"2026": 31000 + 2150 + 1600, "2027": 31100 + 2170 + 1610}
    assert math.isnan(series.loc["2026", "net"]) and series.loc["2027", "net"] == 130
    values = standing.span_values(reads.monthly(reported), "year").set_index(["key", "code"])
    assert values.loc[("2026", C), "as_of"] == "2026-11" and values.loc[("2027", C), "net"] == 10


def test_months_equal_metrics(reported, tiny_settings):
    series = standing.province_series(reported, tiny_settings, "month")
    monthly = standing.province_series(reported, tiny_settings)
    assert series["total"].tolist() == monthly["total"].tolist()
    growth = standing.monthly_growth(reads.monthly(reported))
    assert series.set_index("period")["net"].dropna().to_dict() == growth.to_dict()
    card = standing.summary(reported, tiny_settings, "2026-02")
    table = standing.commune_table(reported, tiny_settings, "2026-02")
    assert (card.span, card.as_of, card.total) == ("2026-02", "2026-02", table["total"].sum())
    assert card.net == table["net_1m"].sum() == 100 + 10 + 10


def test_commune_table_of_a_quarter_with_a_missing_month(reported, tiny_settings):
    table = standing.commune_table(reported, tiny_settings, "2026-Q1").set_index("code")
    assert table["total"].to_dict() == {A: 30250, B: 2010, C: 1530}
    assert table["as_of"].to_dict() == {A: "2026-03", B: "2026-02", C: "2026-03"}
    february = standing.commune_table(reported, tiny_settings, "2026-02").set_index("code")
    assert table.loc[B, "expected"] == february.loc[B, "expected"]  # B is measured where it reported
    assert table.loc[B, "progress"] == february.loc[B, "progress"]
    summary = standing.summary(reported, tiny_settings, "2026-Q1")
    assert (summary.total, summary.reporting, summary.as_of) == (33790, 3, "2026-03")
    assert math.isnan(summary.net) and not summary.has_net
    q2 = standing.summary(reported, tiny_settings, "2026-Q2", codes=[A, B])
    assert (q2.total, q2.net) == (30500 + 2070, 250 + 60)


def test_incomplete_spans_say_so(reported):
    assert standing.span_state(reported, "2026-Q1") == {
        "span": "2026-Q1", "reported": ["2026-01", "2026-02", "2026-03"], "last": "2026-03", "complete": True}
    latest = standing.span_state(reported, "2027")
    assert (latest["last"], latest["complete"]) == ("2027-02", False)
