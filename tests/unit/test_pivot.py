"""Pivot tables on a tiny hand-worked fixture: stocks by quarter, ratios of sums, net increases, the whitelist.

Phố Hiến (11953, target 34 845) and Tân Hưng (11977, target 2 428), both of the former
Thành phố Hưng Yên; total / voluntary at month end:

    month    Phố Hiến   Tân Hưng
    2026-02  100 / 10   200 / 20
    2026-03  110 / 11   190 / 38
    2026-04  120 / 15   210 / 42
    2026-05  125 / 16   (no report)

Quarter 1 = March: 110 + 190 = 300 (summing months would give 600); quarter 2 = Phố Hiến's May
and Tân Hưng's April, its last report in the quarter: 125 + 210 = 335. Voluntary share of
quarter 1 = (11 + 38) / 300 = 16.3 %, not the mean of 10 % and 20 %. Net increase of quarter 2
= (125 - 110) + (210 - 190) = 35; by month: March 10 - 10 = 0, April 10 + 20 = 30, May 5 (only
Phố Hiến reports both April and May).
"""

import datetime as dt
import math

import pandas as pd
import pytest

from analytics.errors import InvalidPivot
from analytics.figures import pivot
from tests.helpers import record_monthly

CODES = ["11953", "11977"]
TARGETS = 34845 + 2428
ROWS = [  # period, code, total, voluntary
    ("2026-02", "11953", 100, 10), ("2026-03", "11953", 110, 11), ("2026-04", "11953", 120, 15),
    ("2026-05", "11953", 125, 16),
    ("2026-02", "11977", 200, 20), ("2026-03", "11977", 190, 38), ("2026-04", "11977", 210, 42),
]
NAN = math.nan


@pytest.fixture
def small(tiny):
    record_monthly(tiny, ROWS, sha="small", now=dt.datetime(2026, 6, 20))
    return tiny


CASES = [
    ([], ["quarter"], "total", {},
     {"indicator": ["Tổng số người tham gia"], "Quý 1/2026": [300.0], "Quý 2/2026": [335.0]}),
    ([], ["quarter"], "voluntary_share", {},
     {"indicator": ["Tỷ trọng tự nguyện"], "Quý 1/2026": [49 / 300], "Quý 2/2026": [58 / 335]}),
    (["quarter"], [], "net_increase", {},
     {"quarter": ["Quý 1/2026", "Quý 2/2026"], "net_increase": [NAN, 35.0]}),
    (["month"], [], "net_increase", {},
     {"month": ["tháng 2/2026", "tháng 3/2026", "tháng 4/2026", "tháng 5/2026"],
      "net_increase": [NAN, 0.0, 30.0, 5.0]}),
    (["commune"], ["quarter"], "total", {},
     {"commune": ["Phường Phố Hiến", "Xã Tân Hưng"], "Quý 1/2026": [110.0, 190.0], "Quý 2/2026": [125.0, 210.0]}),
    (["year"], [], "compulsory", {},
     {"year": ["Năm 2026"], "compulsory": [(125.0 - 16) + (210 - 42)]}),
    (["former_district"], ["quarter"], "target", {},
     {"former_district": ["Thành phố Hưng Yên"], "Quý 1/2026": [float(TARGETS)], "Quý 2/2026": [float(TARGETS)]}),
    # No time dimension: the end of the range, May, where Tân Hưng has no figure but still has its target.
    ([], [], "attainment", {}, {"indicator": ["Tỷ lệ đạt chỉ tiêu 2030"], "attainment": [125 / TARGETS]}),
    ([], [], "net_increase", {"period_to": "2026-03"}, {"indicator": ["Tăng ròng so với kỳ trước"],
                                                         "net_increase": [0.0]}),
    # April's increase is measured from March, before the range starts.
    ([], ["month"], "net_increase", {"period_from": "2026-04"},
     {"indicator": ["Tăng ròng so với kỳ trước"], "tháng 4/2026": [30.0], "tháng 5/2026": [5.0]}),
    (["former_province", "former_district"], ["year", "quarter"], "voluntary", {},
     {"former_province": ["Tỉnh Hưng Yên"], "former_district": ["Thành phố Hưng Yên"],
      "Năm 2026 · Quý 1/2026": [49.0], "Năm 2026 · Quý 2/2026": [58.0]}),
    (["commune"], ["month"], "voluntary_share", {"period_from": "2026-05"},
     {"commune": ["Phường Phố Hiến", "Xã Tân Hưng"], "tháng 5/2026": [16 / 125, NAN]}),
]


