"""Kiểm tra dữ liệu: each appendix row beside its official unit, and the findings."""

import streamlit as st

from analytics import fmt, labels
from analytics.targets import appendix_view, findings_view
from pages.common import connection, shown_errors

with shown_errors():
    con = connection()
    rows = appendix_view(con)
    found = findings_view(con)

st.title("Kiểm tra dữ liệu nguồn")
st.caption(
    "Mỗi dòng của phụ lục kế hoạch được đối chiếu với danh mục đơn vị hành chính chính thức. "
    "Không số liệu nào bị sửa để khớp tổng; chênh lệch được báo ở phần phát hiện. "
    "Quản trị viên xác nhận hoặc sửa một kết quả khớp ở trang Quản trị; chuyên viên xác nhận tên ngay khi tải "
    "số liệu lên. Các tên đã xác nhận dùng chung cho phụ lục và mọi lần tải lên."
)

open_found = found[found["status"] == "open"]
st.subheader(f"Phát hiện chưa xử lý: {fmt.number(len(open_found))}")
if open_found.empty:
    st.success("Không còn phát hiện nào cần xử lý.")
shown = labels.shown(found, {"kind": labels.FINDING_KIND, "status": labels.MATCH_STATUS})
st.dataframe(
    shown, hide_index=True, width="stretch",
    column_config={"kind": "Loại", "subject": "Đối tượng", "detail": "Chi tiết", "status": "Trạng thái"},
)

st.subheader("Phụ lục và đơn vị chính thức")
only_open = st.toggle("Chỉ hiện các dòng không khớp chính xác", value=False)
table = rows[rows["status"] != "exact"] if only_open else rows
table = labels.shown(table, {"method": labels.MATCH_METHOD, "status": labels.MATCH_STATUS}).assign(
    total_target=table["total_target"].map(fmt.number), voluntary_min=table["voluntary_min"].map(fmt.number),
).fillna({"official_name": "—", "code": "—", "method": "—"})  # a row matched to no unit
st.dataframe(
    table, hide_index=True, width="stretch",
    column_config={
        "stt": "STT", "name_as_printed": "Tên trong phụ lục", "official_name": "Đơn vị chính thức",
        "code": "Mã", "method": "Cách khớp", "score": st.column_config.NumberColumn("Điểm", format="%.1f"),
        "status": "Trạng thái", "total_target": "Chỉ tiêu chung", "voluntary_min": "Tự nguyện tối thiểu",
    },
)
