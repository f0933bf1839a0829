"""Outlook to December 2030 on hand-worked linear figures for two communes."""

from __future__ import annotations

import math

import pytest

from analytics.figures import outlook
from tests.helpers import record_monthly

# Targets of the tiny plan (the appendix's own).
PHO_HIEN, HONG_CHAU = "11953", "11980"  # 34 845 and 1 899 people
SCOPE = [PHO_HIEN, HONG_CHAU]


def linear_rows():
    """Phố Hiến 20 000 + 100 a month, Hồng Châu 1 000 + 10 a month, 2026-01..2026-04; no voluntary."""
    rows = []
    for k, period in enumerate(["2026-01", "2026-02", "2026-03", "2026-04"]):
        rows += [(period, PHO_HIEN, 20_000 + 100 * k, 0), (period, HONG_CHAU, 1_000 + 10 * k, 0)]
    return rows


@pytest.fixture
def linear(tiny):
    record_monthly(tiny, linear_rows())
    return tiny


def test_scope_projects_linear_sum_to_december_2030(linear, tiny_settings):
    result = outlook.province_outlook(linear, tiny_settings, SCOPE)
    fit = result["projection"]
    # Sum: 21 000, 21 110, 21 220, 21 330: slope 110. 2026-04 -> 2030-12 is 56 months.
    assert (fit.last_period, fit.last_value, fit.months_ahead, fit.slope_per_month) == ("2026-04", 21_330, 56, 110)
    assert fit.projected == 27_490  # 21 330 + 110 * 56
    assert fit.lower80 == pytest.approx(27_490) and fit.upper80 == pytest.approx(27_490)  # no noise at all
    assert result["target"] == 36_744  # 34 845 + 1 899
    assert result["gap"] == 9_254  # 36 744 - 27 490
    assert result["required"] == pytest.approx(275.25)  # (36 744 - 21 330) / 56
    assert result["left_out"] == [] and result["without_target"] == [] and result["reason"] is None


def test_backtest_holds_out_what_four_months_allow(linear, tiny_settings):
    result = outlook.province_outlook(linear, tiny_settings, SCOPE)
    check = result["backtest"]
    # 4 months: hold out min(6, 4 // 2, 4 - 3) = 1; a line fitted on 3 months predicts 21 330 exactly.
    assert check.holdout == 1 and result["backtest_horizon"] == 1
    assert check.mape == 0 and check.coverage80 == 1


def test_commune_outlook_hand_computed(linear, tiny_settings):
    table = outlook.commune_outlook(linear, tiny_settings, SCOPE)
    assert table["code"].tolist() == [PHO_HIEN, HONG_CHAU]  # larger projected shortfall first
    pho_hien, hong_chau = table.iloc[0], table.iloc[1]
    assert pho_hien["projected"] == 25_900  # 20 300 + 100 * 56
    assert pho_hien["projected_gap"] == 8_945  # 34 845 - 25 900
    assert pho_hien["required_monthly_increase"] == pytest.approx(14_545 / 56)  # (34 845 - 20 300) / 56
    assert pho_hien["recent_monthly_increase"] == 100
    assert hong_chau["projected"] == 1_590  # 1 030 + 10 * 56
    assert hong_chau["projected_gap"] == 309
    assert hong_chau["required_monthly_increase"] == pytest.approx(869 / 56)
    assert (hong_chau["last_period"], hong_chau["last_value"]) == ("2026-04", 1_030)


def test_communes_without_history_keep_their_row(linear, tiny_settings):
    table = outlook.commune_outlook(linear, tiny_settings)
    assert len(table) == 3
    assert table["code"].tolist()[:2] == [PHO_HIEN, HONG_CHAU]
    assert table.iloc[2:]["projected"].isna().all()


def test_month_with_a_missing_report_is_left_out(linear, tiny_settings):
    record_monthly(linear, [("2026-05", PHO_HIEN, 20_400, 0)], sha="may")  # Hồng Châu has not reported May yet
    result = outlook.province_outlook(linear, tiny_settings, SCOPE)
    assert result["left_out"] == [{"period": "2026-05", "reporting": 1, "units": 2}]
    assert result["projection"].last_period == "2026-04"
    assert result["projection"].projected == 27_490


