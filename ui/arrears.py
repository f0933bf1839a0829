"""Nợ, chậm đóng: the province's arrears trend, communes ranked by amount owed with the change since the month
before, and, for signed-in readers only, the largest debtors of the month's employer list."""

import streamlit as st

from analytics.figures import arrears, spans
from analytics.reports.charts import OKABE_ITO, monthly_line, ranked_bars
from analytics.text import fmt, labels
from ui.errors import shown_errors
from ui.state import connection, in_scope
from ui.widgets import on_phone, table

TOP = 10  # debtors listed, and bars a phone shows


def page() -> None:
    """Nợ, chậm đóng: the page's body, run by the navigation on every rerun (ui.routes)."""
    st.title("Nợ, chậm đóng BHXH")
    view = st.session_state["view"]
    user = st.session_state.get("user")
    with shown_errors():
        con = connection()
        known = arrears.months(con)
    if not known:
        st.info("Chưa có số liệu nợ, chậm đóng. Chuyên viên tải tệp «Nợ, chậm đóng theo xã» hoặc «Danh sách đơn vị nợ, "
                "chậm đóng» ở trang «Nhập số liệu».")
        st.stop()
    last = spans.last_month(view.span) if view.span else None
    period = arrears.month_of(con, last) or known[-1]
    with shown_errors():
        series = arrears.trend(con)
        communes = arrears.communes(con, period)
        debtors = arrears.debtors(con, period, None)
    communes = in_scope(communes, view)
    change = arrears.province_change(communes)
    scope = "toàn tỉnh" if view.codes is None else view.scope
    st.caption(f"{fmt.month(period).capitalize()}, {scope}. Số tiền tính bằng triệu đồng, theo tệp cơ quan BHXH gửi; "
               "thay đổi so với tháng trước cộng trên các xã, phường có số liệu cả hai tháng.")

    c1, c2, c3 = st.columns(3)
    c1.metric("Số tiền nợ (triệu đồng)", fmt.number(change["amount_owed"], 1),
              None if change["amount_change"] is None else fmt.signed(change["amount_change"], 1),
              delta_color="inverse", help=f"So với tháng trước, trên {change['amount_change_communes']} xã, phường.")
    c2.metric("Đơn vị chậm đóng", fmt.number(change["employers_late"]),
              None if change["late_change"] is None else fmt.signed(change["late_change"]), delta_color="inverse",
              help=f"So với tháng trước, trên {change['late_change_communes']} xã, phường.")
    c3.metric("Đơn vị trốn đóng", fmt.number(communes["employers_evading"].sum(min_count=1)))

    if len(series) >= 2:
        cells = [st.container()] * 2 if on_phone() else st.columns(2)
        left, right = cells
        left.altair_chart(monthly_line(series, "amount_owed", "Số tiền nợ toàn tỉnh", "Triệu đồng", digits=1),
                          width="stretch")
        right.altair_chart(monthly_line(series, "employers_late", "Số đơn vị chậm đóng toàn tỉnh", "Đơn vị",
                                        OKABE_ITO[3]), width="stretch")
    else:
        st.info("Mới có một tháng số liệu nợ, chậm đóng nên chưa vẽ xu hướng.")

    st.subheader("Xã, phường theo số tiền nợ")
    reported = communes.dropna(subset=["amount_owed"])
    if reported.empty:
        st.info(f"{fmt.month(period).capitalize()} chưa có số tiền nợ theo xã, phường.")
    else:
        bars = reported.head(TOP) if on_phone() else reported.head(30)
        st.altair_chart(ranked_bars(bars, "amount_owed", "name", f"{len(bars)} xã, phường nợ nhiều nhất",
                                    "Số tiền nợ (triệu đồng)", percent=False, subtitle=fmt.month(period)),
                        width="stretch")
    table(communes, {"rank": None, "name": None, "amount_owed": None, "amount_change": "Thay đổi so với tháng trước",
                     "employers_late": None, "late_change": "Thay đổi đơn vị chậm đóng", "workers_affected": None,
                     "employers_evading": None},
          {"rank": "plain", "amount_owed": "tenths", "amount_change": "signed_tenths", "late_change": "signed"})

    st.subheader("Đơn vị nợ nhiều nhất")
    if user is None:
        st.info("Tên đơn vị nợ, chậm đóng chỉ hiện cho người đã đăng nhập. Danh sách đã được công bố chính thức "
                "xem ở trang «Công khai kết quả».")
    elif debtors.empty:
        st.info(f"Chưa có danh sách đơn vị nợ, chậm đóng của {fmt.month(period)}.")
    else:
        shown = in_scope(debtors, view).head(TOP).assign(status=lambda f: f["status"].map(labels.EMPLOYER_STATUS))
        st.caption(f"Theo danh sách {fmt.month(period)} đang có hiệu lực; {TOP} đơn vị có số tiền nợ lớn nhất. "
                   "Danh sách này không công khai cho đến khi quản trị viên công bố.")
        table(shown.assign(rank=range(1, len(shown) + 1)),
              {"rank": None, "employer": None, "tax_code": None, "commune": None, "months_late": None,
               "amount_owed": None, "status": "Tình trạng"}, {"rank": "plain"}, pinned=("rank", "employer"),
              wide=("employer",))
