"""The Steering Committee briefing: its figures equal the dashboard's, in Word, Excel, PDF and on the page."""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import re
import shutil
import subprocess

import openpyxl
import pandas as pd
import pytest
from docx import Document
from docx.shared import Pt
from PIL import Image

import ui.briefing
from analytics.figures import outlook, standing
from analytics.reports import briefing
from analytics.storage import db, reads
from analytics.text import fmt, labels
from tests.helpers import ROOT, file_bytes, offered, record_monthly

PERIOD = "2026-10"
INJECTED = '=HYPERLINK("http://example.invalid","x")'


@pytest.fixture(scope="module")
def report(demo_db_file, tmp_path_factory, settings):
    """Demo months 2026-01..2026-10 with a hostile upload file name, both files for 2026-10, and the
    dashboard's own figures for the same month to compare them with."""
    path = tmp_path_factory.mktemp("briefing") / "bhxh.duckdb"
    shutil.copy(demo_db_file, path)
    con = db.connect(path)
    con.execute("UPDATE uploads SET file_name = ?", [INJECTED])
    table = standing.commune_table(con, settings, PERIOD)
    expected = {
        "summary": standing.summary(con, settings, PERIOD),
        "table": table,
        "lagging": standing.lagging(table, ["very_late", "late"], ["total", "voluntary"]),
        "outlook": outlook.province_outlook(con, settings, until=PERIOD),
        "updated": reads.last_upload_time(con),
    }
    files = {kind: build(con, settings, PERIOD)
             for kind, build in (("docx", briefing.briefing_docx), ("xlsx", briefing.briefing_xlsx))}
    con.close()
    return files, expected


def figure_table(doc, first_label):
    """Label -> value of the TT / Nội dung / Đơn vị tính / Số liệu table whose first row is ``first_label``."""
    for table in doc.tables:
        rows = [[c.text for c in r.cells] for r in table.rows]
        if rows[0] == ["TT", "Nội dung", "Đơn vị tính", "Số liệu"] and rows[1][1].startswith(first_label):
            return {r[1]: r[3] for r in rows[1:]}
    raise AssertionError(f"no figure table starting with {first_label!r}")


def test_quarter_label():
    assert briefing.quarter_label("2026-10") == "quý IV/2026"
    assert briefing.quarter_label("2026-03") == "quý I/2026"


def test_net_increases_per_commune_skip_missing_reports():
    values = pd.DataFrame([
        ("2025-12", "A", 90), ("2026-03", "A", 120), ("2026-04", "A", 125), ("2026-05", "A", 131),
        ("2026-03", "B", 50), ("2026-05", "B", 58),  # B missed April
        ("2026-06", "A", 999),  # after the period: ignored
    ], columns=["period", "code", "total"]).assign(compulsory=math.nan, voluntary=math.nan, labour_force=math.nan)
    # Month: A 131 - 125; B has no April, so it is left out rather than counted as +58.
    # Quarter II to date: A 131 - 120, B 58 - 50. Year: A 131 - 90; B has no 2025 figure.
    assert briefing.net_increases(values, "2026-05") == {"M": 6.0, "Q": 19.0, "Y": 41.0}
    assert math.isnan(briefing.net_increases(values, "2026-03")["M"])  # nobody reported February


def test_file_names_carry_the_period():
    assert briefing.file_name("docx", "2026-10") == "bao-cao-bhxh-2026-10.docx"
    assert briefing.file_name("xlsx", "2027-01") == "bao-cao-bhxh-2027-01.xlsx"
    with pytest.raises(ValueError):
        briefing.file_name("pdf", "2026-10")
    with pytest.raises(ValueError):
        briefing.file_name("docx", "2026-13")


