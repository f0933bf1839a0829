"""What pages draw alike: tables, the month preamble and its notices, the upload review and history."""

from __future__ import annotations

import streamlit as st

from analytics.intake.problem import MISSING_COLUMNS
from analytics.settings import load_settings
from analytics.storage import reads, writes
from analytics.text import columns, fmt, labels, usertext
from ui.errors import shown_errors
from ui.state import connection


def on_phone() -> bool:
    """Whether the page is open on a phone, as its browser says ("Mobi" in the user agent, as browsers agree)."""
    return "Mobi" in (st.context.headers.get("User-Agent") or "")


def no_data_notice() -> None:
    st.info("Chưa có số liệu hằng tháng. Vào trang «Nhập số liệu» để tải tệp số liệu lên, "
            "hoặc chạy `python -m analytics build --demo` để xem thử với dữ liệu minh hoạ.")


def show_review(prepared) -> None:
    """A prepared upload (monthly or annual) before saving: what was read, each problem at its row and column,
    the rows."""
    import analytics.intake.review as review

    errors, warnings = prepared.errors, prepared.warnings
    c1, c2, c3 = st.columns(3)
    c1.metric("Dòng hợp lệ", fmt.number(len(prepared.checked.table)))
    c2.metric("Lỗi", fmt.number(len(errors)))
    c3.metric("Cảnh báo", fmt.number(len(warnings)))
    if prepared.duplicate_of is not None:
        st.info(f"Tệp này đã được tải lên (lần tải lên số {prepared.duplicate_of}); sẽ không áp dụng lần thứ hai.")
    reading = prepared.reading
    with st.expander("Đã đọc được gì từ tệp", expanded=True):
        for line in (review.sheet_line(reading), review.layout_line(reading), review.period_line(reading),
                     review.communes_line(reading, prepared.checked)):
            if line:
                st.markdown(usertext.literal(line))
        if reading.columns:
            st.dataframe(review.columns_frame(reading), hide_index=True, width="stretch")
        if reading.aside:
            st.markdown("Các dòng không phải xã, phường, được để riêng:")
            st.dataframe(review.aside_frame(reading), hide_index=True, width="stretch")
        totals = review.totals_frame(reading, prepared.checked)
        if not totals.empty:
            st.markdown("Tổng số, bắt buộc, tự nguyện: cộng từ các xã, phường và như tệp ghi")
            st.dataframe(totals, hide_index=True, width="stretch")
    whole_file = [p for p in errors if p.row is None]
    if whole_file and any(p.code in MISSING_COLUMNS for p in whole_file):
        st.error("Tệp thiếu cột cần thiết (xem các vấn đề dưới đây): hãy chọn cột ở phần «Cách đọc cột», hoặc sửa "
                 "tiêu đề cột trong tệp rồi tải lại.")
    elif whole_file and len(whole_file) == len(errors):
        st.error(usertext.literal("Chưa đọc được tệp: " + " ".join(p.message for p in whole_file)))
    elif errors:
        st.error("Tệp có lỗi nên chưa thể lưu. Sửa các dòng dưới đây rồi tải lại.")
    problems = prepared.problem_table()
    if not problems.empty:
        st.subheader("Các vấn đề")
        error = labels.SEVERITY["error"]
        st.dataframe(fmt.table(problems).apply(
            lambda r: ["background-color: #fde2e1" if r["Mức"] == error else "background-color: #fff4d6"] * len(r),
            axis=1), hide_index=True, width="stretch")
    st.subheader("Xem trước")
    st.dataframe(fmt.table(prepared.preview(), {"Dòng": "plain"}, keep_empty=True), hide_index=True, width="stretch")


