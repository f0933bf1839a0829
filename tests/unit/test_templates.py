"""Templates must read back through the reader with every code intact."""

import io

import openpyxl
import pandas as pd
import pytest

from analytics.intake.fields import MONTHLY
from analytics.intake.reading import read
from analytics.intake.templates import GUIDE, SHEET, monthly_template_csv, monthly_template_xlsx
from analytics.intake.units import Units

UNITS = pd.DataFrame({"code": ["01234", "01237", "25000"],
                      "name": ["Xã Tân Hưng", "Phường Đông Thụy Anh", "Xã Hòa Bình"]})
FIELDS = {"code", "commune", "period", "total", "compulsory", "voluntary", "labour_force"}


def read_table(data, filename, period=None):
    """The template as the upload reads it; its rows are communes even before any figure is filled in."""
    return read(data, filename, Units.of(zip(UNITS["code"], UNITS["name"])), MONTHLY, typed=period)


def test_xlsx_reads_back_with_codes_as_text():
    raw = read_table(monthly_template_xlsx(UNITS, "2026-01"), "mau.xlsx")
    assert raw.problems == []
    assert raw.sheet == SHEET
    assert set(raw.headers) == FIELDS
    assert raw.headers["period"] == "Kỳ (YYYY-MM)"
    written = raw.as_written()
    assert list(written["code"]) == ["01234", "01237", "25000"]
    assert list(written["commune"]) == list(UNITS["name"])
    assert list(written["period"]) == ["2026-01"] * 3
    assert list(written["_row"]) == [4, 5, 6]
    assert written["total"].isna().all()


def test_xlsx_without_month_leaves_it_to_the_upload():
    assert list(read_table(monthly_template_xlsx(UNITS), "mau.xlsx", period="2026-02").as_written()["period"]) == \
        ["2026-02"] * 3
    assert read_table(monthly_template_xlsx(UNITS), "mau.xlsx").problems[0].code == "no_period"


def test_numeric_codes_get_their_leading_zeros_back():
    units = pd.DataFrame({"code": [1234, 25000], "name": ["Xã A", "Xã B"]})
    raw = read(monthly_template_xlsx(units, "2026-01"), "mau.xlsx", Units.of([("01234", "Xã A"), ("25000", "Xã B")]),
               MONTHLY)
    assert list(raw.as_written()["code"]) == ["01234", "25000"]


def test_xlsx_layout_validation_and_guide():
    book = openpyxl.load_workbook(io.BytesIO(monthly_template_xlsx(UNITS, "2026-01")))
    assert book.sheetnames == [SHEET, GUIDE]
    ws = book[SHEET]
    assert ws.freeze_panes == "C4"
    assert ws["A4"].data_type == "s" and ws["A4"].number_format == "@"
    assert ws["A4"].fill.fgColor.rgb.endswith("D9D9D9") and ws["B6"].fill.fgColor.rgb.endswith("D9D9D9")
    counts = [dv for dv in ws.data_validations.dataValidation if dv.type == "whole"]
    assert len(counts) == 1
    rule = counts[0]
    assert (rule.operator, rule.formula1, str(rule.sqref)) == ("greaterThanOrEqual", "0", "D4:G6")
    assert rule.showErrorMessage and "số nguyên" in rule.error
    assert "Hướng dẫn".upper() in book[GUIDE]["A1"].value.upper()


@pytest.mark.parametrize("period,written", [("2026-01", "T01/2026"), (None, "")])
def test_csv_has_bom_semicolons_and_reads_back(period, written):
    data = monthly_template_csv(UNITS, period)
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[1] == f"01234;Xã Tân Hưng;{written};;;;"
    raw = read_table(data, "mau.csv", period="2026-03")
    assert [(p.code, p.params) for p in raw.problems] == ([] if period is None else [
        ("typed_month_overrides", {"typed": "2026-03", "said": "cột kỳ báo cáo: tháng 1/2026"})])
    assert set(raw.headers) == FIELDS
    assert list(raw.as_written()["code"]) == ["01234", "01237", "25000"]
    assert list(raw.as_written()["period"]) == ["2026-03"] * 3