@pytest.mark.parametrize(("rows", "columns", "value", "options", "expected"), CASES,
                         ids=[f"{'+'.join(r) or '-'}|{'+'.join(c) or '-'}|{v}" for r, c, v, *_ in CASES])
def test_pivot_table(small, tiny_settings, rows, columns, value, options, expected):
    table = pivot.pivot(small, tiny_settings, rows, columns, value, codes=CODES, **options)
    pd.testing.assert_frame_equal(table, pd.DataFrame(expected), check_dtype=False, check_column_type=False)


def test_quarter_and_year_reach_back_across_new_year(small, tiny_settings):
    record_monthly(small, [("2026-12", "11953", 130, 17), ("2027-01", "11953", 140, 18)], sha="new-year",
                   now=dt.datetime(2027, 2, 20))
    # Quarter 4 has no quarter 3 before it; quarter 1 of 2027 is measured from quarter 4 of 2026.
    by_quarter = pivot.pivot(small, tiny_settings, ["quarter"], [], "net_increase", "2026-10", codes=CODES)
    pd.testing.assert_frame_equal(by_quarter, pd.DataFrame(
        {"quarter": ["Quý 4/2026", "Quý 1/2027"], "net_increase": [NAN, 10.0]}), check_column_type=False)
    # A year's stock is its December (Phố Hiến) or last report (Tân Hưng, April): 130 + 210.
    by_year = pivot.pivot(small, tiny_settings, [], ["year"], "total", codes=CODES)
    assert by_year.iloc[0].tolist() == ["Tổng số người tham gia", 340.0, 140.0]
    by_year = pivot.pivot(small, tiny_settings, ["year"], [], "net_increase", codes=CODES)
    assert by_year["net_increase"].iloc[1] == 140 - 130 and math.isnan(by_year["net_increase"].iloc[0])


def test_without_monthly_data_the_pivot_is_empty(tiny, tiny_settings):
    table = pivot.pivot(tiny, tiny_settings, ["commune"], ["quarter"], "total")
    assert table.empty and list(table.columns) == ["commune"]


def test_target_counts_every_unit_in_scope(small, tiny_settings):
    every = pivot.pivot(small, tiny_settings, [], [], "target")["target"].iloc[0]
    units = small.execute("SELECT sum(total_target) FROM targets WHERE target_year = 2030").fetchone()[0]
    assert every == units > TARGETS


@pytest.mark.parametrize(("rows", "columns", "value", "options", "message"), [
    (["code"], [], "total", {}, "code"),
    ([], ["name; DROP TABLE users"], "total", {}, "DROP TABLE users"),
    (["commune"], [], "password_hash", {}, "password_hash"),
    (["month"], ["month"], "total", {}, "một lần"),
    ([], [], "total", {"period_from": "2026-13"}, "2026-13"),
    ([], [], "total", {"period_to": "'; DROP TABLE communes; --"}, "không hợp lệ"),
])
def test_names_outside_the_whitelist_are_refused(small, tiny_settings, rows, columns, value, options, message):
    with pytest.raises(InvalidPivot, match=message.replace("(", r"\(")):
        pivot.pivot(small, tiny_settings, rows, columns, value, **options)
    assert small.execute("SELECT count(*) FROM communes").fetchone()[0] == 3


def test_chart_draws_lines_over_time_and_bars_otherwise(small, tiny_settings):
    over_time = pivot.pivot(small, tiny_settings, ["commune"], ["month"], "total", codes=CODES)
    spec = pivot.chart(over_time, ["commune"], ["month"], "total").to_dict()
    assert spec["mark"]["type"] == "line" and spec["encoding"]["x"]["field"] == "column"
    by_unit = pivot.pivot(small, tiny_settings, ["commune"], [], "attainment")
    spec = pivot.chart(by_unit, ["commune"], [], "attainment").to_dict()
    assert spec["mark"]["type"] == "bar" and spec["encoding"]["x"]["axis"]["format"] == ".0%"


def test_chart_gives_up_beyond_eight_series(con, settings):
    """The shipped province's 104 communes against its 18 former districts: too many series either way."""
    record_monthly(con, ROWS)
    crowded = pivot.pivot(con, settings, ["commune"], ["former_district"], "target")
    assert pivot.chart(crowded, ["commune"], ["former_district"], "target") is None
