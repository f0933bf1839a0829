"""The Steering Committee briefing for a month: a Word report laid out as an official report, and a workbook.

Both files are built from one `Figures`, so the report and the workbook can never disagree, and
every figure comes from the same functions the dashboard pages use.
"""

from __future__ import annotations

import datetime as dt
import pickle
import subprocess
import sys
from dataclasses import dataclass

import pandas as pd

from analytics.errors import BriefingFailed, SupportScenarioRefused
from analytics.figures import arrears, coverage, indicators, outlook, spans, standing, support_budget
from analytics.figures.projection import METHOD_VI
from analytics.figures.spans import month_index
from analytics.figures.support_budget import Budget
from analytics.reports import blocks, images, sections
from analytics.reports.budget_workbook import briefing_section as support_section
from analytics.settings import ROOT
from analytics.storage import reads
from analytics.storage.db import Connection
from analytics.text import columns, fmt, labels
from analytics.units import targets

KINDS = ("docx", "xlsx")


@dataclass(frozen=True)
class Figures:
    """Everything the briefing states for one month."""

    period: str
    summary: standing.Summary
    table: pd.DataFrame  # standing.commune_table
    lagging: pd.DataFrame  # standing.lagging, slowest first
    series: pd.DataFrame  # standing.province_series up to the period
    net: dict  # "M", "Q", "Y" -> net increase of participants (stock difference)
    outlook: dict  # outlook.province_outlook as it stood at the period
    communes_outlook: pd.DataFrame  # outlook.commune_outlook as it stood at the period
    plan: dict  # targets.plan_summary
    uploads: pd.DataFrame  # reads.uploads
    trajectory: str  # standing.trajectory_source: what "on track" is measured against
    updated: dt.datetime | None  # reads.last_upload_time
    demo: bool
    coverage: coverage.Coverage  # of the province's labour force, with its denominator
    support: Budget | None = None  # support_budget.budget with no top-up; None without voluntary figures or settings
    arrears: dict | None = None  # arrears.brief: late, evaded and unpaid contributions, when figures exist


def quarter_label(period: str) -> str:
    """'2026-10' -> 'quý IV/2026', the way reports name quarters."""
    return spans.label(spans.key(period, spans.QUARTER))


def net_increases(values: pd.DataFrame, period: str) -> dict:
    """Growth of participants over the month, quarter to date and year to date ending at ``period``: the net
    of ``standing.span_values`` over the months up to ``period`` (a past month's report uses no later month);
    NaN when no commune has the earlier figure."""
    upto = values[values["period"] <= period]
    out = {}
    for freq, granularity in (("M", spans.MONTH), ("Q", spans.QUARTER), ("Y", spans.YEAR)):
        carried = standing.span_values(upto, granularity)
        out[freq] = float(carried.loc[carried["key"] == spans.key(period, granularity), "net"].sum(min_count=1))
    return out


def _lagging(table: pd.DataFrame) -> pd.DataFrame:
    """standing.lagging without the blank rows it returns when no commune lags.

    With nothing kept it assigns a full-length column to an empty frame, which pandas 3 answers with
    one empty row per commune; dropping rows without a code is a no-op once that is fixed.
    """
    return standing.lagging(table, list(standing.LAGGING), list(standing.MEASURES)).dropna(subset=["code"])


def figures(con: Connection, settings, period: str) -> Figures:
    """The month's figures; series and projections stop at ``period``, so a past month's report uses no later month."""
    month_index(period)  # a malformed period fails here, not deep inside a chart
    values = reads.monthly(con)
    table = standing.commune_table(con, settings, period)
    return Figures(
        period=period,
        summary=standing.summary(con, settings, period),
        table=table,
        lagging=_lagging(table),
        series=standing.province_series(con, settings, until=period),
        net=net_increases(values, period),
        outlook=outlook.province_outlook(con, settings, until=period),
        communes_outlook=outlook.commune_outlook(con, settings, until=period),
        plan=targets.plan_summary(con),
        uploads=reads.uploads(con),
        trajectory=standing.trajectory_source(con),
        updated=reads.last_upload_time(con),
        demo=reads.has_demo(con),
        coverage=coverage.of_scope(con, settings, period),
        support=default_budget(con, settings, period),
        arrears=arrears.brief(con, period),
    )


def default_budget(con: Connection, settings, period: str) -> Budget | None:
    """The support budget of the default scenario (trajectory, the settings' mix, no top-up) as it stood at
    ``period``; None when it cannot be worked out (no voluntary figures, no [support] settings)."""
    try:
        return support_budget.budget(con, settings, until=period)
    except SupportScenarioRefused:
        return None


