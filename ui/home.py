"""Trang chủ: the plan's headline targets and the state of the source data."""

import streamlit as st

from analytics.text import fmt
from analytics.units import targets
from ui.errors import shown_errors
from ui.state import connection


def page() -> None:
    """Trang chủ: the page's body, run by the navigation on every rerun (ui.routes)."""
    with shown_errors():
        plan = targets.plan_summary(connection())

    st.title("Theo dõi phát triển đối tượng tham gia BHXH")
    st.caption(f"Tỉnh {plan['province']} · {plan['title']}")

    st.subheader(f"Chỉ tiêu đến năm {plan['target_year']}")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Số người tham gia", fmt.number(plan["participants"]))
    c2.metric("Trong đó tự nguyện", fmt.number(plan["voluntary"]))
    checked = "chưa thống nhất, xem «Kiểm tra dữ liệu»" if plan["headline_findings"] else "đã đối chiếu với số người"
    c3.metric("Tỷ lệ LLLĐ trong độ tuổi tham gia", fmt.percent(plan["labour_force_coverage_pct"] / 100, 0),
              help=f"Kế hoạch ghi; {checked}.")
    c4.metric("Tỷ lệ tham gia tự nguyện", fmt.percent(plan["voluntary_coverage_pct"] / 100, 0),
              help=f"Kế hoạch ghi, tính trên lực lượng lao động trong độ tuổi; {checked}.")
    if plan["headline_findings"]:
        st.warning(
            f"Hai tỷ lệ {fmt.percent(plan['labour_force_coverage_pct'] / 100, 0)} và "
            f"{fmt.percent(plan['voluntary_coverage_pct'] / 100, 0)} là số kế hoạch ghi, nhưng không thể cùng đúng với "
            f"{fmt.number(plan['participants'])} và {fmt.number(plan['voluntary'])} người trên một lực lượng lao động. "
            "Phép tính ở phát hiện «Mục tiêu chung không thống nhất», trang «Kiểm tra dữ liệu»; không con số nào "
            "được chọn thay."
        )

    c1, c2 = st.columns(2)
    c1.metric("Số xã, phường", fmt.number(plan["units"]))
    c2.metric("Phát hiện chưa xử lý", fmt.number(plan["open_findings"]))
    if plan["open_findings"]:
        st.warning(
            f"Còn {fmt.number(plan['open_findings'])} điểm dữ liệu nguồn cần xem lại. "
            "Mở trang «Kiểm tra dữ liệu» để xem chi tiết."
        )
