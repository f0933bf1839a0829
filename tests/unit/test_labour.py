"""Coverage of the working-age labour force, worked by hand: the denominator's rule, source and year, and the
plan's headline percentages checked against its counts.

The tiny plan's three communes in 2026-03: Phố Hiến (11953) 20.500 participants of whom 1.100 voluntary, Tân Hưng
(11977) 1.400 / 290, Hồng Châu (11980) 1.700 / 400. Their labour force in 2026, uploaded with the source
«Cục Thống kê tỉnh»: 41.000, 2.800 and 3.200 (47.000 in all).
"""

import dataclasses
import datetime as dt
import io

import openpyxl
import pytest

from analytics.errors import SettingsError, SourceMissing
from analytics.figures import coverage, standing
from analytics.intake import apply, prepare
from analytics.intake.catalogue import OFFERED
from analytics.intake.templates import LABOUR_SHEET
from analytics.settings import load_settings
from analytics.storage import db
from analytics.units import headline
from analytics.units.targets import findings_view
from tests.helpers import ANALYST, record_monthly

SOURCE = "Cục Thống kê tỉnh"
MARCH = [("2026-03", "11953", 20500, 1100), ("2026-03", "11977", 1400, 290), ("2026-03", "11980", 1700, 400)]
HEADER = "Năm;Mã xã;Tên xã, phường;Lực lượng lao động trong độ tuổi"


def labour_csv(*rows) -> bytes:
    """(year, code, labour force) rows, the name column left blank."""
    return "\n".join([HEADER, *(f"{year};{code};;{people}" for year, code, people in rows)]).encode()


def upload_labour(con, *rows, source=SOURCE) -> int:
    prepared = prepare(con, labour_csv(*rows), "llld.csv", kind="labour")
    assert prepared.checked.problems == []
    return apply(con, prepared, user=ANALYST, source=source)


@pytest.fixture
def march(tiny):
    record_monthly(tiny, MARCH)
    return tiny


def test_province_and_commune_coverage_name_their_denominator(march, tiny_settings):
    """Province: 23.600 ÷ 47.000 = 50,21 % → «50,2 %»; voluntary 1.790 ÷ 47.000 = 3,81 % → «3,8 %».
    Phố Hiến: 20.500 ÷ 41.000 = 50,0 %; voluntary 1.100 ÷ 41.000 = 2,68 % → «2,7 %»."""
    upload = upload_labour(march, (2026, "11953", 41000), (2026, "11977", 2800), (2026, "11980", 3200))
    province = coverage.of_scope(march, tiny_settings, "2026-03")
    words = f"LLLĐ trong độ tuổi năm 2026, nguồn: {SOURCE}, tải lên số {upload}"
    assert (province.total, province.voluntary, province.denominator.people) == (23600, 1790, 47000)
    assert province.caption() == f"50,2 % của 47.000 người ({words})"
    assert province.caption(voluntary=True) == f"3,8 % của 47.000 người ({words})"
    commune = coverage.of_scope(march, tiny_settings, "2026-03", ["11953"])
    assert commune.caption() == f"50,0 % của 41.000 người ({words})"
    assert commune.caption(voluntary=True) == f"2,7 % của 41.000 người ({words})"
    # the map's and scorecard's per-commune figure is the same ratio: Tân Hưng 1.400 ÷ 2.800 = 50 %
    row = standing.commune_table(march, tiny_settings, "2026-03").set_index("code").loc["11977"]
    assert (row["labour_coverage"], row["labour_year"], row["labour_source"]) == (0.5, 2026, SOURCE)


def test_a_later_month_uses_the_latest_earlier_year_and_says_so(tiny, tiny_settings):
    """2027-01 with only 2026 figures: 20.500 ÷ 41.000 = 50,0 % against the 2026 figure, said to be the latest."""
    record_monthly(tiny, [("2027-01", "11953", 20500, 1100)])
    upload = upload_labour(tiny, (2026, "11953", 41000))
    found = coverage.of_scope(tiny, tiny_settings, "2027-01", ["11953"])
    assert found.caption() == (f"50,0 % của 41.000 người (LLLĐ trong độ tuổi năm 2026 (năm gần nhất đến 2027 có số "
                               f"liệu), nguồn: {SOURCE}, tải lên số {upload})")


def test_incomplete_commune_figures_never_mix_with_the_province_figure(march, tiny_settings):
    """Hồng Châu has no figure: the province falls back to the plan file's 50.000 for 2026 (23.600 ÷ 50.000 =
    47,2 %), a former district (or any other scope) has no denominator, and Hồng Châu itself has no coverage."""
    upload_labour(march, (2026, "11953", 41000), (2026, "11977", 2800))
    with_province = dataclasses.replace(tiny_settings, labour_force={2026: 50000},
                                        labour_force_source="Niên giám thống kê 2025")
    province = coverage.of_scope(march, with_province, "2026-03")
    assert province.denominator.basis == coverage.PROVINCE
    assert province.caption() == ("47,2 % của 50.000 người (LLLĐ trong độ tuổi toàn tỉnh năm 2026, nguồn: Niên giám "
                                  "thống kê 2025, số ghi trong kế hoạch)")
    part = coverage.of_scope(march, with_province, "2026-03", ["11953", "11980"])
    assert part.caption() == ("không có mẫu số: 1/2 xã, phường chưa có số lực lượng lao động năm 2026 hoặc năm "
                              "trước đó")
    assert coverage.of_scope(march, tiny_settings, "2026-03").denominator.basis == coverage.NONE
    table = standing.commune_table(march, tiny_settings, "2026-03").set_index("code")
    assert table.loc["11980", "labour_coverage"] != table.loc["11980", "labour_coverage"]  # NaN