def file_name(kind: str, period: str) -> str:
    """'bao-cao-bhxh-2026-10.docx': the period is in the name, so saved copies do not overwrite each other."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    month_index(period)
    return f"bao-cao-bhxh-{period}.{kind}"


def summary_rows(f: Figures, settings) -> list[tuple[str, str, float, str]]:
    """(label, unit, value, kind) of section I; kind is 'whole', 'signed' or 'pct' (a ratio)."""
    s = f.summary
    year = settings.target_year
    return [
        ("Số người tham gia BHXH", "người", s.total, "whole"),
        (f"Tỷ lệ so với chỉ tiêu năm {year} ({fmt.number(s.target)} người)", "%", s.attainment, "pct"),
        ("Trong đó: số người tham gia BHXH tự nguyện", "người", s.voluntary, "whole"),
        (f"Tỷ lệ so với chỉ tiêu tự nguyện tối thiểu năm {year} ({fmt.number(s.voluntary_min)} người)", "%",
         s.voluntary_attainment, "pct"),
        ("Số xã, phường có số liệu trong tháng", "xã, phường", s.reporting, "whole"),
        ("Số xã, phường đạt tiến độ theo lộ trình", "xã, phường", s.on_track, "whole"),
        (f"Tăng ròng trong {fmt.month(f.period)}", "người", f.net["M"], "signed"),
        (f"Tăng ròng {quarter_label(f.period)} (đến hết {fmt.month(f.period)})", "người", f.net["Q"], "signed"),
        (f"Tăng ròng năm {f.period[:4]} (so với cuối năm {int(f.period[:4]) - 1})", "người", f.net["Y"], "signed"),
    ]


def briefing_docx(con: Connection, settings, period: str) -> bytes:
    """The month's report to the Steering Committee, ready for the secretariat to complete and sign."""
    return _docx(figures(con, settings, period), settings)


def _docx(f: Figures, settings) -> bytes:
    period = f.period
    s, month, year = f.summary, fmt.month(period), settings.target_year
    doc = blocks.document(f"Báo cáo kết quả phát triển đối tượng tham gia BHXH {month}",
                          sections.issuer_name(settings), settings.title)
    blocks.header_block(doc, [sections.issuer_name(settings)], "BC-UBND", settings.province, dt.date.today().year)
    blocks.title_block(doc, ["Kết quả phát triển đối tượng tham gia bảo hiểm xã hội", f"{month[0].upper()}{month[1:]}"],
                       f.demo)
    blocks.para(doc, f"Thực hiện {settings.title}, {settings.issuer.lower() or 'ủy ban nhân dân tỉnh'} "
                     f"báo cáo kết quả phát triển đối tượng tham gia bảo hiểm xã hội (BHXH) đến hết {month} như sau:")

    doc.add_heading("I. KẾT QUẢ THỰC HIỆN", level=1)
    blocks.para(doc, f"Đến hết {month}, toàn tỉnh có {fmt.number(s.total)} người tham gia BHXH, đạt "
                     f"{fmt.percent(s.attainment)} chỉ tiêu năm {year}; trong đó {fmt.number(s.voluntary)} người "
                     f"tham gia BHXH tự nguyện, đạt {fmt.percent(s.voluntary_attainment)} chỉ tiêu tự nguyện tối "
                     f"thiểu. Có {fmt.number(s.on_track)}/{fmt.number(s.units)} xã, phường đạt tiến độ theo "
                     "lộ trình.")
    if s.reporting < s.units:
        blocks.para(doc, f"Lưu ý: {fmt.number(s.units - s.reporting)} xã, phường chưa có số liệu {month}; "
                         "các tổng số chỉ cộng các xã, phường đã báo cáo.", blocks.NOTE)
    blocks.figure_table(doc, summary_rows(f, settings))
    blocks.para(doc, "Tăng ròng là chênh lệch số người tham gia cuối kỳ so với cuối kỳ trước, cộng theo từng xã, "
                     "phường có số liệu ở cả hai kỳ; dấu «—»: chưa có số liệu kỳ trước để so sánh.", blocks.SMALL_NOTE)
    if (said := sections.coverage_sentence(f.coverage, settings, month)) is not None:
        doc.add_heading("Bao phủ lực lượng lao động trong độ tuổi", level=2)
        blocks.para(doc, said)
    if f.arrears is not None:
        doc.add_heading("Nợ, chậm đóng, trốn đóng BHXH", level=2)
        for text in arrears_sentences(f.arrears):
            blocks.para(doc, text)

    doc.add_heading("II. DIỄN BIẾN SO VỚI LỘ TRÌNH", level=1)
    blocks.para(doc, f"Mức cần đạt từng tháng theo {f.trajectory}; xã, phường đạt tiến "
                     f"độ khi số thực hiện đạt từ {fmt.number(settings.thresholds['on_track_pct'])} % mức cần "
                     f"đạt trên lộ trình.")
    if len(f.series) >= images.MIN_CHART_MONTHS:
        blocks.picture(doc, images.total_trend(f.series),
                       f"Số người tham gia BHXH so với lộ trình đến chỉ tiêu năm {year}")
        blocks.picture(doc, images.voluntary_trend(f.series),
                       f"Số người tham gia BHXH tự nguyện so với lộ trình đến chỉ tiêu tối thiểu năm {year}")
    else:
        blocks.para(doc, few_months_sentence(f.series))

    doc.add_heading("III. CÁC XÃ, PHƯỜNG CHẬM TIẾN ĐỘ", level=1)
    lag = f.lagging
    if lag.empty:
        blocks.para(doc, f"Trong {month} không có xã, phường nào chậm tiến độ.")
    else:
        counts = lag["status"].value_counts()
        blocks.para(doc, f"Có {fmt.number(len(lag))}/{fmt.number(s.units)} xã, phường chậm tiến độ "
                         f"({fmt.number(counts.get(standing.STATUS_VERY_LATE, 0))} rất chậm, "
                         f"{fmt.number(counts.get(standing.STATUS_LATE, 0))} chậm), xếp từ chậm nhất; tiến độ là số "
                         "thực hiện so với mức cần đạt trên lộ trình.")
        rows = [[fmt.number(r.rank), r.name, r.status, blocks.shown(r.progress, "pct"),
                 blocks.shown(r.voluntary_progress, "pct"), r.reason] for r in labels.shown(lag).itertuples()]
        blocks.grid(doc, ["TT", "Xã, phường", "Trạng thái", "Tiến độ tổng số (%)", "Tiến độ tự nguyện (%)", "Chậm về"],
                    rows, [1.1, 4.6, 2.3, 2.6, 2.6, 2.8], {3, 4})

    doc.add_heading(f"IV. DỰ BÁO KHẢ NĂNG ĐẠT CHỈ TIÊU NĂM {year}", level=1)
    sections.outlook_section(doc, f.outlook, f.communes_outlook, settings)
    closing = "V"
    if f.support is not None:
        support_section(doc, f"V. KINH PHÍ HỖ TRỢ ĐÓNG BHXH TỰ NGUYỆN ĐẾN NĂM {year}", settings, f.support)
        closing = "VI"
    sections.closing(doc, f"{closing}. ĐỀ XUẤT, KIẾN NGHỊ", sections.sources_notes(settings, s, f.outlook, f.updated),
                     ["- ……………;", "- ……………;", "- Lưu: VT."], ["……………"])
    return blocks.to_bytes(doc)


