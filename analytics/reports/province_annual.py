"""The province's report for 30/12: "Báo cáo kết quả thực hiện Kế hoạch … năm YYYY", in Word and Excel.

The Department of Home Affairs reports the year's results to the Provincial People's Committee. Both
files are built from one ``AnnualFigures``, whose every figure comes from the functions the pages use:
the year's values are stocks at each commune's last reported month (``stocks``), the classes come from
``evaluation``, the returned commune reports from ``commune_reports``, the outlook from ``outlook``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import pandas as pd

from analytics.figures import commune_reports, evaluation, outlook, spans, standing
from analytics.figures.completeness import LATE, MISSING, PENDING, PRESENT
from analytics.reports import blocks, images, sections
from analytics.reports.charts import trend
from analytics.settings import Settings
from analytics.storage import reads
from analytics.storage.db import Connection
from analytics.text import columns, fmt, labels
from analytics.units import targets

RECIPIENTS = ("- Ủy ban nhân dân tỉnh (để báo cáo);", "- Ban Chỉ đạo tỉnh;", "- Lưu: VT.")


@dataclass(frozen=True)
class AnnualFigures:
    """Everything the province's annual report states."""

    year: int
    state: dict  # standing.span_state of the year: its months with figures, whether December is in
    summary: standing.Summary  # of the year
    communes: pd.DataFrame  # evaluation.evaluate: each commune's figures, indicators, class and reason
    quarters: pd.DataFrame  # the year's four quarters: standing.province_series per quarter, blank where none
    returns: pd.DataFrame  # commune_reports.status for the year
    outlook: dict  # outlook.province_outlook as it stood at the year's last month with figures
    communes_outlook: pd.DataFrame  # outlook.commune_outlook, same cut
    plan: dict  # targets.plan_summary
    uploads: pd.DataFrame  # reads.uploads
    updated: dt.datetime | None
    demo: bool


def annual_figures(con: Connection, settings: Settings, year: int, today: dt.date) -> AnnualFigures:
    """The year's figures; the outlook uses no month after the year."""
    state = standing.span_state(con, str(year))
    until = state["last"] or f"{year}-12"
    series = standing.province_series(con, settings, spans.QUARTER)
    quarters = pd.DataFrame({"key": [f"{year}-Q{q}" for q in range(1, 5)]}).merge(series, on="key", how="left")
    return AnnualFigures(
        year=year, state=state, summary=standing.summary(con, settings, str(year)),
        communes=evaluation.evaluate(con, settings, year, today), quarters=quarters,
        returns=commune_reports.status(con, settings, year, today),
        outlook=outlook.province_outlook(con, settings, until=until),
        communes_outlook=outlook.commune_outlook(con, settings, until=until),
        plan=targets.plan_summary(con), uploads=reads.uploads(con), updated=reads.last_upload_time(con),
        demo=reads.has_demo(con))


def file_name(kind: str, year: int) -> str:
    """'bao-cao-nam-2026-toan-tinh.docx'."""
    if kind not in ("docx", "xlsx"):
        raise ValueError(f"kind must be docx or xlsx, got {kind!r}")
    return f"bao-cao-nam-{int(year)}-toan-tinh.{kind}"


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else math.nan


