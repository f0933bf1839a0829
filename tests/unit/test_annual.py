"""Official annual targets: the proposal worked by hand, the workbook round trip, validation, storage, trajectory.

The tiny plan, figures as in test_metrics: Phố Hiến (11953) 20 000 / 1 000 in 2026-01 and 20 500 / 1 100 in 2026-03,
2030 targets 34 845 / 2 505; Tân Hưng (11977) 1 500 / 300 then 1 400 / 290, targets 2 428 / 485.
From 2026-03 to December 2030 is 57 months.
"""

import datetime as dt
import io

import openpyxl
import pytest

import ui.annual
from analytics import intake
from analytics.access.accounts import User
from analytics.errors import DuplicateUpload, NoMonthlyData, ValidationFailed
from analytics.figures import annual, standing
from analytics.intake.fields import ANNUAL
from analytics.intake.reading import read
from analytics.intake.templates import ANNUAL_SHEET
from analytics.intake.units import Units
from analytics.storage import db, reads, writes
from tests.helpers import ANALYST, record_monthly

HEAD = User("trưởng phòng", "Trưởng phòng", "analyst")

TODAY = dt.date(2026, 11, 27)
T0 = dt.datetime(2026, 11, 1)
ROWS = [("2026-01", "11953", 20000, 1000), ("2026-02", "11953", 20100, 1010), ("2026-03", "11953", 20500, 1100),
        ("2026-01", "11977", 1500, 300), ("2026-03", "11977", 1400, 290)]
HEADER = "Năm;Mã xã;Tên xã, phường;Chỉ tiêu chung;Chỉ tiêu tự nguyện tối thiểu"
STRAIGHT = "lộ trình thẳng từ tháng gốc đến chỉ tiêu 2030"


@pytest.fixture
def small(tiny):
    record_monthly(tiny, ROWS, now=T0)
    return tiny


@pytest.fixture
def shipped_small(con):
    """The same figures in the shipped plan, where names are matched against every unit of the province."""
    record_monthly(con, ROWS, now=T0)
    return con


def csv_bytes(*rows) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def upload(con, settings, data, name="chi-tieu.xlsx", when=T0 + dt.timedelta(days=1), confirm=False):
    prepared = intake.prepare(con, data, name, settings=settings, kind="annual")
    return intake.apply(con, prepared, user=ANALYST, confirm_warnings=confirm, now=when)


def expected_at(con, settings, period, code="11953"):
    row = standing.commune_table(con, settings, period).set_index("code").loc[code]
    return row["expected"], row["voluntary_expected"]


def test_proposal_is_worked_by_hand(small, tiny_settings):
    proposal = annual.propose(small, tiny_settings, TODAY)
    ph = proposal[proposal["code"] == "11953"]
    # total: 20500 + 14345 * m/57 for m = 9, 21, 33, 45 months to each December (exact: 14345 = 19 * 755)
    # voluntary: 1100 + 1405 * m/57 = 1321.84, 1617.63, 1913.42, 2209.21
    assert ph[["year", "total_target", "voluntary_min"]].values.tolist() == [
        [2026, 22765, 1322], [2027, 25785, 1618], [2028, 28805, 1913], [2029, 31825, 2209]]
    assert set(ph["name"]) == {"Phường Phố Hiến"}
    # Tân Hưng starts from its own latest month: 1400 + 1028 * 9/57 = 1562.32, 290 + 195 * 9/57 = 320.79
    th = proposal[(proposal["code"] == "11977") & (proposal["year"] == 2026)].iloc[0]
    assert (th["total_target"], th["voluntary_min"]) == (1562, 321)
    assert len(proposal) == 8  # communes without figures get no proposal
    assert "tháng 12" in annual.RULE_VI and "làm tròn" in annual.RULE_VI


def test_proposal_rounds_halves_up(tiny, tiny_settings):
    record_monthly(tiny, [("2028-12", "11953", 20000, 1000)])
    proposal = annual.propose(tiny, tiny_settings, dt.date(2029, 1, 15))
    # 24 months to December 2030: December 2029 is halfway, 20000 + 14845/2 = 27422.5, 1000 + 1505/2 = 1752.5
    assert proposal[["year", "total_target", "voluntary_min"]].values.tolist() == [
        [2028, 20000, 1000], [2029, 27423, 1753]]


