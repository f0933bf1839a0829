"""Parts two reports state alike: who issues them, the 2030 outlook's figures and table, the closing note on
where the figures come from (the workbooks' number formats are analytics.text.columns')."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
from docx.shared import Pt

from analytics.figures.projection import METHOD_VI
from analytics.reports import blocks, images
from analytics.reports.blocks import Workbook
from analytics.text import columns, fmt, labels

OUTLOOK_COLUMNS = {
    "code": "Mã", "name": "Xã, phường", "last_period": "Tháng số liệu cuối", "last_value": "Số tham gia tháng cuối",
    "projected": "Dự báo", "lower80": "Cận dưới 80 %", "upper80": "Cận trên 80 %", "target": "Chỉ tiêu",
    "projected_gap": "Còn thiếu theo dự báo", "required_monthly_increase": "Tăng ròng cần đạt mỗi tháng",
    "recent_monthly_increase": "Tăng ròng bình quân gần đây",
}
UPLOAD_COLUMNS = {
    "id": "Số", "kind": "Loại", "file_name": "Tệp", "uploaded_by": "Người tải lên", "uploaded_at": "Thời điểm",
    "periods": "Các tháng", "rows_read": "Số dòng đọc", "rows_stored": "Số dòng lưu", "is_demo": "Minh họa",
    "note": "Ghi chú", "withdrawn_at": "Thu hồi lúc", "withdrawn_by": "Người thu hồi", "sha256": "SHA-256",
}
def issuer_name(settings) -> str:
    """The body that issues the province's reports: "Ủy ban nhân dân tỉnh Hưng Yên"."""
    return f"{settings.issuer or 'Ủy ban nhân dân tỉnh'} {settings.province}"


def coverage_sentence(covered, settings, when: str) -> str | None:
    """Section I's words on the labour force (the plan's goal II.2.a), with the denominator and its source; None
    when there is no denominator."""
    if covered.denominator.basis == "none":
        return None
    h = settings.headline
    return (f"Đến hết {when}, số người tham gia BHXH bằng {covered.caption()}; số "
            f"tham gia tự nguyện bằng {fmt.percent(covered.voluntary_coverage)}. Mục tiêu đến năm "
            f"{settings.target_year} là {fmt.number(h.labour_force_coverage_pct)} % lực lượng lao động trong độ tuổi, "
            f"trong đó tự nguyện {fmt.number(h.voluntary_coverage_pct)} %.")


def projection_rows(outlook: dict, communes_outlook: pd.DataFrame, settings) -> list[tuple[str, str, float, str]]:
    """(label, unit, value, kind) of the outlook to the plan's final month; empty when there is no projection."""
    fit = outlook["projection"]
    if fit is None:
        return []
    end = fmt.month(outlook["target_period"])
    shortfall = outlook["gap"]
    gap_label = ("Số còn thiếu so với chỉ tiêu theo dự báo" if math.isnan(shortfall) or shortfall >= 0
                 else "Số vượt chỉ tiêu theo dự báo")
    projected = communes_outlook["projected_gap"]
    return [
        (f"Số người tham gia {fmt.month(fit.last_period)} (tháng cuối dùng để dự báo)", "người", fit.last_value,
         "whole"),
        ("Mức tăng ròng bình quân theo xu hướng gần đây", "người/tháng", fit.slope_per_month, "signed"),
        (f"Dự báo số người tham gia {end}", "người", fit.projected, "whole"),
        ("Cận dưới của khoảng dự báo 80 %", "người", fit.lower80, "whole"),
        ("Cận trên của khoảng dự báo 80 %", "người", fit.upper80, "whole"),
        (f"Chỉ tiêu năm {settings.target_year}", "người", outlook["target"], "whole"),
        (gap_label, "người", abs(shortfall), "whole"),
        ("Mức tăng ròng cần đạt mỗi tháng để đạt chỉ tiêu", "người/tháng", outlook["required"], "whole"),
        ("Số xã, phường dự báo không đạt chỉ tiêu", "xã, phường", float((projected > 0).sum()), "whole"),
    ]


def outlook_section(doc, outlook: dict, communes_outlook: pd.DataFrame, settings) -> None:
    """The outlook to the plan's final month: its figures and the fan chart (the method and the months left
    out are in the closing note); or why there is no projection yet."""
    if outlook["projection"] is None:
        blocks.para(doc, outlook["reason"])
        return
    blocks.figure_table(doc, projection_rows(outlook, communes_outlook, settings))
    blocks.picture(doc, images.outlook_fan(outlook),
                   f"Thực hiện và dự báo đến {fmt.month(outlook['target_period'])}; nét đứt: dự báo theo xu hướng, "
                   "vùng tô: khoảng dự báo 80 %")