def test_docx_layout_and_summary_equal_the_dashboard(report):
    files, expected = report
    doc = Document(io.BytesIO(files["docx"]))
    section = doc.sections[0]
    lengths = (section.page_width, section.page_height, section.top_margin, section.bottom_margin,
               section.left_margin, section.right_margin)
    assert [round(x.cm, 2) for x in lengths] == [21, 29.7, 2, 2, 3, 2]  # A4; stored in twips, hence rounding
    assert (doc.styles["Normal"].font.name, doc.styles["Normal"].font.size) == ("Times New Roman", Pt(13))

    issuer, motto = (cell.text for cell in doc.tables[0].rows[0].cells)
    assert issuer.startswith("ỦY BAN NHÂN DÂN TỈNH HƯNG YÊN")
    assert motto.startswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc")
    assert doc.tables[0].style.name != "Table Grid"  # the header block has no borders
    text = [p.text for p in doc.paragraphs]
    title = text.index("BÁO CÁO")
    assert text[title + 1:title + 3] == ["Kết quả phát triển đối tượng tham gia bảo hiểm xã hội", "Tháng 10/2026"]
    assert any(t.startswith("DỮ LIỆU MINH HỌA") for t in text)
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert [h.split(".")[0] for h in headings] == ["I", "II", "III", "IV", "V", "VI"]
    assert headings[-2:] == ["V. KINH PHÍ HỖ TRỢ ĐÓNG BHXH TỰ NGUYỆN ĐẾN NĂM 2030", "VI. ĐỀ XUẤT, KIẾN NGHỊ"]
    # Section I ends with a short part on each of the plan's other measures, each under its own heading.
    coverage = text.index("Bao phủ lực lượng lao động trong độ tuổi")
    arrears = text.index("Nợ, chậm đóng, trốn đóng BHXH")
    assert coverage < arrears < text.index(headings[1])
    assert text[coverage + 1].startswith(
        "Đến hết tháng 10/2026, số người tham gia BHXH bằng 44,0 % của 1.655.320 người (LLLĐ trong độ tuổi năm "
        "2026, nguồn: Số liệu minh hoạ")  # 728.037 ÷ 1.655.320 = 0,4398, as the overview shows

    s = expected["summary"]
    figures = figure_table(doc, "Số người tham gia BHXH")
    assert figures["Số người tham gia BHXH"] == fmt.number(s.total) == "728.037"
    assert figures["Tỷ lệ so với chỉ tiêu năm 2030 (979.406 người)"] == fmt.number(s.attainment * 100, 1)
    assert figures["Trong đó: số người tham gia BHXH tự nguyện"] == fmt.number(s.voluntary)
    assert figures["Số xã, phường đạt tiến độ theo lộ trình"] == fmt.number(s.on_track)
    # The report sums per-commune stock differences; the summary sums each commune's net_1m: same figure.
    assert figures["Tăng ròng trong tháng 10/2026"] == fmt.signed(s.net)
    # Quarter IV holds only October so far, and the demo has no 2025 figures to compare the year with.
    assert figures["Tăng ròng quý IV/2026 (đến hết tháng 10/2026)"] == fmt.signed(s.net)
    assert figures["Tăng ròng năm 2026 (so với cuối năm 2025)"] == "—"
    assert len(doc.inline_shapes) == 3  # trend, voluntary trend, projection fan
    assert [t for t in text if t.startswith("Hình ")][-1].startswith("Hình 3. ")

    # The body reads as a report: where the figures come from is a closing note, naming no page of the
    # dashboard and no file, and the plan's own total beside the communes' sum is said there only.
    notes = text[text.index("Nguồn số liệu"):]
    body = " ".join(text[:text.index("Nguồn số liệu")])
    updated = fmt.date(expected["updated"])
    assert f"Số liệu hằng tháng: do cơ quan Bảo hiểm xã hội cung cấp, cập nhật đến ngày {updated}." in notes
    assert ("Chỉ tiêu năm 2030 trong báo cáo là tổng chỉ tiêu của các xã, phường (979.406 người); kế hoạch ghi tổng số "
            "981.535 người, chênh lệch 2.129 người đang được rà soát.") in notes
    assert "981.535" not in body and "Phương pháp" not in body
    every = " ".join(text + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    for technical in ("trang «", "Kiểm tra dữ liệu", "Nhập số liệu", ".csv", "lần tải lên", "Theil"):
        assert technical not in every

    props = doc.core_properties
    assert props.author == props.last_modified_by == "Ủy ban nhân dân tỉnh Hưng Yên"
    assert props.title == "Báo cáo kết quả phát triển đối tượng tham gia BHXH tháng 10/2026"
    assert props.created.date() == props.modified.date() == dt.date.today()


def test_docx_lagging_and_projection_equal_the_dashboard(report):
    files, expected = report
    doc = Document(io.BytesIO(files["docx"]))
    table = next(t for t in doc.tables if t.rows[0].cells[-1].text == "Chậm về")
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    lag = expected["lagging"]
    assert len(lag) > 0
    assert [r[1] for r in rows] == lag["name"].tolist()
    assert [r[0] for r in rows] == [str(i) for i in range(1, len(lag) + 1)]
    assert [r[2] for r in rows] == lag["status"].map(labels.STATUS).tolist()
    assert {r[5] for r in rows} <= set(labels.REASON.values())
    assert [r[3] for r in rows] == [fmt.number(p * 100, 1) for p in lag["progress"]]

    o = expected["outlook"]
    fit = o["projection"]
    projection = figure_table(doc, "Số người tham gia tháng 10/2026")
    assert projection["Dự báo số người tham gia tháng 12/2030"] == fmt.number(fit.projected)
    assert projection["Cận dưới của khoảng dự báo 80 %"] == fmt.number(fit.lower80)
    assert projection["Mức tăng ròng cần đạt mỗi tháng để đạt chỉ tiêu"] == fmt.number(o["required"])
    label = "Số còn thiếu so với chỉ tiêu theo dự báo" if o["gap"] >= 0 else "Số vượt chỉ tiêu theo dự báo"
    assert projection[label] == fmt.number(abs(o["gap"]))


def test_xlsx_sheets_equal_the_dashboard(report):
    files, expected = report
    book = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
    assert book.sheetnames == ["Tổng hợp", "Xã phường", "Chậm tiến độ", "Dự báo 2030", "Nguồn dữ liệu"]
    assert all(ws.freeze_panes for ws in book)

    summary = {r[0].value: r[2] for r in book["Tổng hợp"].iter_rows(min_row=2) if r[0].value}
    assert summary["Số người tham gia BHXH"].value == expected["summary"].total
    assert summary["Số người tham gia BHXH"].number_format == "#,##0"
    assert summary["Tỷ lệ so với chỉ tiêu năm 2030 (979.406 người)"].number_format == "0.0%"

    ws = book["Xã phường"]
    assert ws.freeze_panes == "C2"
    header = [c.value for c in ws[1]]
    table = labels.shown(expected["table"])  # statuses and reasons in words
    assert ws.max_row == len(table) + 1 == 105
    for column, title in briefing.COMMUNE_COLUMNS.items():
        cells = [row[header.index(title)] for row in ws.iter_rows(min_row=2)]
        for cell, want in zip(cells, table[column]):
            if isinstance(want, str):
                assert cell.value == want, (column, cell.coordinate)
            elif pd.isna(want):
                assert cell.value is None, (column, cell.coordinate)
            else:
                assert cell.value == pytest.approx(float(want)), (column, cell.coordinate)
    total, progress = (header.index(t) for t in ("Số tham gia", "Tiến độ tổng số"))
    assert ws.cell(2, total + 1).number_format == "#,##0"
    assert ws.cell(2, progress + 1).number_format == "0.0%"
    assert ws.column_dimensions["B"].width > 15

    lagging = book["Chậm tiến độ"]
    assert [r[2].value for r in lagging.iter_rows(min_row=2)] == expected["lagging"]["name"].tolist()

    forecast = next(book["Dự báo 2030"].iter_rows(min_row=2, max_row=2))
    assert forecast[1].value == "Toàn tỉnh Hưng Yên"
    assert forecast[4].value == pytest.approx(expected["outlook"]["projection"].projected)

    sources = book["Nguồn dữ liệu"]
    names = [c for row in sources.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert {(c.value, c.data_type) for c in names} == {("'" + INJECTED, "s")}  # every upload, neutralised


def test_first_month_has_no_lagging_commune_and_no_projection_yet(demo_db, settings):
    con = db.connect(demo_db)
    doc = Document(io.BytesIO(briefing.briefing_docx(con, settings, "2026-01")))
    text = [p.text for p in doc.paragraphs]
    # In the baseline month every reporting commune sits on its own path, so none lags.
    assert "Trong tháng 1/2026 không có xã, phường nào chậm tiến độ." in text
    assert not [t for t in doc.tables if t.rows[0].cells[-1].text == "Chậm về"]
    assert any(t.startswith("Chưa đủ số liệu để dự báo.") for t in text)
    # One month is a dot, not a line: no chart at all, a sentence with the month's figures instead.
    assert len(doc.inline_shapes) == 0
    assert any(t.startswith("Mới có số liệu 1 tháng (tháng 1/2026), chưa đủ 3 tháng để vẽ diễn biến.") for t in text)
    figures = figure_table(doc, "Số người tham gia BHXH")
    assert figures["Tăng ròng trong tháng 1/2026"] == "—"
    book = openpyxl.load_workbook(io.BytesIO(briefing.briefing_xlsx(con, settings, "2026-01")))
    con.close()
    assert book["Chậm tiến độ"].max_row == 1


def tool(name: str) -> str:
    """A command the PDF check needs: required in CI, which installs it; outside CI a missing one skips."""
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing; .ci/run installs libreoffice-writer-nogui and poppler-utils")
        pytest.skip(f"{name} not installed (apt-get install -y libreoffice-writer-nogui poppler-utils)")
    return found


@pytest.mark.office
def test_docx_prints_as_a_short_pdf_with_vietnamese_text(report, tmp_path):
    """LibreOffice lays the report out; the first two pages go to screenshots/ (git-ignored) to look at."""
    soffice, pdfinfo, pdftotext, pdftoppm = (tool(n) for n in ("soffice", "pdfinfo", "pdftotext", "pdftoppm"))
    source = tmp_path / briefing.file_name("docx", PERIOD)
    source.write_bytes(report[0]["docx"])
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=600)  # only stops a hung LibreOffice
    pdf = source.with_suffix(".pdf")
    info = subprocess.run([pdfinfo, str(pdf)], check=True, capture_output=True, text=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)[1])
    assert 3 <= pages <= 6  # measured: 4 (summary, two charts, 13 lagging communes, projection, proposals)
    text = " ".join(subprocess.run([pdftotext, str(pdf), "-"], check=True, capture_output=True,
                                   text=True).stdout.split())
    for phrase in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Kết quả phát triển đối tượng tham gia bảo hiểm xã hội",
                   "VI. ĐỀ XUẤT, KIẾN NGHỊ", "Xã Đại Đồng", "Nguồn số liệu"):
        assert phrase in text
    assert_rule_under_the_motto(pdf, pdftotext, pdftoppm, tmp_path)
    shots = ROOT / "screenshots"
    shots.mkdir(exist_ok=True)
    subprocess.run([pdftoppm, "-r", "60", "-png", "-f", "1", "-l", "2", str(pdf), str(shots / "briefing")],
                   check=True, timeout=600)
    assert sorted(p.name for p in shots.glob("briefing-*.png")) == ["briefing-1.png", "briefing-2.png"]