def test_proposal_needs_figures(tiny, tiny_settings):
    with pytest.raises(NoMonthlyData):
        annual.propose(tiny, tiny_settings, TODAY)


def test_proposal_workbook_reads_back_unchanged(small, tiny_settings):
    proposal = annual.propose(small, tiny_settings, TODAY)
    data = annual.proposal_xlsx(proposal, tiny_settings)
    raw = read(data, "de-xuat.xlsx", Units.load(small, tiny_settings), ANNUAL)
    assert raw.problems == [] and raw.sheet == ANNUAL_SHEET
    assert raw.headers == {"year": "Năm", "code": "Mã xã", "commune": "Tên xã, phường",
                           "total_target": "Chỉ tiêu chung", "voluntary_min": "Chỉ tiêu tự nguyện tối thiểu"}
    got = raw.as_written().drop(columns="_row").rename(columns={"commune": "name"})
    assert got.values.tolist() == proposal.values.tolist()
    ws = openpyxl.load_workbook(io.BytesIO(data))[ANNUAL_SHEET]
    assert ws.freeze_panes == "A2"
    assert ws["B2"].data_type == "s" and ws["B2"].number_format == "@"
    rules = {str(dv.sqref): (dv.type, dv.operator, dv.formula1, dv.formula2)
             for dv in ws.data_validations.dataValidation}
    # openpyxl reads Excel's default operator, "between", as None
    assert rules == {"A2:A9": ("whole", None, "2026", "2030"), "D2:E9": ("whole", "greaterThanOrEqual", "0", None)}


def test_empty_template_has_every_commune_and_no_figures(small, tiny_settings):
    raw = read(annual.template_xlsx(small, tiny_settings, TODAY), "mau.xlsx", Units.load(small, tiny_settings), ANNUAL)
    assert raw.problems == []
    written = raw.as_written()
    assert len(written) == 3 * 4 and sorted(written["year"].unique()) == [2026, 2027, 2028, 2029]
    assert written[["total_target", "voluntary_min"]].isna().all().all()
    prepared = intake.prepare(small, annual.template_xlsx(small, tiny_settings, TODAY), "mau.xlsx",
                                     settings=tiny_settings, kind="annual")
    assert [p.code for p in prepared.errors] == ["no_targets"]


def edited_proposal(con, settings, year=2027, code="11953", total=26000) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(annual.proposal_xlsx(annual.propose(con, settings, TODAY), settings)))
    ws = book[ANNUAL_SHEET]
    row = next(r for r in range(2, ws.max_row + 1) if (ws.cell(r, 1).value, ws.cell(r, 2).value) == (year, code))
    ws.cell(row, 4).value = total
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_edited_proposal_becomes_the_trajectory(small, tiny_settings):
    assert standing.trajectory_source(small) == STRAIGHT
    prepared = intake.prepare(small, edited_proposal(small, tiny_settings), "da-sua.xlsx",
                                     settings=tiny_settings, kind="annual")
    assert prepared.checked.problems == []
    intake.apply(small, prepared, user=ANALYST, now=T0 + dt.timedelta(days=1))
    targets = annual.annual_targets(small)
    assert targets[(targets["year"] == 2027) & (targets["code"] == "11953")][["total_target", "voluntary_min"]] \
        .values.tolist() == [[26000, 1618]]
    # Phố Hiến passes 22765 in 2026-12 and the edited 26000 in 2027-12: mid-2027 is 22765 + 3235 * 6/12
    total, voluntary = expected_at(small, tiny_settings, "2027-06")
    assert total == pytest.approx(24382.5)
    assert voluntary == pytest.approx(1322 + 296 * 6 / 12)
    # between the baseline and December 2026: 20000 + 2765 * 2/11 in 2026-03
    assert expected_at(small, tiny_settings, "2026-03")[0] == pytest.approx(20000 + 2765 * 2 / 11)
    # after the last official year the path runs from 31825 (2029-12) to the appendix's 34845
    assert expected_at(small, tiny_settings, "2030-06")[0] == pytest.approx(31825 + 3020 * 6 / 12)
    # the province's expected level is the sum of its communes': Tân Hưng 1500 + 62 * 2/11 in 2026-03
    series = standing.province_series(small, tiny_settings).set_index("period")
    assert series.loc["2026-03", "expected"] == pytest.approx(20000 + 2765 * 2 / 11 + 1500 + 62 * 2 / 11)
    assert standing.trajectory_source(small) == (
        "chỉ tiêu năm chính thức (2026, 2027, 2028, 2029) và chỉ tiêu 2030 cho 2/3 xã, phường; "
        f"các xã, phường khác: {STRAIGHT}")