def sources_notes(settings, summary, outlook: dict, updated: dt.datetime | None) -> list[str]:
    """The closing note: where the figures come from and how the forecast is made, in the report's own words
    (no page of the dashboard and no file is named: the reader has neither)."""
    since = f", cập nhật đến ngày {fmt.date(updated)}" if updated is not None else ""
    notes = [f"Chỉ tiêu đến năm {settings.target_year}: theo Phụ lục {settings.title}.",
             f"Số liệu hằng tháng: do cơ quan Bảo hiểm xã hội cung cấp{since}."]
    if summary.stated_target != summary.target:
        notes.append(f"Chỉ tiêu năm {settings.target_year} trong báo cáo là tổng chỉ tiêu của các xã, phường "
                     f"({fmt.number(summary.target)} người); kế hoạch ghi tổng số "
                     f"{fmt.number(summary.stated_target)} người, chênh lệch "
                     f"{fmt.number(abs(summary.stated_target - summary.target))} người đang được rà soát.")
    if outlook["without_target"]:
        notes.append(f"Chưa có chỉ tiêu trong phụ lục: {', '.join(outlook['without_target'])}.")
    if outlook["projection"] is not None:
        notes.append(METHOD_VI)
    if outlook["left_out"]:
        left = ", ".join(f"{fmt.month(x['period'])} ({fmt.number(x['reporting'])}/{fmt.number(x['units'])} xã, "
                         "phường)" for x in outlook["left_out"])
        notes.append(f"Các tháng chưa đủ xã, phường báo cáo không dùng để dự báo: {left}.")
    return notes


SOURCES_HEADING = blocks.Style(bold=True, italic=True, size=Pt(11), indent=False)
SOURCES_NOTE = blocks.Style(italic=True, size=Pt(11), after=Pt(2))


def closing(doc, heading: str, notes: list[str], recipients: list[str], signer: list[str]) -> None:
    """The proposals left to write under ``heading``, the closing note on where the figures come from
    (``notes``), and the signature block."""
    doc.add_heading(heading, level=1)
    blocks.dotted_lines(doc, 8)
    blocks.para(doc, "Nguồn số liệu", SOURCES_HEADING).paragraph_format.space_before = Pt(12)
    for note in notes:
        blocks.para(doc, note, SOURCES_NOTE)
    doc.add_paragraph()
    blocks.signature_block(doc, recipients, signer)


def outlook_frame(outlook: dict, communes_outlook: pd.DataFrame, settings) -> pd.DataFrame:
    """The province first, then each commune with the largest projected shortfall first."""
    fit = outlook["projection"]
    province = {"code": None, "name": f"Toàn tỉnh {settings.province}", "target": outlook["target"],
                "projected_gap": outlook["gap"], "required_monthly_increase": outlook["required"]}
    if fit is not None:
        province |= {"last_period": fit.last_period, "last_value": fit.last_value, "projected": fit.projected,
                     "lower80": fit.lower80, "upper80": fit.upper80, "recent_monthly_increase": fit.slope_per_month}
    frame = pd.concat([pd.DataFrame([province]), communes_outlook], ignore_index=True)[list(OUTLOOK_COLUMNS)]
    frame["last_period"] = frame["last_period"].map(lambda p: fmt.month(p) if isinstance(p, str) else None)
    return frame


def sources_sheet(book: Workbook, items: list[tuple[str, str]], uploads: pd.DataFrame) -> None:
    """A sheet "Nguồn dữ liệu": (item, content) rows, then every upload."""
    frame = pd.DataFrame(items, columns=["item", "content"])
    ws = book.sheet("Nguồn dữ liệu", frame, {"item": "Mục", "content": "Nội dung"}, {})
    shown = uploads.assign(is_demo=uploads["is_demo"].map({True: "Có", False: ""}),
                           kind=uploads["kind"].map(labels.UPLOAD_KIND))
    ws.write_string(len(frame) + 2, 0, "Lịch sử tải lên", book.styles["bold"])
    book.table(ws, shown, UPLOAD_COLUMNS, columns.KINDS, first_row=len(frame) + 3)
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 90)
