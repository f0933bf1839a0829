"""Chỉ tiêu năm: the proposal by the stated rule, its workbook, upload of the decided targets, what is in force."""

import datetime as dt

import streamlit as st

from analytics import intake
from analytics.access import accounts
from analytics.errors import AnalyticsError, NoMonthlyData
from analytics.figures import annual, standing
from analytics.intake.confined import sheet_names
from analytics.settings import load_settings
from analytics.text import fmt, usertext
from analytics.units.communes import units
from ui.downloads import XLSX, offer
from ui.errors import show_error, shown_errors
from ui.state import connection
from ui.widgets import show_review, table, upload_history

TARGET_COLUMNS = {"year": "Năm", "name": "Tên xã, phường", "total_target": "Chỉ tiêu chung",
                  "voluntary_min": "Chỉ tiêu tự nguyện tối thiểu", "code": "Mã xã"}
TARGET_KINDS = {"year": "plain", "total_target": "whole", "voluntary_min": "whole"}


def page() -> None:
    """Chỉ tiêu năm: the page's body, run by the navigation on every rerun (ui.routes)."""
    st.title("Chỉ tiêu năm")
    with shown_errors():
        accounts.require(st.session_state.get("user"), "annual_targets")
        con, settings = connection(), load_settings()
        today = dt.date.today()
        source = standing.trajectory_source(con)
    st.info(f"Lộ trình các trang đang dùng: **{source}**.")

    st.subheader("Đề xuất theo quy tắc")
    st.write(annual.RULE_VI)
    with shown_errors():
        try:
            proposal = annual.propose(con, settings, today)
        except NoMonthlyData as exc:
            proposal = None
            st.info(str(exc))
    c1, c2 = st.columns(2)
    if proposal is not None:
        years = ", ".join(str(y) for y in sorted(proposal["year"].unique()))
        if years:
            st.caption(f"Các năm {years}; năm {settings.target_year} là chỉ tiêu của phụ lục kế hoạch.")
        else:
            st.info(f"Tháng mới nhất có số liệu đã thuộc năm {settings.target_year}: không còn năm nào cần đề xuất.")
        table(proposal, TARGET_COLUMNS, TARGET_KINDS, pinned=("year", "name"))
        offer("Tải đề xuất (.xlsx)", annual.proposal_xlsx(proposal, settings), "de-xuat-chi-tieu-nam.xlsx", XLSX,
              needs="annual_targets", where=c1)
    with shown_errors():
        offer("Tải mẫu trống (.xlsx)", annual.template_xlsx(con, settings, today), "mau-chi-tieu-nam.xlsx", XLSX,
              needs="annual_targets", where=c2)

    st.subheader("Tải lên chỉ tiêu đã quyết định")
    upload = st.file_uploader("Chọn tệp chỉ tiêu năm (XLSX hoặc CSV)", key="annual_file")  # no type list: see upload.py
    if upload is not None:
        data, file_name = upload.getvalue(), usertext.file_name(upload.name)
        names = sheet_names(data, file_name, settings.upload_max_mb)
        sheet = st.selectbox("Trang tính", names) if len(names) > 1 else None
        with shown_errors():
            prepared = intake.prepare(con, data, file_name, settings=settings, sheet=sheet, kind="annual")
        show_review(prepared)
        if not prepared.errors and prepared.duplicate_of is None:
            note = st.text_input("Ghi chú (ví dụ số, ngày văn bản giao chỉ tiêu)", key="annual_note")
            confirmed = st.checkbox(f"Tôi đã xem {len(prepared.warnings)} cảnh báo và xác nhận lưu",
                                    disabled=not prepared.warnings, key="annual_confirm")
            if st.button("Lưu chỉ tiêu năm", type="primary"):
                try:
                    upload_id = intake.apply(con, prepared, user=st.session_state.get("user"),
                                                    confirm_warnings=confirmed, note=note)
                except AnalyticsError as exc:
                    show_error(exc)
                else:
                    st.success(f"Đã lưu lần tải lên số {upload_id}: {fmt.number(len(prepared.checked.table))} chỉ "
                               "tiêu. "
                               "Các trang theo dõi dùng chỉ tiêu này từ bây giờ.")

    st.subheader("Chỉ tiêu năm đang có hiệu lực")
    with shown_errors():
        in_force = annual.annual_targets(con)
        named = in_force.merge(units(con)[["code", "name"]], on="code", how="left")
    if in_force.empty:
        st.info("Chưa có chỉ tiêu năm chính thức nào; các trang dùng lộ trình thẳng đến chỉ tiêu "
                f"{settings.target_year}.")
    else:
        table(named, TARGET_COLUMNS, TARGET_KINDS, pinned=("year", "name"))

    upload_history(con, "annual")