def test_reupload_supersedes_per_year_and_withdrawal_restores(small, tiny_settings):
    first = upload(small, tiny_settings, csv_bytes("2027;11953;;26000;1600", "2028;11953;;29000;1900"), "a.csv")
    second = upload(small, tiny_settings, csv_bytes("2027;11953;;27000;1650"), "b.csv", when=T0 + dt.timedelta(days=2))
    targets = annual.annual_targets(small)
    assert targets.values.tolist() == [[2027, "11953", 27000, 1650], [2028, "11953", 29000, 1900]]
    assert standing.trajectory_source(small) == (
        "chỉ tiêu năm chính thức (2027, 2028) và chỉ tiêu 2030 cho 1/3 xã, phường; "
        f"các xã, phường khác: {STRAIGHT}")
    # Tân Hưng keeps the straight line: 1500 + 928 * 2/59
    assert expected_at(small, tiny_settings, "2026-03", "11977")[0] == pytest.approx(1500 + 928 * 2 / 59)
    writes.withdraw(small, second, HEAD, now=T0 + dt.timedelta(days=3))
    assert annual.annual_targets(small)["total_target"].tolist() == [26000, 29000]
    writes.withdraw(small, first, HEAD, now=T0 + dt.timedelta(days=3))
    assert annual.annual_targets(small).empty
    assert standing.trajectory_source(small) == STRAIGHT
    assert expected_at(small, tiny_settings, "2026-03")[0] == pytest.approx(20000 + 14845 * 2 / 59)


def test_monthly_and_annual_uploads_do_not_mix(small, tiny_settings):
    upload(small, tiny_settings, csv_bytes("2027;11953;;26000;1600"), "a.csv")
    assert reads.monthly(small)["total"].tolist() == [20000, 1500, 20100, 20500, 1400]
    assert list(reads.uploads(small, "annual")["periods"]) == ["2027"]
    assert list(reads.uploads(small, "monthly")["file_name"]) == ["t.csv"]
    record_monthly(small, [("2026-04", "11953", 20600, 1120)], sha="y", now=T0 + dt.timedelta(days=2))
    assert annual.annual_targets(small).values.tolist() == [[2027, "11953", 26000, 1600]]


def test_same_file_twice_is_applied_once(small, tiny_settings):
    data = csv_bytes("2027;11953;;26000;1600")
    upload_id = upload(small, tiny_settings, data, "a.csv")
    before = db.checksums(small)
    again = intake.prepare(small, data, "lan-hai.csv", settings=tiny_settings, kind="annual")
    assert again.duplicate_of == upload_id
    with pytest.raises(DuplicateUpload):
        intake.apply(small, again, user=ANALYST, confirm_warnings=True)
    assert db.checksums(small) == before


