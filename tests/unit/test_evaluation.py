"""The annual evaluation of three communes, worked by hand, and the rules read from the plan file."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from analytics.errors import SettingsError
from analytics.figures import evaluation, standing
from analytics.settings import EVALUATION, load_settings
from analytics.storage import writes
from tests.helpers import ANALYST, docx_bytes, record_annual, record_monthly

A, B, C = "11953", "11977", "11980"
TODAY = dt.date(2027, 1, 20)  # every month of 2026 is due, the 15/12 deadline has passed
MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]


def year_of(code, december, voluntary, skip=()):
    """Twelve months rising by 10 a month to ``december`` (voluntary by 2), leaving out ``skip``."""
    return [(p, code, december - 10 * (11 - i), voluntary - 2 * (11 - i)) for i, p in enumerate(MONTHS)
            if p not in skip]


@pytest.fixture
def year_2026(tiny, tiny_settings):
    # Official 2026 targets: A 30 000 (voluntary 2 000), B 2 000 (400), C 1 700 (420).
    record_annual(tiny, [(2026, A, 30000, 2000), (2026, B, 2000, 400), (2026, C, 1700, 420)])
    # December: A 31 800 = 106 % (voluntary 2 200 = 110 %); B 2 060 = 103 % (420 = 105 %);
    # C 1 717 = 101 % (400 = 95,2 %), and C never sent July or August: 10 of 12 months = 83,3 %.
    record_monthly(tiny, year_of(A, 31800, 2200) + year_of(B, 2060, 420)
                   + year_of(C, 1717, 400, skip=("2026-07", "2026-08")), now=dt.datetime(2027, 1, 10))
    # A and B return their report before 15/12, C after.
    for code, day in ((A, 10), (B, 15), (C, 20)):
        writes.record_commune_report(tiny, ANALYST, tiny_settings, code, 2026, f"bao-cao-{code}.docx",
                               docx_bytes(f"Báo cáo {code}"), now=dt.datetime(2026, 12, day, 16))
    return tiny


def test_three_communes_classified_with_their_reasons(year_2026, tiny_settings):
    result = evaluation.evaluate(year_2026, tiny_settings, 2026, TODAY).set_index("code")
    assert result["evaluation"].to_dict() == {A: "excellent", B: "good", C: "completed"}
    assert result.index.tolist() == [A, B, C]  # best class first
    assert result.loc[A, "reason"] == (
        "Đạt mọi tiêu chí «Hoàn thành xuất sắc»: đạt chỉ tiêu năm 106,0 % (cần ≥ 105 %); đạt chỉ tiêu tự nguyện năm "
        "110,0 % (cần ≥ 105 %); số liệu tháng nộp đủ 100,0 % (cần ≥ 100 %); nộp báo cáo năm đúng hạn.")
    assert result.loc[B, "reason"] == (
        "Đạt mọi tiêu chí «Hoàn thành tốt»: đạt chỉ tiêu năm 103,0 % (cần ≥ 100 %); đạt chỉ tiêu tự nguyện năm "
        "105,0 % (cần ≥ 100 %); số liệu tháng nộp đủ 100,0 % (cần ≥ 90 %); nộp báo cáo năm đúng hạn. "
        "Chưa đạt «Hoàn thành xuất sắc» vì: đạt chỉ tiêu năm 103,0 % (cần ≥ 105 %).")
    assert result.loc[C, "reason"] == (
        "Đạt mọi tiêu chí «Hoàn thành»: đạt chỉ tiêu năm 101,0 % (cần ≥ 100 %). Chưa đạt «Hoàn thành tốt» vì: "
        "đạt chỉ tiêu tự nguyện năm 95,2 % (cần ≥ 100 %); số liệu tháng nộp đủ 83,3 % (cần ≥ 90 %); "
        "nộp báo cáo năm muộn.")
    c = result.loc[C]
    assert (c["total"], c["annual_target"], c["target_source"], c["report_status"]) == (1717, 1700, "official", "late")
    assert c["completeness_pct"] == pytest.approx(100 * 10 / 12)
    assert c["attainment_2030"] == pytest.approx(100 * 1717 / 1899)
    assert evaluation.class_counts(result) == {"excellent": 1, "good": 1, "completed": 1, "not_completed": 0}


def test_rules_are_settings(year_2026, tiny_settings):
    """The province raises the bar of «hoàn thành» to 102 %: C no longer completes its task."""
    rules = {**EVALUATION["rules"], "completed": {"annual_attainment": 102}}
    stricter = dataclasses.replace(tiny_settings, evaluation={"source": "Quyết định số 1/QĐ-UBND", "rules": rules})
    result = evaluation.evaluate(year_2026, stricter, 2026, TODAY).set_index("code")
    assert result.loc[C, "evaluation"] == "not_completed"
    assert result.loc[C, "reason"] == "Chưa đạt «Hoàn thành» vì: đạt chỉ tiêu năm 101,0 % (cần ≥ 102 %)."


def test_the_plan_file_holds_the_rules_with_their_source(tmp_path, tiny_plan):
    shipped = load_settings(tiny_plan)
    assert shipped.evaluation == EVALUATION  # the shipped plan writes the proposal out in full
    assert "Đề xuất" in shipped.evaluation["source"]
    text = tiny_plan.read_text(encoding="utf-8").replace(
        'source = "Đề xuất của dự án theo dõi, chờ Ủy ban nhân dân tỉnh quyết định"',
        'source = "Quyết định số 9/QĐ-UBND"').replace("completed = { annual_attainment = 100 }",
                                                     "completed = { annual_attainment = 98 }")
    own = tmp_path / "plan.toml"
    own.write_text(text, encoding="utf-8")
    settings = load_settings(own)
    assert settings.evaluation["source"] == "Quyết định số 9/QĐ-UBND"
    assert settings.evaluation["rules"]["completed"] == {"annual_attainment": 98}
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(text.replace("annual_attainment = 98", "attainment = 98"), encoding="utf-8")
    with pytest.raises(SettingsError, match="không có chỉ số attainment"):
        load_settings(wrong)


def test_without_official_targets_the_year_takes_the_trajectory(year_2026, tiny_settings):
    targets = evaluation.annual_targets(year_2026, tiny_settings, 2027).set_index("code")
    december = standing.commune_table(year_2026, tiny_settings, "2027-12").set_index("code")
    assert set(targets["source"]) == {"trajectory"}
    assert targets["total_target"].to_dict() == december["expected"].to_dict()
    official = evaluation.annual_targets(year_2026, tiny_settings, 2026).set_index("code")
    assert official["total_target"].to_dict() == {A: 30000, B: 2000, C: 1700}
