"""Báo cáo năm: the commune forms due 15/12, the province's report due 30/12, and the annual evaluation."""

import datetime as dt

import streamlit as st

from analytics.figures import commune_reports, evaluation, standing
from analytics.reports import commune_form, exports, province_annual
from analytics.settings import db_path, load_settings
from analytics.storage import reads
from analytics.text import fmt, labels
from ui.downloads import CSV, DOCX, XLSX, ZIP, offer
from ui.errors import shown_errors
from ui.state import connection
from ui.widgets import month_page, table


@st.cache_data(show_spinner=False, max_entries=8)
def _province_files(year: int, version: tuple, day: dt.date, database: str) -> tuple[bytes, bytes]:
    """Both files of the province's report, built when one is asked for; any write of figures (an upload, a
    returned report: see analytics.storage.cache) or a new day rebuilds them."""
    con, settings = connection(), load_settings()
    figures = province_annual.annual_figures(con, settings, year, day)
    return province_annual.annual_docx(figures, settings), province_annual.annual_xlsx(figures, settings)


def _forms(year: int, day: dt.date, code: str | None = None) -> bytes:
    """One commune's form, or every commune's in a ZIP, built when the button is pressed."""
    return commune_form.build(connection(), load_settings(), year, day, code)


def page() -> None:
    """Báo cáo năm: the page's body, run by the navigation on every rerun (ui.routes)."""
    today = dt.date.today()

    view, con, settings = month_page("Báo cáo năm")
    with shown_errors():
        years = sorted({int(p[:4]) for p in standing.reported_periods(con)}, reverse=True)
        year = st.selectbox("Năm báo cáo", years, index=years.index(int(view.span[:4])))
        state = standing.span_state(con, str(year))
    commune_due = commune_reports.deadline(settings, year)
    province_due = dt.date(year, *(int(x) for x in settings.province_report_deadline.split("-")))
    if not state["complete"]:
        st.info(f"Năm {year} chưa có số liệu tháng 12: các số tính đến hết {fmt.month(state['last'])} và là số tạm "
                "tính.")

    st.subheader(f"Mẫu báo cáo của xã, phường (hạn {fmt.date(commune_due)})")
    st.caption("Mỗi xã, phường một tệp Word điền sẵn số liệu, chỉ tiêu, tỷ lệ đạt, xếp hạng và biểu đồ; các mục kết "
               "quả đạt được, khó khăn vướng mắc, giải pháp, đề xuất để trống cho xã, phường viết. Báo cáo đã điền "
               "nhận lại ở trang «Tiến độ báo cáo».")
    units = standing.commune_units(con)
    names = dict(zip(units["code"], units["name"]))
    c1, c2, c3 = st.columns([2, 2, 1])
    offer(f"Tải mẫu của {fmt.number(len(names))} xã, phường (.zip)", lambda y=year: _forms(y, today),
          commune_form.zip_name(year), ZIP, where=c1)
    code = c2.selectbox("Một xã, phường", list(names), format_func=names.get, label_visibility="collapsed")
    offer("Tải mẫu (Word)", lambda y=year, c=code: _forms(y, today, c), commune_form.file_name(year, code, names[code]),
          DOCX, where=c3)

    st.subheader(f"Báo cáo của tỉnh (hạn {fmt.date(province_due)})")
    st.caption(f"«Báo cáo kết quả thực hiện Kế hoạch … năm {year}» của Sở Nội vụ gửi Ủy ban nhân dân tỉnh: kết quả so "
               "với "
               "chỉ tiêu năm và chỉ tiêu 2030, bảng các xã, phường, tăng trưởng theo quý, xã, phường báo cáo đúng hạn, "
               "khả năng đạt chỉ tiêu 2030 và mục đề xuất để trống; tệp Excel có mọi bảng.")
    key = (year, reads.data_version(con), today, str(db_path()))
    c1, c2 = st.columns(2)
    offer("Tải báo cáo của tỉnh (Word)", lambda: _province_files(*key)[0], province_annual.file_name("docx", year),
          DOCX, where=c1)
    offer("Tải số liệu (Excel)", lambda: _province_files(*key)[1], province_annual.file_name("xlsx", year), XLSX,
          where=c2)

    st.subheader(f"Đánh giá, xếp loại năm {year}")
    st.caption(f"Tiêu chí: {settings.evaluation['source']}. Mỗi xã, phường nhận mức cao nhất mà nó đạt mọi tiêu chí; "
               "cột «Lý do» nói tiêu chí nào đạt, tiêu chí nào còn thiếu để lên mức trên.")
    with shown_errors():
        graded = evaluation.evaluate(con, settings, year, today)
    for col, (cls, count) in zip(st.columns(4), evaluation.class_counts(graded).items()):
        col.metric(labels.EVALUATION[cls], fmt.number(count))
    st.markdown("  \n".join(f"**{labels.EVALUATION[cls]}**: " + "; ".join(
        f"{labels.EVALUATION_INDICATOR[k]}" + ("" if isinstance(v, bool) else f" ≥ {fmt.number(v)} %")
        for k, v in rule.items()) for cls, rule in settings.evaluation["rules"].items()))
    chosen = st.multiselect("Xếp loại", list(evaluation.CLASSES), format_func=labels.EVALUATION.get,
                            placeholder="Mọi xếp loại")
    shown = graded[graded["evaluation"].isin(chosen)] if chosen else graded
    # Shorter headers than the workbook's: each figure is written with its "%", and the reason gets the room.
    columns = {"name": "Xã, phường", "evaluation": "Xếp loại", "annual_attainment": "Đạt chỉ tiêu năm",
               "annual_voluntary_attainment": "Đạt tự nguyện năm", "completeness_pct": "Nộp số liệu tháng",
               "report_status": "Báo cáo năm", "reason": "Lý do xếp loại"}
    percents = ("annual_attainment", "annual_voluntary_attainment", "completeness_pct")
    table(province_annual.evaluation_frame(shown), columns, dict.fromkeys(percents, "points"), wide=("reason",))
    download = province_annual.evaluation_frame(graded)[list(province_annual.EVALUATION_COLUMNS)].rename(
        columns=province_annual.EVALUATION_COLUMNS)
    c1, c2 = st.columns(2)
    offer("Tải xếp loại (CSV)", exports.to_csv(download), f"xep-loai-{year}.csv", CSV, where=c1)
    offer("Tải xếp loại (Excel)", exports.to_xlsx(download, f"Xếp loại {year}"), f"xep-loai-{year}.xlsx", XLSX,
          where=c2)