def arrears_sentences(a: dict) -> list[str]:
    """The arrears paragraph (province totals, change, communes owing most) and, only when that month's list of
    violators is published, the publication with its largest debtors; no employer is named otherwise."""
    month = fmt.month(a["period"])
    change = ("" if a["amount_change"] is None else f" ({fmt.signed(a['amount_change'], 1)} triệu đồng so với "
              f"tháng trước, cộng trên {fmt.number(a['amount_change_communes'])} xã, phường có số liệu cả hai tháng)")
    given = pd.notna  # a figure no file gave is left unsaid, never written as zero
    parts = [f"{fmt.number(a['employers_late'])} đơn vị chậm đóng BHXH" + (
        f", ảnh hưởng đến {fmt.number(a['workers_affected'])} người lao động" if given(a["workers_affected"]) else "")
        if given(a["employers_late"]) else None,
        f"số tiền nợ {fmt.number(a['amount_owed'], 1)} triệu đồng{change}" if given(a["amount_owed"]) else None,
        f"{fmt.number(a['employers_evading'])} đơn vị trốn đóng" if given(a["employers_evading"]) else None]
    top = ", ".join(f"{name} ({fmt.number(owed, 1)} triệu đồng)" for name, owed in a["top"])
    said = [f"Theo số liệu của cơ quan Bảo hiểm xã hội, đến hết {month} toàn tỉnh có "
            + "; ".join(p for p in parts if p) + "." + (f" Các xã, phường có số tiền nợ lớn nhất: {top}." if top
                                                       else "")]
    if a["published"] is not None:
        shown, rows = a["published"]
        top = ", ".join(f"{r.employer} (mã số thuế {r.tax_code}, {fmt.number(r.amount_owed, 1)} triệu đồng)"
                        for r in rows.head(3).itertuples())
        said.append(f"Danh sách {fmt.number(len(rows))} đơn vị vi phạm {month} đã được công khai ngày "
                    f"{fmt.date(shown['published_on'])} (nguồn: {shown['source']}); nợ nhiều nhất: {top}.")
    return said


