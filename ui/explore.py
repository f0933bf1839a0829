"""Khám phá: a pivot table over communes and time, and a SQL console over read-only snapshots of three views."""

import pandas as pd
import streamlit as st

from analytics.access import accounts
from analytics.errors import AnalyticsError
from analytics.figures import pivot, standing
from analytics.reports import exports
from analytics.safety import console
from analytics.settings import db_path, load_settings
from analytics.storage import reads
from analytics.text import fmt
from ui.downloads import CSV, XLSX, offer
from ui.errors import show_error, shown_errors
from ui.state import connection
from ui.widgets import no_data_notice

FORMATTED_CELLS = 20_000  # results up to this many cells have their figures written out in Vietnamese


@st.cache_resource(show_spinner=False, max_entries=4)
def _console(path: str, data_version):
    """One locked snapshot per database and data version: an upload or a withdrawal makes a fresh one."""
    return console.open_console(connection())


def page() -> None:
    """Khám phá: the page's body, run by the navigation on every rerun (ui.routes)."""
    st.title("Khám phá số liệu")
    view = st.session_state["view"]
    with shown_errors():
        accounts.require(st.session_state.get("user"), "explore")
        con, settings = connection(), load_settings()
        months = standing.reported_periods(con)
        data_version = reads.data_version(con)

    pivot_tab, sql_tab = st.tabs(["Bảng tổng hợp", "Truy vấn SQL"])

    with pivot_tab:
        if not months:
            no_data_notice()
        else:
            c1, c2, c3 = st.columns(3)
            rows = c1.multiselect("Hàng", list(pivot.DIMENSIONS), default=["former_district"],
                                  format_func=pivot.LABELS.get, key="pivot_rows", placeholder="Chọn chiều")
            columns = c2.multiselect("Cột", list(pivot.DIMENSIONS), default=["quarter"],
                                     format_func=pivot.LABELS.get, key="pivot_columns", placeholder="Chọn chiều")
            value = c3.selectbox("Chỉ số", list(pivot.VALUES), format_func=pivot.LABELS.get, key="pivot_value")
            start, end = months[0], months[-1]
            if len(months) > 1:
                start, end = st.select_slider("Khoảng thời gian", months, value=(start, end), format_func=fmt.month,
                                              key="pivot_range")
            st.caption(f"Phạm vi: {view.scope}. Số người là số có tại cuối kỳ: giá trị của quý, năm là số của tháng "
                       "cuối cùng có báo cáo trong kỳ của từng xã, không cộng dồn các tháng; các tỷ lệ tính lại từ "
                       "tổng "
                       "tử số và mẫu số. Không chọn chiều thời gian thì bảng cho tháng cuối của khoảng đã chọn.")
            try:
                table = pivot.pivot(con, settings, rows, columns, value, start, end, view.codes)
            except AnalyticsError as exc:
                show_error(exc)
                table = None
            if table is not None and table.empty:
                st.info("Không có số liệu trong khoảng thời gian và phạm vi đã chọn.")
            elif table is not None:
                shown = table.rename(columns=pivot.LABELS)
                figures = [c for c in shown.columns if pd.api.types.is_numeric_dtype(shown[c])]
                percent = value in pivot.RATIOS
                st.dataframe(fmt.table(shown, dict.fromkeys(figures, "pct" if percent else "whole")), hide_index=True,
                             width="stretch")
                drawn = pivot.chart(table, rows, columns, value)
                if drawn is None:
                    st.caption("Biểu đồ chỉ vẽ khi có tối đa 8 chuỗi số liệu; hãy bớt chiều hoặc thu hẹp phạm vi.")
                else:
                    st.altair_chart(drawn, width="stretch")
                name = f"tong-hop-{value}-{start}-{end}"
                d1, d2 = st.columns(2)
                offer("Tải CSV", exports.to_csv(shown), f"{name}.csv", CSV, needs="explore", where=d1)
                offer("Tải Excel", exports.to_xlsx(shown, "Bảng tổng hợp", tuple(figures) if percent else ()),
                      f"{name}.xlsx", XLSX, needs="explore", where=d2)

    with sql_tab:
        st.caption(f"Chỉ đọc, trên bản chụp số liệu của ba bảng dưới đây; mỗi truy vấn là một câu lệnh SELECT, "
                   f"trả về tối đa {fmt.number(console.ROW_LIMIT)} dòng trong tối đa "
                   f"{fmt.number(console.TIME_LIMIT_S)} giây.")
        for name, doc in console.VIEWS_DOC.items():
            with st.expander(f"{name} — {doc['description']}"):
                columns = pd.DataFrame({"Cột": list(doc["columns"]), "Ý nghĩa": list(doc["columns"].values())})
                st.dataframe(fmt.table(columns), hide_index=True, width="stretch")
        sql = st.text_area("Câu lệnh SELECT", "SELECT * FROM v_xa LIMIT 10", height=150, key="sql_text")
        if st.button("Chạy truy vấn", type="primary", key="sql_run"):
            try:
                st.session_state["sql_result"] = console.run_query(_console(str(db_path()), data_version), sql)
            except AnalyticsError as exc:
                st.session_state["sql_result"] = exc
        result = st.session_state.get("sql_result")
        if isinstance(result, AnalyticsError):
            show_error(result)
            for note in getattr(result, "__notes__", []):  # DuckDB's words may quote the query: shown literally
                st.code(note, language=None)
        elif result is not None:
            st.caption(f"{fmt.number(len(result))} dòng")
            if result.attrs.get("truncated"):
                st.warning(f"Kết quả có hơn {fmt.number(console.ROW_LIMIT)} dòng; chỉ hiện {fmt.number(len(result))} "
                           "dòng đầu. Hãy thêm điều kiện lọc, gộp nhóm hoặc LIMIT.")
            # Writing every figure out in Vietnamese takes about 0.1 ms a cell: a large result is shown as it comes
            # (numbers without separators, the same in every browser).
            small = result.size <= FORMATTED_CELLS
            st.dataframe(fmt.table(result, keep_empty=True) if small else result, hide_index=True, width="stretch")
            if not small:
                st.caption(f"Kết quả lớn: số hiện chưa tách hàng nghìn. Thu hẹp truy vấn (dưới "
                           f"{fmt.number(FORMATTED_CELLS)} ô) để xem số theo định dạng Việt Nam.")
            offer("Tải CSV kết quả", exports.to_csv(result), "truy-van.csv", CSV, needs="explore")
