"""Kiểm tra dữ liệu: each appendix row beside its official unit, and the findings."""

import streamlit as st

from analytics.figures import coverage
from analytics.settings import load_settings
from analytics.text import fmt, labels
from analytics.units import targets
from ui.errors import shown_errors
from ui.state import connection
from ui.widgets import table


def page() -> None:
    """Kiểm tra dữ liệu: the page's body, run by the navigation on every rerun (ui.routes)."""
    with shown_errors():
        con = connection()
        settings = load_settings()
        rows = targets.appendix_view(con)
        found = targets.findings_view(con)
        known = coverage.headline_check(con, settings)

    st.title("Kiểm tra dữ liệu nguồn")
    st.caption(
        "Mỗi dòng của phụ lục kế hoạch được đối chiếu với danh mục đơn vị hành chính chính thức. "
        "Không số liệu nào bị sửa để khớp tổng; chênh lệch được báo ở phần phát hiện. "
        "Quản trị viên xác nhận hoặc sửa một kết quả khớp ở trang Quản trị; chuyên viên xác nhận tên ngay khi tải "
        "số liệu lên. Các tên đã xác nhận dùng chung cho phụ lục và mọi lần tải lên."
    )

    st.subheader("Mục tiêu chung so với lực lượng lao động")
    h = settings.headline
    st.caption(f"Kế hoạch ghi: {fmt.number(h.participants)} người tham gia, {fmt.number(h.labour_force_coverage_pct)} "
               "% "
               f"lực lượng lao động trong độ tuổi; {fmt.number(h.voluntary)} người tự nguyện, "
               f"{fmt.number(h.voluntary_coverage_pct)} %. Mỗi số người chia cho tỷ lệ của nó cho ra một lực lượng lao "
               "động; hai kết quả phải gần nhau thì hai cặp số mới cùng đúng.")
    inconsistent = found[found["kind"] == "headline_inconsistent"]
    for detail in inconsistent["detail"]:
        st.warning(detail)
    if inconsistent.empty:
        st.success("Các số người và tỷ lệ của mục tiêu chung cho cùng một lực lượng lao động.")
    if known is None:
        st.info(f"Chưa có số lực lượng lao động đến năm {settings.target_year} (tải lên theo xã, phường hoặc ghi số "
                "toàn tỉnh trong cấu hình kế hoạch), nên chưa tính được các số người trên là bao nhiêu phần trăm.")
    else:
        denominator, lines = known
        st.info(f"So với lực lượng lao động đã biết, {fmt.number(denominator.people)} người ({denominator.words()}): "
                + "; ".join(lines) + ".")

    open_found = found[found["status"] == "open"]
    st.subheader(f"Phát hiện chưa xử lý: {fmt.number(len(open_found))}")
    if open_found.empty:
        st.success("Không còn phát hiện nào cần xử lý.")
    shown = labels.shown(found, {"kind": labels.FINDING_KIND, "status": labels.MATCH_STATUS})
    table(shown, ["subject", "kind", "detail", "status"], pinned=("subject",))

    st.subheader("Phụ lục và đơn vị chính thức")
    only_open = st.toggle("Chỉ hiện các dòng không khớp chính xác", value=False)
    appendix = rows[rows["status"] != "exact"] if only_open else rows
    table(labels.shown(appendix, {"method": labels.MATCH_METHOD, "status": labels.MATCH_STATUS}),
          {"stt": None, "name_as_printed": None, "official_name": None, "status": None, "total_target": None,
           "voluntary_min": "Tự nguyện tối thiểu", "code": None, "method": None, "score": None},
          {"stt": "plain", "total_target": "whole", "voluntary_min": "whole", "score": "tenths"},
          pinned=("stt", "name_as_printed"))