def assert_rule_under_the_motto(pdf, pdftotext, pdftoppm, tmp_path):
    """On page 1 as LibreOffice laid it out, a line as long as «Độc lập - Tự do - Hạnh phúc» runs below that line
    of text and above the next one, touching neither."""
    layout = subprocess.run([pdftotext, "-bbox", "-f", "1", "-l", "1", str(pdf), "-"], check=True,
                            capture_output=True, text=True).stdout
    words = [(float(x0), float(y0), float(x1), float(y1), w) for x0, y0, x1, y1, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', layout)]
    motto = [w for w in words if w[4] in ("Độc", "lập", "Tự", "Hạnh", "phúc")]
    left, right = min(w[0] for w in motto), max(w[2] for w in motto)
    bottom = max(w[3] for w in motto)
    below = min(w[1] for w in words if w[1] > bottom and w[2] > left and w[0] < right)  # "Hưng Yên, ngày …"
    dpi = 144  # 2 px a point
    subprocess.run([pdftoppm, "-r", str(dpi), "-gray", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True, timeout=600)
    page = Image.open(next(tmp_path.glob("page*.pgm")))
    scale = dpi / 72
    runs = []
    for y in range(int(bottom * scale), int(below * scale)):
        dark = [x for x in range(int((left - 20) * scale), int((right + 20) * scale)) if page.getpixel((x, y)) < 128]
        if len(dark) > 0.8 * (right - left) * scale:
            runs.append((y, dark[0] / scale, dark[-1] / scale))
    assert runs, "no line between the motto and the line below it"
    y, start, end = runs[0]
    assert bottom * scale < y < below * scale
    assert abs((end - start) - (right - left)) < 0.15 * (right - left)  # as long as the motto


def served(at) -> dict[str, bytes]:
    """file name -> bytes of every file the page offers."""
    return {offer.file_name: file_bytes(offer) for _, offer in offered(at)}


@pytest.mark.slow
def test_page_offers_both_files_named_by_period(run_page, demo_db):
    at = run_page(ui.briefing.page, demo_db)
    assert [label for label, _ in offered(at)] == ["Tải báo cáo (Word)", "Tải số liệu (Excel)"]
    files = served(at)
    assert set(files) == {"bao-cao-bhxh-2026-10.docx", "bao-cao-bhxh-2026-10.xlsx"}
    doc = Document(io.BytesIO(files["bao-cao-bhxh-2026-10.docx"]))
    assert "Tháng 10/2026" in [p.text for p in doc.paragraphs]

    period = next(s for s in at.selectbox if s.label == "Kỳ báo cáo")
    assert period.value == PERIOD
    period.set_value("2026-09").run()
    assert not at.exception
    assert set(served(at)) == {"bao-cao-bhxh-2026-09.docx", "bao-cao-bhxh-2026-09.xlsx"}


def test_page_without_figures_says_so(run_page, tiny_db):
    at = run_page(ui.briefing.page, tiny_db)
    assert not offered(at)
    assert "Chưa có số liệu hằng tháng" in at.info[0].value



def test_workbook_for_a_first_month_with_nothing_before_it(tiny, tiny_settings):
    """The first real upload leaves one month: growth, with nothing to grow from, is a blank cell, not 0 or text."""
    record_monthly(tiny, [("2026-10", "11953", 1000, 100)])
    book = openpyxl.load_workbook(io.BytesIO(briefing.briefing_xlsx(tiny, tiny_settings, "2026-10")))
    summary = {r[0].value: r[2] for r in book["Tổng hợp"].iter_rows(min_row=2) if r[0].value}
    assert summary["Số người tham gia BHXH"].value == 1000
    for label in ("Tăng ròng trong tháng 10/2026", "Tăng ròng quý IV/2026 (đến hết tháng 10/2026)",
                  "Tăng ròng năm 2026 (so với cuối năm 2025)"):
        assert (summary[label].value, summary[label].data_type) == (None, "n"), label
    ws = book["Xã phường"]
    header = [c.value for c in ws[1]]
    rows = {r[header.index("Mã")].value: r for r in ws.iter_rows(min_row=2)}
    assert sorted(rows) == sorted(["11953", "11977", "11980"])
    for code, row in rows.items():
        for title in ("Tăng ròng 1 tháng", "Tăng ròng 3 tháng", "Tăng ròng 12 tháng"):
            assert row[header.index(title)].value is None, (code, title)
    # Communes without a figure stay blank too, with neither a status nor a reason of lagging.
    assert rows["11977"][header.index("Số tham gia")].value is None
    assert rows["11977"][header.index("Trạng thái")].value == "Chưa có số liệu"
    assert rows["11977"][header.index("Chậm về")].value is None
