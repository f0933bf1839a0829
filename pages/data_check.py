"""Kiểm tra dữ liệu: each appendix row beside its official unit, and the findings."""

import streamlit as st

from analytics import fmt, labels
from analytics.targets import appendix_view, findings_view
from pages.common import connection, shown_errors, table

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
table(shown, {"subject": "Đối tượng", "kind": "Loại", "detail": "Chi tiết", "status": "Trạng thái"},
      pinned=("subject",))

st.subheader("Phụ lục và đơn vị chính thức")
only_open = st.toggle("Chỉ hiện các dòng không khớp chính xác", value=False)
appendix = rows[rows["status"] != "exact"] if only_open else rows
table(labels.shown(appendix, {"method": labels.MATCH_METHOD, "status": labels.MATCH_STATUS}),
      {"stt": "STT", "name_as_printed": "Tên trong phụ lục", "official_name": "Đơn vị chính thức",
       "status": "Trạng thái", "total_target": "Chỉ tiêu chung", "voluntary_min": "Tự nguyện tối thiểu",
       "code": "Mã", "method": "Cách khớp", "score": "Điểm"},
      {"stt": "plain", "total_target": "whole", "voluntary_min": "whole", "score": "tenths"},
      pinned=("stt", "name_as_printed"))
