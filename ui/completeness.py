"""Tiến độ báo cáo: whose monthly figures are in, late or missing, the plan's deadlines, and the yearly reports
communes return before 15/12 (received here, counted on time or late)."""

import datetime as dt

import streamlit as st

from analytics.errors import AnalyticsError
from analytics.figures import commune_reports, completeness, spans, standing
from analytics.storage import writes
from analytics.text import fmt, labels, usertext
from ui.errors import shown_errors
from ui.widgets import month_page, table


def deadlines(settings, today: dt.date) -> None:
    """The plan's yearly deadlines, shown even before any monthly figure."""
    calendar = completeness.deadlines(settings, today)
    st.subheader("Hạn báo cáo năm theo kế hoạch")
    for col, row in zip(st.columns(len(calendar)), calendar.itertuples()):
        col.metric(row.deadline, fmt.date(row.date), f"còn {fmt.number(row.days_left)} ngày", delta_color="off")


def receive(con, settings, year: int) -> None:
    """An analyst stores a commune's returned report (Word or PDF) against its unit and the year."""
    units = standing.commune_units(con)
    names = dict(zip(units["code"], units["name"]))
    with st.form("nhan_bao_cao_nam", clear_on_submit=True):
        st.markdown(f"**Nhận báo cáo năm {year} của xã, phường**")
        code = st.selectbox("Xã, phường", list(names), format_func=names.get)
        upload = st.file_uploader("Báo cáo đã điền (Word) hoặc bản có chữ ký (PDF)")  # no type list: see upload.py
        note = st.text_input("Ghi chú (ví dụ số, ngày văn bản của xã)")
        if st.form_submit_button("Lưu báo cáo", type="primary") and upload is not None:
            try:
                writes.record_commune_report(con, st.session_state.get("user"), settings, code, year,
                                       usertext.file_name(upload.name),
                                       upload.getvalue(), note=note)
            except AnalyticsError as exc:
                st.error(usertext.literal(str(exc)))
            else:
                st.success(f"Đã lưu báo cáo năm {year} của {names[code]} "
                           f"({usertext.literal(usertext.file_name(upload.name))}).")


def page() -> None:
    """Tiến độ báo cáo: the page's body, run by the navigation on every rerun (ui.routes)."""
    today = dt.date.today()
    view, con, settings = month_page("Tiến độ báo cáo", lambda s: deadlines(s, today))
    with shown_errors():
        frame = completeness.reporting(con, settings, today, standing.reported_periods(con))
    if view.codes is not None:
        frame = frame[frame["code"].isin(view.codes)]
    if view.granularity != spans.MONTH:
        frame = frame[frame["period"].isin(spans.months(view.span))]

    st.subheader("Số xã, phường theo tình trạng báo cáo, từng tháng")
    st.caption(f"Số liệu tháng M phải có trước ngày {settings.monthly_due_day} tháng M+1; "
               "nhập sau ngày đó tính là muộn.")
    counts = completeness.summary(frame)
    table(counts.assign(period=counts["period"].map(fmt.month)),
          {"period": "Tháng", **labels.REPORTING},
          pinned=("period",))

    st.subheader(f"Chi tiết {fmt.month(view.period)}")
    month = frame[frame["period"] == view.period]
    only_gaps = st.toggle("Chỉ hiện xã thiếu hoặc muộn", value=True)
    if only_gaps:
        month = month[month["status"].isin([completeness.LATE, completeness.MISSING])]
    if month.empty:
        st.success("Tất cả xã, phường đã báo cáo đúng hạn.")
    else:
        table(month.assign(due=month["due"].map(fmt.date), first_stored=month["first_stored"].map(fmt.date),
                           status=month["status"].map(labels.REPORTING)),
              {"name": "Xã, phường", "status": "Tình trạng", "due": "Hạn", "first_stored": "Ngày nhập", "code": "Mã"})

    year = int(view.period[:4])
    due = commune_reports.deadline(settings, year)
    st.subheader(f"Báo cáo năm {year} của xã, phường (hạn {fmt.date(due)})")
    user = st.session_state.get("user")
    if user is not None and user.can("commune_reports"):
        receive(con, settings, year)
    with shown_errors():
        returns = commune_reports.status(con, settings, year, today)
    if view.codes is not None:
        returns = returns[returns["code"].isin(view.codes)]
    for col, (status, count) in zip(st.columns(4), commune_reports.counts(returns).items()):
        col.metric(f"Báo cáo năm: {labels.REPORTING[status].lower()}", fmt.number(count))
    st.caption("Đúng hạn: gửi lần đầu đến hết ngày hạn; muộn: sau ngày đó; thiếu: đã quá hạn mà chưa gửi.")
    gaps = returns[returns["status"] != completeness.PRESENT]
    if not gaps.empty:
        table(gaps.assign(status=gaps["status"].map(labels.REPORTING),
                          first_returned=gaps["first_returned"].map(fmt.date)),
              {"name": "Xã, phường", "status": "Tình trạng", "first_returned": "Gửi lần đầu", "files": "Số tệp",
               "code": "Mã"})