def test_problems_name_their_row_and_column(shipped_small, settings):
    small = shipped_small
    data = csv_bytes(
        "2O27;11953;;25000;1500",  # 2
        "2031;11953;;25000;1500",  # 3
        "2027;11953;;25000,5;1500",  # 4
        "2027;11953;;25000;-3",  # 5
        "2027;11953;;1000;1500",  # 6
        "2027;99999;;25000;1500",  # 7
        "2027;;Xã Không Có Thật;25000;1500",  # 8
        "2027;;Xã Tiên L;25000;1500",  # 9
        "2027;11953;;25000;1500",  # 10: valid
        "2027;11953;;25100;1500",  # 11: same commune and year again
        "2028;11953;;24000;1400",  # 12: lower than 2027
        "2029;11953;;40000;2400",  # 13: above the 2030 target
        "2026;;phuong pho hien;22000;1300",  # 14: matched, not exactly
        "2027;11977;;;",  # 15: not filled in, skipped
        "2027;11977;;1500;",  # 16
    )
    before = db.checksums(small)
    prepared = intake.prepare(small, data, "sai.csv", settings=settings, kind="annual")
    found = [(p.severity, p.row, p.column, p.code) for p in prepared.checked.problems]
    e, w = "error", "warning"
    assert found == [
        (e, 2, "Năm", "not_a_year"),
        (e, 3, "Năm", "year_outside_plan"),
        (e, 4, "Chỉ tiêu chung", "comma_in_count"),
        (e, 5, "Chỉ tiêu tự nguyện tối thiểu", "negative_count"),
        (e, 6, "Chỉ tiêu tự nguyện tối thiểu", "voluntary_target_exceeds_total"),
        (e, 7, "Mã xã", "unknown_code"),
        (e, 8, "Tên xã, phường", "unknown_commune"),
        (e, 9, "Tên xã, phường", "ambiguous_name"),
        (e, 11, "Mã xã", "duplicate_commune_year"),
        (w, 14, "Tên xã, phường", "fuzzy_match"),
        (e, 16, "Chỉ tiêu tự nguyện tối thiểu", "missing_value"),
        (w, 13, "Chỉ tiêu chung", "target_above_final"),
        (w, 12, "Chỉ tiêu chung", "target_decreases"),
        (w, 12, "Chỉ tiêu tự nguyện tối thiểu", "target_decreases"),
    ]
    assert [p.params for p in prepared.checked.problems][-3:] == [
        {"unit": "Phường Phố Hiến", "measure": "chỉ tiêu chung", "year": 2029, "value": 40000, "target_year": 2030,
         "final": 34845},
        {"unit": "Phường Phố Hiến", "measure": "chỉ tiêu chung", "year": 2028, "value": 24000, "prior_year": 2027,
         "prior": 25000},
        {"unit": "Phường Phố Hiến", "measure": "chỉ tiêu tự nguyện tối thiểu", "year": 2028, "value": 1400,
         "prior_year": 2027, "prior": 1500}]
    assert len(prepared.checked.table) == 4  # rows 10, 12, 13 and 14
    with pytest.raises(ValidationFailed):
        intake.apply(small, prepared, user=ANALYST, confirm_warnings=True)
    assert db.checksums(small) == before


def test_decrease_against_targets_in_force_warns(small, tiny_settings):
    upload(small, tiny_settings, csv_bytes("2027;11953;;26000;1600"), "a.csv")
    prepared = intake.prepare(small, csv_bytes("2028;11953;;25000;1700"), "b.csv", settings=tiny_settings,
                              kind="annual")
    assert [(p.row, p.column, p.code, p.params["prior"]) for p in prepared.warnings] == [
        (2, "Chỉ tiêu chung", "target_decreases", 26000)]


def test_file_without_year_column_is_refused(small, tiny_settings):
    data = "Mã xã;Chỉ tiêu chung;Chỉ tiêu tự nguyện\n11953;26000;1600\n".encode()
    prepared = intake.prepare(small, data, "thieu-nam.csv", settings=tiny_settings, kind="annual")
    assert [(p.row, p.column, p.code, p.params["field"]) for p in prepared.errors] == [
        (1, None, "missing_column", "Năm")]


def test_page_shows_rule_and_proposal(run_page, demo_db):
    at = run_page(ui.annual.page, demo_db, user=ANALYST)
    assert at.title[0].value == "Chỉ tiêu năm"
    assert annual.RULE_VI in [m.value for m in at.markdown]
    assert f"Lộ trình các trang đang dùng: **{STRAIGHT}**." in [i.value for i in at.info]
    proposal = at.dataframe[0].value
    assert len(proposal) == 103 * 4 and sorted(proposal["year"].unique()) == [2026, 2027, 2028, 2029]


def test_page_without_figures_proposes_nothing(run_page, tiny_db):
    at = run_page(ui.annual.page, tiny_db, user=ANALYST)
    infos = [i.value for i in at.info]
    assert f"Lộ trình các trang đang dùng: **{STRAIGHT}**." in infos
    assert any(i.startswith("Chưa có số liệu hằng tháng nên chưa thể đề xuất") for i in infos)
    assert not at.dataframe
