"""The yearly report each commune sends the province before 15/12, as a Word form prefilled with its figures.

Section I (its figures, targets, attainment, rank and a chart) comes from the same functions as the
pages; sections II-V are left blank, clearly marked, for what only the commune can write. All forms of
a year are built from one ``YearFigures``, so they agree with each other and with the pages.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pandas as pd
from docx.shared import Cm

from analytics.figures import commune_reports, evaluation, scorecard, standing
from analytics.reports import blocks, images
from analytics.settings import Settings
from analytics.storage import reads
from analytics.storage.db import Connection
from analytics.text import fmt, labels
from analytics.units.names import fold

# The sections only the commune can write (heading, what to write), after section I.
BLANK_SECTIONS = (
    ("II. KẾT QUẢ ĐẠT ĐƯỢC", "những việc đã làm và kết quả nổi bật trong năm"),
    ("III. KHÓ KHĂN, VƯỚNG MẮC", "khó khăn, vướng mắc và nguyên nhân"),
    ("IV. GIẢI PHÁP", "giải pháp đã và sẽ thực hiện để đạt chỉ tiêu"),
    ("V. ĐỀ XUẤT, KIẾN NGHỊ", "đề xuất, kiến nghị với tỉnh"),
)
TO_FILL = "(Phần do Ủy ban nhân dân xã, phường viết: {what}.)"
LINES_PER_SECTION = 6
CHART_WIDTH, CHART_HEIGHT = Cm(12), 170  # small enough to stay on page 1 under the figures
CHART_THREADS = 4  # the renderer works outside Python's lock, so charts for 104 forms come faster side by side


@dataclass(frozen=True)
class YearFigures:
    """Every commune's figures for one year's forms."""

    year: int
    table: pd.DataFrame  # evaluation.indicators with the scorecard rank, one row per commune
    series: pd.DataFrame  # period, code, total, expected: each month up to December, for the charts
    last_month: str | None  # the year's last month with figures
    demo: bool


def _series(con: Connection, settings: Settings, until: str) -> pd.DataFrame:
    """Each commune's figure and expected level in every month with figures up to ``until``."""
    months = [p for p in standing.reported_periods(con) if p <= until]
    frames = [standing.commune_table(con, settings, p)[["code", "total", "expected"]].assign(period=p)
              for p in months]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["code", "total", "expected", "period"])


def year_figures(con: Connection, settings: Settings, year: int, today: dt.date) -> YearFigures:
    """The year's figures of every commune: its last reported month in the year, targets, rank."""
    table = evaluation.indicators(con, settings, year, today)
    card = scorecard.of_span(con, settings, str(year), today)[0]
    table = table.merge(card[["code", "rank"]], on="code", how="left").assign(units=len(card))
    return YearFigures(year, table, _series(con, settings, f"{year}-12"), standing.span_state(con, str(year))["last"],
                       reads.has_demo(con))


def file_name(year: int, code: str, name: str) -> str:
    """'bao-cao-nam-2026-11986-nhu-quynh.docx': year, code and name, so 104 files sort and read well."""
    return f"bao-cao-nam-{year}-{code}-{fold(name).replace(' ', '-')}.docx"


def place(name: str) -> str:
    """Where the commune signs: its name without 'Xã' or 'Phường'."""
    first, _, rest = name.partition(" ")
    return rest if first in ("Xã", "Phường") and rest else name


def figure_rows(row: dict, year: int, settings: Settings) -> list[tuple[str, str, object, str]]:
    """(label, unit, value, kind) of section I for one commune (a row of ``YearFigures.table``)."""
    source = labels.TARGET_SOURCE.get(row["target_source"], "chưa có").lower()
    end = fmt.month(row["as_of"]) if isinstance(row["as_of"], str) else f"năm {year}"
    return [
        (f"Số người tham gia BHXH (đến hết {end})", "người", row["total"], "whole"),
        ("Trong đó: số người tham gia BHXH tự nguyện", "người", row["voluntary"], "whole"),
        (f"Tăng ròng năm {year} (so với cuối năm {year - 1})", "người", row["net_period"], "signed"),
        (f"Chỉ tiêu năm {year} ({source})", "người", row["annual_target"], "whole"),
        (f"Tỷ lệ đạt chỉ tiêu năm {year}", "%", row["annual_attainment"], "percent"),
        (f"Chỉ tiêu tự nguyện năm {year}", "người", row["annual_voluntary_target"], "whole"),
        (f"Tỷ lệ đạt chỉ tiêu tự nguyện năm {year}", "%", row["annual_voluntary_attainment"], "percent"),
        (f"Chỉ tiêu năm {settings.target_year}", "người", row["target"], "whole"),
        (f"Tỷ lệ đạt chỉ tiêu năm {settings.target_year}", "%", row["attainment_2030"], "percent"),
        ("Tỷ trọng tự nguyện trong tổng số", "%", row["voluntary_share"], "pct"),
        ("Tiến độ so với lộ trình", "", labels.STATUS.get(row["status"], "—"), "text"),
        ("Xếp hạng trong bảng điểm của tỉnh", "hạng",
         f"{fmt.number(row['rank'])}/{fmt.number(row['units'])}", "text"),
        (f"Tháng đến hạn có số liệu trong năm {year}", "%", row["completeness_pct"], "percent"),
    ]