def test_too_little_history_gives_a_reason(linear, tiny_settings):
    result = outlook.province_outlook(linear, tiny_settings, SCOPE, until="2026-02")
    assert result["projection"] is None
    assert result["reason"].startswith("Chưa đủ số liệu để dự báo.")
    assert math.isnan(result["gap"])


def test_three_months_project_but_cannot_be_backtested(linear, tiny_settings):
    result = outlook.province_outlook(linear, tiny_settings, SCOPE, until="2026-03")
    assert result["projection"].projected == 21_220 + 110 * 57
    assert result["backtest"] is None
    assert result["backtest_reason"] == ("Cần ít nhất 4 tháng số liệu, không cách nhau quá xa, để kiểm tra ngược độ "
                                         "chính xác; hiện có 3.")


def test_no_data_in_scope(tiny, tiny_settings):
    result = outlook.province_outlook(tiny, tiny_settings, SCOPE)
    assert result["projection"] is None and result["reason"] == "Chưa có số liệu hằng tháng cho phạm vi này."


def test_unit_without_target_is_named_and_left_out_of_the_target(con, settings):
    """The shipped appendix leaves one unit without a target: its row is unmatched."""
    record_monthly(con, linear_rows())
    result = outlook.province_outlook(con, settings)
    assert result["without_target"] == ["Xã Mễ Sở"]  # its appendix row is unmatched
    assert result["target"] == 979_406


def test_fan_chart_has_titles_units_and_target(linear, tiny_settings):
    result = outlook.province_outlook(linear, tiny_settings, SCOPE)
    spec = outlook.fan_chart(result).to_dict()
    assert spec["title"]["text"] == "Số người tham gia: thực hiện và dự báo đến tháng 12/2030"
    assert "khoảng dự báo 80 %" in spec["title"]["subtitle"]
    assert spec["config"]["locale"]["number"]["thousands"] == "."
    band = spec["layer"][0]
    assert band["mark"]["type"] == "area"
    assert band["encoding"]["y"]["title"] == "Số người tham gia (người)"
    # 2026-01..2030-12 is 60 months: a tick a year, labelled with the year alone, never two labels touching.
    axis = band["encoding"]["x"]
    assert axis["title"] == "Năm" and axis["axis"]["format"] == "%Y"
    assert axis["axis"]["tickCount"] == {"interval": "month", "step": 12} and axis["axis"]["labelSeparation"] > 0
    texts = [layer for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    goal = spec["datasets"][texts[0]["data"]["name"]]
    assert goal[0]["text"] == "Chỉ tiêu 2030: 36.744" and goal[0]["month"].startswith("2030-12-01")


def test_near_term_chart_stops_a_year_on_and_shows_the_path_the_target_needs(linear, tiny_settings):
    result = outlook.province_outlook(linear, tiny_settings, SCOPE)
    spec = outlook.fan_chart(result, horizon=12).to_dict()
    # 2026-04 + 12 months = 2027-04; 2026-01..2027-04 is 16 months: a tick every second month.
    assert spec["title"]["text"] == "Số người tham gia: thực hiện và dự báo đến tháng 4/2027"
    assert spec["layer"][0]["encoding"]["x"]["axis"]["tickCount"] == {"interval": "month", "step": 2}
    needed = spec["datasets"][spec["layer"][-1]["data"]["name"]]
    # From 21 330 in 2026-04, 275.25 more each month (test_scope_projects_linear_sum_to_december_2030).
    assert [round(row["value"], 2) for row in needed[:3]] == [21_330, 21_605.25, 21_880.5] and len(needed) == 13
    assert needed[0]["series"] == "Mức cần đạt để về đích 2030"


def test_the_demo_forecast_band_covers_its_backtest_months(demo_db, settings):
    """On the demo data the band as first drawn missed all 3 held-out months (its σ came from months that
    grew steadily); calibrated on their errors it covers all of them, and the forecast to 2030 is wider."""
    from analytics.storage import db

    con = db.connect(demo_db, read_only=True)
    try:
        result = outlook.province_outlook(con, settings, until="2026-10")
    finally:
        con.close()
    check = result["backtest"]
    assert check.holdout == 3 and round(check.coverage80 * 3) == 0
    assert check.calibrated_coverage80 == 1 and check.widening > 1
    assert result["projection"].sigma == pytest.approx(check.sigma_needed)
