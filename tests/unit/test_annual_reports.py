"""The year's reports: 104 commune forms read back from their ZIP, the province's report against the figures
the pages use, both printed by LibreOffice, and the pages that offer them and count returned reports."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile

import openpyxl
import pandas as pd
import pytest
from docx import Document

import ui.annual_report
import ui.completeness
from analytics.figures import arrears, evaluation, scorecard, spans, standing
from analytics.figures.annual import annual_targets
from analytics.figures.completeness import completeness_share, reporting
from analytics.figures.standing import reported_periods
from analytics.reports import commune_form, province_annual
from analytics.storage import db, writes
from analytics.text import fmt, labels
from tests.helpers import ANALYST, DEMO_TODAY, ROOT, docx_bytes, offered
from tests.unit.test_briefing import figure_table, tool

YEAR = 2026
ON_TIME, LATE = "11986", "12049"  # Như Quỳnh returns its report on 10/12, Mễ Sở on 18/12


@pytest.fixture(scope="module")
def year_db(demo_db_file, tmp_path_factory, settings):
    """The demo months 2026-01..2026-10 and two returned reports, one on time and one late."""
    path = tmp_path_factory.mktemp("annual") / "bhxh.duckdb"
    shutil.copy(demo_db_file, path)
    con = db.connect(path)
    for code, day in ((ON_TIME, 10), (LATE, 18)):
        writes.record_commune_report(con, ANALYST, settings, code, YEAR, f"{code}.docx", docx_bytes(code),
                               now=dt.datetime(YEAR, 12, day, 9))
    con.close()
    return path


@pytest.fixture(scope="module")
def expected(year_db, settings):
    """What the pages show for the year: stocks, the evaluation, the scorecard rank, the quarters."""
    con = db.connect(year_db, read_only=True)
    table = standing.commune_table(con, settings, str(YEAR))
    official = annual_targets(con)
    card = scorecard.build(table, official[official["year"] == YEAR],
                           completeness_share(reporting(con, settings, DEMO_TODAY, reported_periods(con))), settings,
                           arrears.communes(con, arrears.month_of(con, f"{YEAR}-12")))
    out = {"summary": standing.summary(con, settings, str(YEAR)),
           "graded": evaluation.evaluate(con, settings, YEAR, DEMO_TODAY).set_index("code"),
           "rank": card.set_index("code")["rank"],
           "quarters": standing.province_series(con, settings, spans.QUARTER).set_index("key")}
    con.close()
    return out


@pytest.fixture(scope="module")
def forms(year_db, settings):
    con = db.connect(year_db, read_only=True)
    figures = commune_form.year_figures(con, settings, YEAR, DEMO_TODAY)
    con.close()
    return zipfile.ZipFile(io.BytesIO(commune_form.forms_zip(figures, settings)))


@pytest.fixture(scope="module")
def province(year_db, settings):
    con = db.connect(year_db, read_only=True)
    figures = province_annual.annual_figures(con, settings, YEAR, DEMO_TODAY)
    con.close()
    return province_annual.annual_docx(figures, settings), province_annual.annual_xlsx(figures, settings)


@pytest.mark.slow
def test_the_zip_holds_one_form_per_commune_naming_it_and_its_figures(forms, expected):
    graded, rank = expected["graded"], expected["rank"]
    names = forms.namelist()
    assert len(names) == len(set(names)) == 104
    assert "bao-cao-nam-2026-11986-nhu-quynh.docx" in names
    for name in names:
        code = name.split("-")[4]
        row = graded.loc[code]
        doc = Document(io.BytesIO(forms.read(name)))
        issuer = doc.tables[0].rows[0].cells[0].text
        assert issuer.startswith(f"ỦY BAN NHÂN DÂN\n{row['name'].upper()}"), name
        text = [p.text for p in doc.paragraphs]
        assert f"của {row['name']}" in text and doc.core_properties.title.endswith(row["name"])
        assert doc.core_properties.author == f"Ủy ban nhân dân {row['name'][0].lower()}{row['name'][1:]}"
        figures = figure_table(doc, "Số người tham gia BHXH")
        assert figures["Số người tham gia BHXH (đến hết tháng 10/2026)"] == fmt.number(row["total"]), name
        assert figures["Trong đó: số người tham gia BHXH tự nguyện"] == fmt.number(row["voluntary"])
        source = labels.TARGET_SOURCE.get(row["target_source"], "chưa có").lower()
        assert figures[f"Chỉ tiêu năm 2026 ({source})"] == fmt.number(row["annual_target"])
        assert figures["Tỷ lệ đạt chỉ tiêu năm 2026"] == fmt.number(row["annual_attainment"], 1)
        assert figures["Chỉ tiêu năm 2030"] == fmt.number(row["target"])
        assert figures["Xếp hạng trong bảng điểm của tỉnh"] == f"{rank[code]}/104"
        headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
        assert headings == ["I. SỐ LIỆU KẾT QUẢ THỰC HIỆN NĂM 2026", "II. KẾT QUẢ ĐẠT ĐƯỢC",
                            "III. KHÓ KHĂN, VƯỚNG MẮC", "IV. GIẢI PHÁP", "V. ĐỀ XUẤT, KIẾN NGHỊ"]
        assert sum(t.startswith("(Phần do Ủy ban nhân dân xã, phường viết") for t in text) == 4
        assert len(doc.inline_shapes) == 1  # its chart


def test_province_report_equals_the_figures_of_the_year(province, expected, settings):
    s, graded, quarters = expected["summary"], expected["graded"], expected["quarters"]
    doc = Document(io.BytesIO(province[0]))
    superior, issuer = doc.tables[0].rows[0].cells[0].text.split("\n")[:2]
    assert (superior, issuer) == ("ỦY BAN NHÂN DÂN TỈNH HƯNG YÊN", "SỞ NỘI VỤ")
    text = [p.text for p in doc.paragraphs]
    assert f"Kết quả thực hiện {settings.title} năm 2026" in text
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert [h.split(".")[0] for h in headings] == ["I", "II", "III", "IV", "V", "VI"]
    assert headings[-1] == "VI. ĐỀ XUẤT, KIẾN NGHỊ"

    figures = figure_table(doc, "Số người tham gia BHXH")
    annual = graded["annual_target"].sum()
    assert figures["Số người tham gia BHXH (đến hết tháng 10/2026)"] == fmt.number(s.total) == "728.037"
    assert figures["Chỉ tiêu năm 2026 (tổng của các xã, phường)"] == fmt.number(annual)
    assert figures["Tỷ lệ đạt chỉ tiêu năm 2026"] == fmt.number(100 * s.total / annual, 1)
    assert figures["Tỷ lệ đạt chỉ tiêu năm 2030"] == fmt.number(100 * s.attainment, 1)
    assert figures["Tăng ròng năm 2026 (so với cuối năm 2025)"] == "—"  # the demo has no 2025
    assert figures["Số xã, phường đạt tiến độ theo lộ trình"] == fmt.number(s.on_track)
    for cls, label in labels.EVALUATION.items():
        assert figures[f"Số xã, phường xếp loại «{label}»"] == fmt.number((graded["evaluation"] == cls).sum())
    assert (figures["Số xã, phường gửi báo cáo năm đúng hạn"], figures["Số xã, phường gửi báo cáo năm muộn"],
            figures["Số xã, phường chưa gửi báo cáo năm"]) == ("1", "1", "102")

    quarter_table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Quý")
    rows = [[c.text for c in r.cells] for r in quarter_table.rows[1:]]
    assert [r[0] for r in rows] == ["Quý I/2026", "Quý II/2026", "Quý III/2026", "Quý IV/2026"]
    assert [r[1] for r in rows] == [fmt.number(quarters.loc[f"2026-Q{q}", "total"]) for q in range(1, 5)]
    assert [r[2] for r in rows] == [fmt.signed(quarters.loc[f"2026-Q{q}", "net"]) for q in range(1, 5)]

    communes = next(t for t in doc.tables if t.rows[0].cells[-1].text == "Xếp loại")
    rows = {r.cells[1].text: [c.text for c in r.cells] for r in communes.rows[1:]}
    assert len(rows) == 104
    for row in graded.itertuples():
        assert rows[row.name][2:] == [fmt.number(row.total), fmt.number(row.annual_target),
                                      fmt.number(row.annual_attainment, 1), fmt.number(row.attainment_2030, 1),
                                      labels.EVALUATION[row.evaluation]]
    assert "Các xã, phường gửi đúng hạn: Xã Như Quỳnh." in text
    assert "Các xã, phường gửi muộn: Xã Mễ Sở." in text

    # As the briefing: the issuer is the file's author, figures are numbered in order, and where the figures
    # come from is a closing note naming no page of the dashboard and no file.
    assert doc.core_properties.author == "Sở Nội vụ tỉnh Hưng Yên"
    assert [t.split(".")[0] for t in text if t.startswith("Hình ")] == ["Hình 1", "Hình 2"]
    notes = text[text.index("Nguồn số liệu"):]
    assert f"Chỉ tiêu đến năm 2030: theo Phụ lục {settings.title}." in notes
    assert not any(t in " ".join(text) for t in ("trang «", "lần tải lên", ".csv"))


def test_province_workbook_holds_every_table(province, expected):
    graded = expected["graded"]
    book = openpyxl.load_workbook(io.BytesIO(province[1]))
    assert book.sheetnames == ["Tổng hợp", "Theo quý", "Xã phường", "Báo cáo xã", "Dự báo 2030", "Nguồn dữ liệu"]
    summary = {r[0].value: r[2].value for r in book["Tổng hợp"].iter_rows(min_row=2) if r[0].value}
    assert summary["Số người tham gia BHXH (đến hết tháng 10/2026)"] == expected["summary"].total
    ws = book["Xã phường"]
    header = [c.value for c in ws[1]]
    shown = {r[header.index("Mã")].value: r for r in ws.iter_rows(min_row=2)}
    assert len(shown) == 104
    for code, row in graded.iterrows():
        cells = shown[code]
        assert cells[header.index("Số tham gia")].value == row["total"]
        attained = row["annual_attainment"]  # none for Xã Mễ Sở, which has no target
        assert cells[header.index("Đạt chỉ tiêu năm (%)")].value == (None if pd.isna(attained)
                                                                     else pytest.approx(attained))
        assert cells[header.index("Xếp loại")].value == labels.EVALUATION[row["evaluation"]]
        assert cells[header.index("Lý do xếp loại")].value == row["reason"]
    quarters = [r[1].value for r in book["Theo quý"].iter_rows(min_row=2)]
    assert quarters == [expected["quarters"].loc[f"2026-Q{q}", "total"] for q in range(1, 5)]
    returns = {r[0].value: r[2].value for r in book["Báo cáo xã"].iter_rows(min_row=2)}
    assert (returns[ON_TIME], returns[LATE]) == ("Đúng hạn", "Muộn")
    sources = [r[1].value for r in book["Nguồn dữ liệu"].iter_rows(min_row=2)]
    assert "Đề xuất của dự án theo dõi, chờ Ủy ban nhân dân tỉnh quyết định" in sources


def printed(data: bytes, name: str, tmp_path) -> tuple[int, str]:
    """LibreOffice prints ``data`` to PDF; its page count and text. Page 1 goes to screenshots/ to look at."""
    soffice, pdfinfo, pdftotext, pdftoppm = (tool(n) for n in ("soffice", "pdfinfo", "pdftotext", "pdftoppm"))
    source = tmp_path / f"{name}.docx"
    source.write_bytes(data)
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=600)  # only stops a hung LibreOffice
    pdf = source.with_suffix(".pdf")
    info = subprocess.run([pdfinfo, str(pdf)], check=True, capture_output=True, text=True).stdout
    text = subprocess.run([pdftotext, str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    shots = ROOT / "screenshots"
    shots.mkdir(exist_ok=True)
    subprocess.run([pdftoppm, "-r", "60", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(shots / name)],
                   check=True, timeout=600)
    assert (shots / f"{name}.png").exists()
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)[1]), " ".join(text.split())


@pytest.mark.office
def test_both_kinds_print_as_short_pdfs(forms, province, tmp_path):
    pages, text = printed(forms.read("bao-cao-nam-2026-11986-nhu-quynh.docx"), "commune-form", tmp_path)
    assert 2 <= pages <= 4  # measured: 3 (figures and chart, four sections to write, signature)
    for phrase in ("ỦY BAN NHÂN DÂN XÃ NHƯ QUỲNH", "I. SỐ LIỆU KẾT QUẢ THỰC HIỆN NĂM 2026", "II. KẾT QUẢ ĐẠT ĐƯỢC",
                   "V. ĐỀ XUẤT, KIẾN NGHỊ", "TM. ỦY BAN NHÂN DÂN"):
        assert phrase in text
    pages, text = printed(province[0], "province-annual", tmp_path)
    assert 5 <= pages <= 9  # measured: 7 (summary, quarters and chart, 104 communes, reports, outlook, proposals)
    for phrase in ("SỞ NỘI VỤ", "II. TĂNG TRƯỞNG THEO QUÝ", "Xã Như Quỳnh", "VI. ĐỀ XUẤT, KIẾN NGHỊ", "GIÁM ĐỐC"):
        assert phrase in text


def test_page_offers_the_forms_the_report_and_the_evaluation(run_page, year_db, tmp_path, settings):
    database = tmp_path / "bhxh.duckdb"
    shutil.copy(year_db, database)
    con = db.connect(database, read_only=True)
    graded = evaluation.evaluate(con, settings, YEAR, dt.date.today())
    con.close()
    at = run_page(ui.annual_report.page, database)
    assert [label for label, _ in offered(at)] == [
        "Tải mẫu của 104 xã, phường (.zip)", "Tải mẫu (Word)", "Tải báo cáo của tỉnh (Word)", "Tải số liệu (Excel)",
        "Tải xếp loại (CSV)", "Tải xếp loại (Excel)"]
    cards = {m.label: m.value for m in at.metric}
    assert cards == {labels.EVALUATION[c]: fmt.number(n) for c, n in evaluation.class_counts(graded).items()}
    table = at.dataframe[0].value
    assert len(table) == 104 and table["reason"].tolist() == graded["reason"].tolist()


def test_completeness_page_counts_returned_reports(run_page, year_db, tmp_path, settings):
    database = tmp_path / "bhxh.duckdb"
    shutil.copy(year_db, database)
    at = run_page(ui.completeness.page, database)
    before = {m.label: m.value for m in at.metric}
    assert before["Báo cáo năm: đúng hạn"] == "1" and before["Báo cáo năm: muộn"] == "1"
    con = db.connect(database)
    writes.record_commune_report(con, ANALYST, settings, "11953", YEAR, "pho-hien.pdf", b"%PDF-1.7 signed",
                           now=dt.datetime(YEAR, 12, 12, 9))
    con.close()
    at = run_page(ui.completeness.page, database)
    assert {m.label: m.value for m in at.metric}["Báo cáo năm: đúng hạn"] == "2"