def chart(figures: YearFigures, code: str) -> bytes | None:
    """The commune's figures against its path as a PNG; None while it has fewer than `images.MIN_CHART_MONTHS`
    months up to December (its figures are in the table above the chart)."""
    series = figures.series[figures.series["code"] == code].dropna(subset=["total"])
    return images.total_trend(series, height=CHART_HEIGHT) if len(series) >= images.MIN_CHART_MONTHS else None


def form_docx(figures: YearFigures, code: str, settings: Settings) -> bytes:
    """One commune's form for ``figures.year``, ready to complete, sign and return."""
    return _form(figures, code, settings, chart(figures, code))


def _form(figures: YearFigures, code: str, settings: Settings, png: bytes | None) -> bytes:
    row = figures.table.set_index("code").loc[code].to_dict()
    name, year = row["name"], figures.year
    doc = blocks.document(f"Báo cáo kết quả phát triển đối tượng tham gia BHXH năm {year} — {name}",
                          f"Ủy ban nhân dân {name[0].lower()}{name[1:]}", settings.title)
    blocks.header_block(doc, ["Ủy ban nhân dân", name], "BC-UBND", place(name), year)
    blocks.title_block(doc, [f"Kết quả phát triển đối tượng tham gia bảo hiểm xã hội năm {year}", f"của {name}"],
                       figures.demo)
    blocks.para(doc, f"Kính gửi: Ủy ban nhân dân tỉnh {settings.province} (qua Sở Nội vụ).", blocks.CENTRED)
    blocks.para(doc, f"Thực hiện {settings.title}, Ủy ban nhân dân {name} báo cáo kết quả thực hiện năm {year} "
                     "như sau:")
    due = fmt.date(commune_reports.deadline(settings, year))
    through = fmt.month(figures.last_month) if figures.last_month else "—"
    blocks.para(doc, f"Mục I do Sở Nội vụ điền sẵn từ hệ thống theo dõi (số liệu đến hết {through}); nếu số liệu "
                     f"của xã, phường khác, xin ghi rõ ở mục V. Các mục II–V do xã, phường viết. Gửi báo cáo về Sở Nội "
                     f"vụ trước ngày {due}.", blocks.SMALL_NOTE)

    doc.add_heading(f"I. SỐ LIỆU KẾT QUẢ THỰC HIỆN NĂM {year}", level=1)
    blocks.figure_table(doc, figure_rows(row, year, settings))
    if png is not None:
        blocks.picture(doc, png,
                       f"Số người tham gia BHXH của {name} so với lộ trình đến chỉ tiêu năm "
                       f"{settings.target_year}", width=CHART_WIDTH)
    for heading, what in BLANK_SECTIONS:
        doc.add_heading(heading, level=1)
        blocks.para(doc, TO_FILL.format(what=what), blocks.SMALL_NOTE)
        blocks.dotted_lines(doc, LINES_PER_SECTION)
    blocks.signature_block(doc, [f"- UBND tỉnh {settings.province} (qua Sở Nội vụ);", "- Lưu: VT."],
                           ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"])
    return blocks.to_bytes(doc)


def forms_zip(figures: YearFigures, settings: Settings) -> bytes:
    """Every commune's form of the year in one ZIP, named by ``file_name``; the charts drawn a few at a time."""
    units = figures.table.sort_values("code")
    with ThreadPoolExecutor(CHART_THREADS) as pool:
        charts = dict(zip(units["code"], pool.map(lambda code: chart(figures, code), units["code"])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for r in units.itertuples():
            archive.writestr(file_name(figures.year, r.code, r.name), _form(figures, r.code, settings, charts[r.code]))
    return buffer.getvalue()


def build(con: Connection, settings: Settings, year: int, today: dt.date, code: str | None = None) -> bytes:
    """One commune's form (``code``), or every commune's in a ZIP: what a download button hands out."""
    figures = year_figures(con, settings, year, today)
    return form_docx(figures, code, settings) if code else forms_zip(figures, settings)


def zip_name(year: int) -> str:
    return f"mau-bao-cao-nam-{year}-cac-xa-phuong.zip"