def summary_rows(f: AnnualFigures, settings: Settings) -> list[tuple[str, str, object, str]]:
    """(label, unit, value, kind) of section I: the year against its annual targets and the plan's."""
    s, c, year = f.summary, f.communes, f.year
    through = fmt.month(s.as_of) if s.as_of else f"năm {year}"
    annual, annual_voluntary = float(c["annual_target"].sum()), float(c["annual_voluntary_target"].sum())
    classes = evaluation.class_counts(c)
    returned = commune_reports.counts(f.returns)
    return [
        (f"Số người tham gia BHXH (đến hết {through})", "người", s.total, "whole"),
        (f"Chỉ tiêu năm {year} (tổng của các xã, phường)", "người", annual, "whole"),
        (f"Tỷ lệ đạt chỉ tiêu năm {year}", "%", _ratio(s.total, annual), "pct"),
        (f"Chỉ tiêu năm {settings.target_year}", "người", s.target, "whole"),
        (f"Tỷ lệ đạt chỉ tiêu năm {settings.target_year}", "%", s.attainment, "pct"),
        ("Trong đó: số người tham gia BHXH tự nguyện", "người", s.voluntary, "whole"),
        (f"Tỷ lệ đạt chỉ tiêu tự nguyện năm {year}", "%", _ratio(s.voluntary, annual_voluntary), "pct"),
        (f"Tỷ lệ đạt chỉ tiêu tự nguyện tối thiểu năm {settings.target_year}", "%", s.voluntary_attainment, "pct"),
        (f"Tăng ròng năm {year} (so với cuối năm {year - 1})", "người", s.net, "signed"),
        ("Số xã, phường có số liệu trong năm", "xã, phường", s.reporting, "whole"),
        (f"Số xã, phường đạt chỉ tiêu năm {year}", "xã, phường", int((c["annual_attainment"] >= 100).sum()),
         "whole"),
        ("Số xã, phường đạt tiến độ theo lộ trình", "xã, phường", s.on_track, "whole"),
        *[(f"Số xã, phường xếp loại «{labels.EVALUATION[cls]}»", "xã, phường", n, "whole")
          for cls, n in classes.items()],
        ("Số xã, phường gửi báo cáo năm đúng hạn", "xã, phường", returned[PRESENT], "whole"),
        ("Số xã, phường gửi báo cáo năm muộn", "xã, phường", returned[LATE], "whole"),
        ("Số xã, phường chưa gửi báo cáo năm", "xã, phường", returned[MISSING] + returned[PENDING], "whole"),
    ]


QUARTER_HEADER = ["Quý", "Số tham gia cuối quý (người)", "Tăng ròng trong quý (người)",
                  "Tự nguyện cuối quý (người)", "Số xã, phường có số liệu", "Số liệu đến"]


def quarter_rows(f: AnnualFigures) -> list[list[str]]:
    """Each quarter of the year: its stock, net increase, voluntary stock, communes reporting, last month."""
    return [[spans.heading(r.key), fmt.number(r.total), fmt.signed(r.net), fmt.number(r.voluntary),
             fmt.number(r.reporting), fmt.month(r.period)] for r in f.quarters.itertuples()]


COMMUNE_HEADER = ["TT", "Xã, phường", "Số tham gia (người)", "Chỉ tiêu năm (người)", "Đạt năm (%)",
                  "Đạt 2030 (%)", "Xếp loại"]


def commune_rows(f: AnnualFigures) -> list[list[str]]:
    ordered = f.communes.sort_values("name").reset_index(drop=True)
    return [[str(i), r.name, fmt.number(r.total), fmt.number(r.annual_target), fmt.number(r.annual_attainment, 1),
             fmt.number(r.attainment_2030, 1), labels.EVALUATION[r.evaluation]]
            for i, r in enumerate(ordered.itertuples(), 1)]


def _names(frame: pd.DataFrame, status: str) -> str:
    chosen = frame[frame["status"] == status].sort_values("name")["name"].tolist()
    return ", ".join(chosen) if chosen else "không có"


