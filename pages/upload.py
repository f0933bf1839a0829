"""Nhập số liệu: choose a file, see every problem on its row, confirm, see the summary."""

import streamlit as st

from analytics import accounts, fmt, store
from analytics.communes import units
from analytics.errors import AnalyticsError
from analytics.ingest import apply, prepare
from analytics.readers import sheet_names
from analytics.templates import monthly_template_csv, monthly_template_xlsx
from pages.common import connection, show_review, shown_errors, upload_history

st.title("Nhập số liệu hằng tháng")
with shown_errors():
    accounts.require(st.session_state.get("user"), "upload")
    con = connection()
    registry = units(con)

with st.expander("Tải mẫu nhập liệu", expanded=False):
    st.write("Mẫu có sẵn mã và tên chính thức của mọi xã, phường; chỉ cần điền số liệu.")
    c1, c2 = st.columns(2)
    c1.download_button("Mẫu Excel (.xlsx)", monthly_template_xlsx(registry), "mau-nhap-so-lieu.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    c2.download_button("Mẫu CSV (.csv)", monthly_template_csv(registry), "mau-nhap-so-lieu.csv", mime="text/csv")

upload = st.file_uploader("Chọn tệp số liệu (CSV hoặc XLSX)", type=["csv", "xlsx"])
if upload is not None:
    data = upload.getvalue()
    sheet = None
    if upload.name.lower().endswith(".xlsx"):
        names = sheet_names(data, upload.name)
        sheet = st.selectbox("Trang tính", names) if len(names) > 1 else None
    period = st.text_input("Kỳ báo cáo (YYYY-MM), khi tệp không có cột kỳ", value="").strip() or None
    with shown_errors():
        prepared = prepare(con, data, upload.name, sheet=sheet, period=period)

    show_review(prepared)
    errors, warnings = prepared.errors, prepared.warnings
    if not errors and prepared.duplicate_of is None:
        note = st.text_input("Ghi chú", key="note")
        confirmed = bool(warnings) and st.checkbox(f"Tôi đã xem {len(warnings)} cảnh báo và xác nhận lưu")
        if st.button("Lưu số liệu", type="primary"):
            try:
                upload_id = apply(con, prepared, user=st.session_state.get("user"), confirm_warnings=confirmed,
                                  note=note)
            except AnalyticsError as exc:
                st.error(str(exc))
            else:
                st.success(f"Đã lưu lần tải lên số {upload_id}: {fmt.number(len(prepared.checked.table))} dòng, "
                           f"kỳ {', '.join(fmt.month(p) for p in sorted(prepared.checked.table['period'].unique()))}.")

upload_history(con, "monthly")
with shown_errors():
    has_demo = store.has_demo(con)
if has_demo and st.button("Xoá dữ liệu minh hoạ"):
    with shown_errors():
        store.remove_demo(con, st.session_state.get("user"))
    st.rerun()
