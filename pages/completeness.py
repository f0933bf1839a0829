"""Tiến độ báo cáo: whose monthly figures are in, late or missing, and the plan's deadlines."""

import datetime as dt

import pandas as pd
import streamlit as st

from analytics import completeness, fmt, labels, metrics
from pages.common import month_page, shown_errors, table

today = dt.date.today()


def deadlines(settings) -> None:
    """The plan's yearly deadlines, shown even before any monthly figure."""
    calendar = completeness.deadlines(settings, today)
    st.subheader("Hạn báo cáo năm theo kế hoạch")
    for col, row in zip(st.columns(len(calendar)), calendar.itertuples()):
        col.metric(row.deadline, fmt.date(row.date), f"còn {fmt.number(row.days_left)} ngày", delta_color="off")


view, con, settings = month_page("Tiến độ báo cáo", deadlines)
with shown_errors():
    frame = completeness.reporting(con, settings, today, metrics.periods(con))
if view.codes is not None:
    frame = frame[frame["code"].isin(view.codes)]

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
    stored = month["first_stored"].map(lambda t: fmt.date(t.date()) if pd.notna(t) else "—")
    table(month.assign(due=month["due"].map(fmt.date), first_stored=stored,
                       status=month["status"].map(labels.REPORTING)),
          {"name": "Xã, phường", "status": "Tình trạng", "due": "Hạn", "first_stored": "Ngày nhập", "code": "Mã"})