def annual_docx(f: AnnualFigures, settings: Settings) -> bytes:
    """The report to the Provincial People's Committee, ready for the Department to complete and sign."""
    year, s = f.year, f.summary
    doc = blocks.document(f"Báo cáo kết quả thực hiện Kế hoạch năm {year}", f"Sở Nội vụ tỉnh {settings.province}",
                          settings.title)
    blocks.header_block(doc, ["Sở Nội vụ"], "BC-SNV", settings.province, year, superior=sections.issuer_name(settings))
    blocks.title_block(doc, [f"Kết quả thực hiện {settings.title} năm {year}"], f.demo)
    blocks.para(doc, f"Kính gửi: {sections.issuer_name(settings)}.", blocks.CENTRED)
    blocks.para(doc, f"Thực hiện {settings.title}, Sở Nội vụ tổng hợp báo cáo kết quả thực hiện năm {year} "
                     "như sau:")
    if not f.state["complete"]:
        blocks.para(doc, f"Lưu ý: năm {year} chưa có số liệu tháng 12; các số dưới đây tính đến hết "
                         f"{fmt.month(f.state['last']) if f.state['last'] else '—'} và là số tạm tính.", blocks.NOTE)

    doc.add_heading(f"I. KẾT QUẢ THỰC HIỆN NĂM {year}", level=1)
    growth = (f"tăng ròng trong năm {fmt.signed(s.net)} người" if s.has_net
              else f"chưa có số liệu cuối năm {year - 1} để tính tăng ròng trong năm")
    blocks.para(doc, f"Đến hết {fmt.month(s.as_of) if s.as_of else f'năm {year}'}, toàn tỉnh có "
                     f"{fmt.number(s.total)} người tham gia BHXH, đạt {fmt.percent(s.attainment)} chỉ tiêu năm "
                     f"{settings.target_year}; {growth}.")
    blocks.figure_table(doc, summary_rows(f, settings))
    blocks.para(doc, "Số của năm là số tháng cuối có báo cáo của từng xã, phường; tăng ròng là chênh lệch với số "
                     "cuối năm trước, cộng theo từng xã, phường có số liệu ở cả hai năm. Chỉ tiêu năm là chỉ tiêu "
                     "chính thức nếu tỉnh đã giao, nếu chưa là mức của lộ trình tại tháng 12.", blocks.SMALL_NOTE)

    doc.add_heading("II. TĂNG TRƯỞNG THEO QUÝ", level=1)
    blocks.grid(doc, QUARTER_HEADER, quarter_rows(f), [2.6, 2.6, 2.6, 2.6, 2.3, 3.3], {1, 2, 3, 4})
    quarters = f.quarters.dropna(subset=["total"])
    if len(quarters) > 1:
        blocks.picture(doc, images.png(trend(quarters, "total", "expected", "")),
                       f"Số người tham gia BHXH cuối mỗi quý năm {year} so với lộ trình")

    doc.add_heading("III. KẾT QUẢ THEO XÃ, PHƯỜNG", level=1)
    blocks.para(doc, f"Xếp loại theo tiêu chí: {settings.evaluation['source']}. Lý do xếp loại của từng xã, phường "
                     "ở tệp Excel kèm theo.", blocks.SMALL_NOTE)
    blocks.grid(doc, COMMUNE_HEADER, commune_rows(f), [1.2, 4.0, 2.1, 2.1, 1.6, 1.6, 3.4], {2, 3, 4, 5})

    doc.add_heading("IV. TÌNH HÌNH BÁO CÁO CỦA CÁC XÃ, PHƯỜNG", level=1)
    due = fmt.date(commune_reports.deadline(settings, year))
    returned = commune_reports.counts(f.returns)
    blocks.para(doc, f"Hạn gửi báo cáo năm {year}: {due}. Đúng hạn: {fmt.number(returned[PRESENT])}; muộn: "
                     f"{fmt.number(returned[LATE])}; chưa gửi: {fmt.number(returned[MISSING] + returned[PENDING])} "
                     f"trên {fmt.number(len(f.returns))} xã, phường.")
    blocks.para(doc, f"Các xã, phường gửi đúng hạn: {_names(f.returns, PRESENT)}.")
    if returned[LATE]:
        blocks.para(doc, f"Các xã, phường gửi muộn: {_names(f.returns, LATE)}.")

    doc.add_heading(f"V. KHẢ NĂNG ĐẠT CHỈ TIÊU NĂM {settings.target_year}", level=1)
    sections.outlook_section(doc, f.outlook, f.communes_outlook, settings)
    sections.closing(doc, "VI. ĐỀ XUẤT, KIẾN NGHỊ", sections.sources_notes(settings, s, f.outlook, f.updated),
                     list(RECIPIENTS), ["GIÁM ĐỐC"])
    return blocks.to_bytes(doc)


# --- Excel ------------------------------------------------------------------------------------------