# kind -> (heading, what its periods are called, what to say when there is none, what withdrawing does)
_HISTORY = {
    "monthly": ("Lịch sử tải lên", "Kỳ", "Chưa có lần tải lên nào.", None),
    "annual": ("Lịch sử tải lên chỉ tiêu năm", "Các năm", None, "Chỉ tiêu mà lần này thay thế có hiệu lực trở lại."),
    "labour": ("Lịch sử tải lên lực lượng lao động", "Các năm", "Chưa có số lực lượng lao động nào được tải lên.",
               "Số lực lượng lao động mà lần này thay thế có hiệu lực trở lại."),
    "arrears": ("Lịch sử tải lên nợ, chậm đóng", "Kỳ", None, "Số liệu mà lần này thay thế có hiệu lực trở lại."),
    "employers": ("Lịch sử tải lên danh sách đơn vị", "Kỳ", None,
                  "Danh sách của tháng mà lần này thay thế có hiệu lực trở lại; danh sách đã công bố không đổi."),
}


def upload_history(con, kind: str) -> None:
    """The uploads of one kind, newest last, and a withdrawal of one in force (demo data is removed, not withdrawn)."""
    heading, periods, empty, effect = _HISTORY[kind]
    with shown_errors():
        history = reads.uploads(con, kind)
    if history.empty:
        if empty:
            st.subheader(heading)
            st.info(empty)
        return
    st.subheader(heading)
    shown = history.assign(status=history["withdrawn_at"].isna().map(labels.UPLOAD_STATE),
                           uploaded_at=history["uploaded_at"].dt.strftime("%d/%m/%Y %H:%M"))
    columns = {"id": None, "file_name": None, "uploaded_by": None, "uploaded_at": "Thời điểm", "periods": periods,
               "rows_stored": "Số dòng", "status": None, "note": None}
    if kind == "labour":
        with shown_errors():
            shown["source"] = shown["id"].map(reads.labour_sources(con))
        columns = {**columns, "source": "Nguồn số liệu"}
    table(shown, columns, {"id": "plain"}, pinned=("id",))
    active = history[history["withdrawn_at"].isna() & ~history["is_demo"]]["id"].tolist()
    if active:
        c1, c2 = st.columns([1, 3])
        chosen = c1.selectbox("Rút lần tải lên", active, key=f"withdraw_{kind}")
        if c2.button("Rút lần tải lên này", help=effect, key=f"withdraw_{kind}_button"):
            with shown_errors():
                writes.withdraw(con, int(chosen), st.session_state.get("user"))
            st.rerun()


def month_page(title, intro=None):
    """The preamble of every page that shows a month: its title (text, or made from the settings), then the view,
    connection and settings; ``intro(settings)`` draws what the page shows even before any monthly data, and
    with no monthly data the page explains what to do and stops."""
    view = st.session_state["view"]
    with shown_errors():
        con, settings = connection(), load_settings()
    st.title(title(settings) if callable(title) else title)
    if intro is not None:
        with shown_errors():
            intro(settings)
    if view.period is None:
        no_data_notice()
        st.stop()
    if not view.complete:
        st.info(f"{view.heading} chưa trọn: mới có số liệu đến hết {fmt.month(view.period)}. "
                "Số của kỳ là số tháng cuối có báo cáo của từng xã, phường; tăng ròng tính đến tháng đó.")
    return view, con, settings


def table(frame, shown: list | dict, kinds: dict | None = None, *, pinned=("rank", "name"), wide=(), **options):
    """``frame``'s ``shown`` columns, in that order, as ``fmt.table`` writes them: the same in every browser.

    ``shown`` names the columns, each under its heading and in its format of ``analytics.text.columns``; a
    dict gives a page's own heading per column instead (None: the registry's heading and format), ``kinds``
    its own formats.
    On a phone the columns that say which row it is (``pinned``) stay in view when the table scrolls sideways
    (on a computer the table fits, and pinned columns would only be greyed); ``wide`` columns (long text) get
    the most room; ``options`` go to st.dataframe."""
    own = {c: h for c, h in shown.items() if h is not None} if isinstance(shown, dict) else {}
    headings = {c: own.get(c) or columns.COLUMNS[c].label for c in shown}
    formats = {c: columns.KINDS[c] for c in headings if c not in own and c in columns.KINDS} | (kinds or {})
    pin = on_phone()
    config = {c: st.column_config.Column(label, pinned=pin and c in pinned, width="large" if c in wide else None)
              for c, label in headings.items()}
    return st.dataframe(fmt.table(frame[list(headings)], formats), hide_index=True, width="stretch",
                        column_config=config, **options)