def few_months_sentence(series: pd.DataFrame) -> str:
    """What section II says instead of its charts while there are fewer than `images.MIN_CHART_MONTHS` months."""
    if series.empty:
        return "Chưa có số liệu hằng tháng để so sánh với lộ trình."
    last = series.iloc[-1]
    months = ", ".join(fmt.month(p) for p in series["period"])
    return (f"Mới có số liệu {fmt.number(len(series))} tháng ({months}), chưa đủ {images.MIN_CHART_MONTHS} tháng "
            f"để vẽ diễn biến. Đến hết {fmt.month(last['period'])} có {fmt.number(last['total'])} người tham gia "
            f"BHXH, mức cần đạt theo lộ trình là {fmt.number(last['expected'])} người; trong đó "
            f"{fmt.number(last['voluntary'])} người tham gia tự nguyện, mức cần đạt "
            f"{fmt.number(last['voluntary_expected'])} người.")


# --- Excel ------------------------------------------------------------------------------------------

COMMUNE_COLUMNS = columns.headings([
    "code", "name", "former_district", "former_province", "target", "voluntary_min", "total", "compulsory",
    "voluntary", "labour_force", "expected", "voluntary_expected", "gap_to_trajectory",
    *(i.column for i in indicators.offered("reports") if i.kind == "pct"), "voluntary_progress", "voluntary_coverage",
    "labour_year", "labour_source", "status", "reason", "net_1m", "net_3m", "net_12m"])
LAGGING_COLUMNS = {"rank": "Hạng", **{k: COMMUNE_COLUMNS[k] for k in (
    "code", "name", "former_district", "status", "reason", "progress", "voluntary_progress", "total", "expected",
    "gap_to_trajectory", "voluntary", "voluntary_expected")}}


def briefing_xlsx(con: Connection, settings, period: str) -> bytes:
    """The briefing's figures as a workbook: summary, every commune, lagging ones, projection, sources."""
    return _xlsx(figures(con, settings, period), settings)


def files(con: Connection, settings, period: str) -> tuple[bytes, bytes]:
    """The Word report and the workbook, drawn by a child process (``python -m analytics.reports.briefing``).

    The figures come from this process; the charts' renderer and the document libraries take
    ~100 MiB while they work, which a long-running server would keep.
    """
    done = subprocess.run([sys.executable, "-m", "analytics.reports.briefing"], cwd=ROOT, capture_output=True,
                          input=pickle.dumps((figures(con, settings, period), settings)), timeout=600)
    if done.returncode:
        raise BriefingFailed(f"Không lập được báo cáo: {done.stderr.decode(errors='replace')[-500:]}")
    return pickle.loads(done.stdout)


def _xlsx(f: Figures, settings) -> bytes:
    period = f.period
    book = blocks.Workbook(f"Báo cáo BHXH {fmt.month(period)}")
    book.figures("Tổng hợp", summary_rows(f, settings),
                 [f"Kỳ báo cáo: {fmt.month(f.period)}"] + (["DỮ LIỆU MINH HỌA — số giả lập, không phải số liệu thực."]
                                                           if f.demo else []))
    book.sheet("Xã phường", labels.shown(f.table), COMMUNE_COLUMNS, columns.KINDS, 2)
    book.sheet("Chậm tiến độ", labels.shown(f.lagging), LAGGING_COLUMNS, columns.KINDS, 3)
    book.sheet(f"Dự báo {settings.target_year}", sections.outlook_frame(f.outlook, f.communes_outlook, settings),
               sections.OUTLOOK_COLUMNS, columns.KINDS, 2)
    sections.sources_sheet(book, [
        ("Kế hoạch", settings.title),
        ("Nghị quyết", settings.resolution),
        ("Tài liệu chỉ tiêu", f.plan["source_document"]),
        ("Tháng gốc của lộ trình", fmt.month(settings.baseline_month)),
        ("Lộ trình", f.trajectory),
        ("Mẫu số của tỷ lệ bao phủ", f.coverage.denominator.words()),
        ("Phương pháp dự báo", METHOD_VI),
        ("Số liệu cập nhật lần cuối", fmt.date(f.updated)),
        ("Lập báo cáo", fmt.date(dt.date.today())),
    ], f.uploads)
    return book.close()


if __name__ == "__main__":  # the child of ``files``: figures and settings in, both files out
    figures_in, settings_in = pickle.load(sys.stdin.buffer)
    sys.stdout.buffer.write(pickle.dumps((_docx(figures_in, settings_in), _xlsx(figures_in, settings_in))))