QUARTER_COLUMNS = {"quarter": "Quý", "total": "Số tham gia cuối quý", "net": "Tăng ròng trong quý",
                   "voluntary": "Tự nguyện cuối quý", "expected": "Mức cần đạt theo lộ trình",
                   "reporting": "Số xã, phường có số liệu", "last_month": "Số liệu đến tháng"}
EVALUATION_COLUMNS = {
    "code": "Mã", "name": "Xã, phường", "former_district": "Huyện cũ", "last_month": "Số liệu đến tháng",
    "total": "Số tham gia", "voluntary": "Tự nguyện", "net_period": "Tăng ròng trong năm",
    "annual_target": "Chỉ tiêu năm", "annual_voluntary_target": "Chỉ tiêu tự nguyện năm",
    "target_source": "Nguồn chỉ tiêu năm", "annual_attainment": "Đạt chỉ tiêu năm (%)",
    "annual_voluntary_attainment": "Đạt chỉ tiêu tự nguyện năm (%)", "attainment_2030": "Đạt chỉ tiêu 2030 (%)",
    "completeness_pct": "Số liệu tháng nộp đủ (%)", "report_status": "Báo cáo năm", "evaluation": "Xếp loại",
    "reason": "Lý do xếp loại",
}
RETURN_COLUMNS = {"code": "Mã", "name": "Xã, phường", "status": "Tình trạng", "due": "Hạn",
                  "first_returned": "Gửi lần đầu", "files": "Số tệp"}


def evaluation_frame(graded: pd.DataFrame) -> pd.DataFrame:
    """evaluation.evaluate's frame with its codes in words, as the workbook and the pages show it."""
    return graded.assign(last_month=graded["as_of"].map(fmt.month),
                         target_source=graded["target_source"].map(labels.TARGET_SOURCE),
                         report_status=graded["report_status"].map(labels.REPORTING),
                         evaluation=graded["evaluation"].map(labels.EVALUATION))


def annual_xlsx(f: AnnualFigures, settings: Settings) -> bytes:
    """Every table of the report as a workbook sheet."""
    book = blocks.Workbook(f"Báo cáo kết quả thực hiện Kế hoạch năm {f.year}")
    book.styles["percent"] = book.book.add_format({"num_format": "0.0", "valign": "top"})
    notes = [f"Năm báo cáo: {f.year}"] + (["DỮ LIỆU MINH HỌA — số giả lập, không phải số liệu thực."]
                                          if f.demo else [])
    book.figures("Tổng hợp", summary_rows(f, settings), notes)
    quarters = f.quarters.assign(quarter=f.quarters["key"].map(spans.label),
                                 last_month=f.quarters["period"].map(fmt.month))
    book.sheet("Theo quý", quarters, QUARTER_COLUMNS, columns.KINDS, 1)
    book.sheet("Xã phường", evaluation_frame(f.communes), EVALUATION_COLUMNS, columns.KINDS, 2)
    returns = f.returns.assign(status=f.returns["status"].map(labels.REPORTING))
    book.sheet("Báo cáo xã", returns, RETURN_COLUMNS, columns.KINDS, 2)
    book.sheet(f"Dự báo {settings.target_year}", sections.outlook_frame(f.outlook, f.communes_outlook, settings),
               sections.OUTLOOK_COLUMNS, columns.KINDS, 2)
    rules = [(labels.EVALUATION[cls], "; ".join(f"{labels.EVALUATION_INDICATOR[k]} ≥ {v}" if not isinstance(v, bool)
                                                  else labels.EVALUATION_INDICATOR[k] for k, v in rule.items()))
             for cls, rule in settings.evaluation["rules"].items()]
    sections.sources_sheet(book, [("Kế hoạch", settings.title), ("Tài liệu chỉ tiêu", f.plan["source_document"]),
                                  ("Tiêu chí xếp loại", settings.evaluation["source"]), *rules,
                                  ("Số liệu cập nhật lần cuối", fmt.date(f.updated)),
                                  ("Lập báo cáo", fmt.date(dt.date.today()))], f.uploads)
    return book.close()