def test_groups_sum_their_communes(march, tiny_settings):
    """Every commune has a figure: each former district's coverage is its communes' sum over their labour force."""
    upload_labour(march, (2026, "11953", 41000), (2026, "11977", 2800), (2026, "11980", 3200))
    groups = coverage.by_group(march, tiny_settings, "2026-03")
    table = standing.commune_table(march, tiny_settings, "2026-03")
    for row in groups.itertuples():
        members = table[table["former_district"] == row.group]
        assert (row.total, row.labour_force) == (members["total"].sum(), members["labour_force"].sum())
    assert groups["labour_force"].sum() == 47000


def test_the_source_is_required_and_nothing_is_stored_without_it(tiny):
    prepared = prepare(tiny, labour_csv((2026, "11953", 41000)), "llld.csv", kind="labour")
    before = db.checksums(tiny)
    with pytest.raises(SourceMissing, match="Hãy ghi nguồn số liệu"):
        apply(tiny, prepared, user=ANALYST, source="  ")
    assert db.checksums(tiny) == before


def test_headline_finding_on_the_shipped_plan(con):
    """981.535 ÷ 0,60 = 1.635.891,7 → 1.635.892; 106.055 ÷ 0,05 = 2.121.100; apart by 485.208.
    Rounded percentages: 981.535 ÷ 0,605 = 1.622.371,9 and ÷ 0,595 = 1.649.638,7; 106.055 ÷ 0,055 = 1.928.272,7
    and ÷ 0,045 = 2.356.777,8: the two ranges do not meet, so no labour force fits both."""
    found = findings_view(con)
    mine = found[found["kind"] == "headline_inconsistent"].to_dict("records")
    assert mine == [{
        "kind": "headline_inconsistent", "subject": "Mục tiêu chung: 60 % và 5 % lực lượng lao động",
        "detail": (
            "981.535 người tham gia là 60 % lực lượng lao động thì lực lượng lao động là 981.535 ÷ 0,60 = 1.635.892 "
            "người; 106.055 người tham gia tự nguyện là 5 % thì lực lượng lao động là 106.055 ÷ 0,05 = 2.121.100 "
            "người. Hai con số không thể cùng đúng với một lực lượng lao động (chênh 485.208 người), kể cả khi các "
            "tỷ lệ đã được làm tròn: 59,5–60,5 % cho 1.622.372–1.649.639 người, 4,5–5,5 % cho "
            "1.928.273–2.356.778 người. Không con số nào được chọn thay; cần cơ quan ban hành kế hoạch xác nhận."),
        "status": "open"}]


def test_headline_counts_against_a_known_labour_force(con, settings):
    """With 1.700.000 people for 2026 in the plan file: 981.535 ÷ 1.700.000 = 57,74 % → «57,7 %»,
    106.055 ÷ 1.700.000 = 6,24 % → «6,2 %»; no figure for 2030, so 2026 is the latest known."""
    assert coverage.headline_check(con, settings) is None
    known = dataclasses.replace(settings, labour_force={2026: 1_700_000}, labour_force_source="Cục Thống kê")
    denominator, lines = coverage.headline_check(con, known)
    assert denominator.words() == ("LLLĐ trong độ tuổi toàn tỉnh năm 2026 (năm gần nhất đến 2030 có số liệu), "
                                   "nguồn: Cục Thống kê, số ghi trong kế hoạch")
    assert lines == ["981.535 người tham gia ÷ 1.700.000 = 57,7 % (kế hoạch ghi 60 %)",
                     "106.055 người tham gia tự nguyện ÷ 1.700.000 = 6,2 % (kế hoạch ghi 5 %)"]


def test_consistent_headline_has_no_finding():
    """300 at 60 % and 25 at 5 % both give 500 people."""
    assert headline.findings(load_settings().headline.__class__(300, 25, 60, 5)) == []


def test_labour_template_lists_every_commune_and_reads_back(tiny, tiny_settings):
    offer = next(o for o in OFFERED if o.kind == "labour")
    registry = db.query(tiny, "SELECT code, name FROM communes ORDER BY code")
    book = openpyxl.load_workbook(io.BytesIO(offer.xlsx(registry)))
    rows = list(book[LABOUR_SHEET].iter_rows(values_only=True))
    year = min(max(dt.date.today().year, 2026), 2030)
    assert rows == [("Năm", "Mã xã", "Tên xã, phường", "Lực lượng lao động trong độ tuổi"),
                    (year, "11953", "Phường Phố Hiến", None), (year, "11977", "Xã Tân Hưng", None),
                    (year, "11980", "Phường Hồng Châu", None)]
    text = offer.csv(registry).decode("utf-8-sig").splitlines()
    assert text[0] == HEADER and text[1] == f"{year};11953;Phường Phố Hiến;"
    filled = text[0] + "\n" + "\n".join(line + "4000" for line in text[1:])
    prepared = prepare(tiny, filled.encode(), "mau.csv", kind="labour")
    assert prepared.checked.problems == [] and len(prepared.checked.table) == 3


def test_a_province_figure_needs_its_source(tmp_path):
    plan = tmp_path / "plan.toml"
    text = load_settings().targets_path.parent.joinpath("plan.toml").read_text(encoding="utf-8")
    plan.write_text(text.replace("figures = {}", "figures = { 2026 = 1650000 }"), encoding="utf-8")
    with pytest.raises(SettingsError, match="thiếu source"):
        load_settings(plan)
