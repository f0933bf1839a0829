"""Kinh phí hỗ trợ: what the State's support of voluntary contributions and a provincial top-up cost each year to the
plan's end, for the Department of Finance; the scenario is tried on the page and never saved."""

import streamlit as st

from analytics.figures import support_budget
from analytics.reports import budget_workbook
from analytics.settings import SUPPORT_GROUPS
from analytics.storage import reads
from analytics.text import fmt, labels
from ui.downloads import XLSX, offer
from ui.errors import shown_errors
from ui.widgets import month_page, on_phone, table


def page() -> None:
    """Kinh phí hỗ trợ: the page's body, run by the navigation on every rerun (ui.routes)."""
    view, con, settings = month_page("Kinh phí hỗ trợ đóng BHXH tự nguyện")
    support = settings.support
    if support is None:
        st.info("Tệp cấu hình kế hoạch chưa có mục [support] (tỷ lệ đóng, chuẩn nghèo, mức Nhà nước hỗ trợ và nguồn "
                "văn "
                "bản): hãy thêm mục này như trong tệp data/plan.toml đi kèm.")
        st.stop()
    st.caption(f"Phạm vi: {view.scope} · số liệu báo cáo đến {fmt.month(view.period)} (tháng chọn ở thanh bên) · "
               f"các năm {support_budget.plan_months(settings)[0][:4]}–{settings.target_year}")

    basis = st.segmented_control("Các tháng chưa có báo cáo tính theo", list(support_budget.BASES),
                                 default="trajectory", required=True, format_func=labels.SUPPORT_BASIS.get, key="co_so")
    with st.expander("Kịch bản: cơ cấu nhóm đối tượng và mức tỉnh hỗ trợ thêm", expanded=not on_phone()):
        st.caption(f"Cơ cấu mặc định: {support.mix_source}. Thay đổi ở đây chỉ để tính thử, không được lưu.")
        mix, topup = {}, {}
        for group, column in zip(SUPPORT_GROUPS, st.columns(len(SUPPORT_GROUPS))):
            name = labels.SUPPORT_GROUP[group]
            mix[group] = column.number_input(f"{name}: tỷ trọng (%)", 0.0, 100.0, support.mix_pct[group], 1.0, "%g",
                                             key=f"co_cau_{group}")
            room = 100.0 - support.rates_pct[group]
            topup[group] = column.number_input(
                f"{name}: tỉnh hỗ trợ thêm (%)", 0.0, room, 0.0, 1.0, "%g", key=f"ho_tro_them_{group}",
                help=f"Nhà nước hỗ trợ {fmt.decimal(support.rates_pct[group])} % mức đóng; tỉnh hỗ trợ thêm tối đa "
                     f"{fmt.decimal(room)} % để tổng không vượt mức đóng.")

    with shown_errors():
        plan = support_budget.budget(con, settings, basis, mix, topup, view.codes, view.period)
        sensitivity = support_budget.sensitivity(con, settings, basis, mix, view.codes, view.period)
        xlsx = budget_workbook.workbook(settings, plan, sensitivity, view.scope, reads.has_demo(con))

    if (below := plan.basis_below_reported()) is not None:
        st.info(f"{fmt.month(below.last_period).capitalize()} đã có {fmt.number(below.last_stock)} người tham gia tự "
                f"nguyện, nhiều hơn mức {fmt.number(below.basis_stock)} người mà cơ sở «{labels.SUPPORT_BASIS[basis]}» "
                f"cho {fmt.month(below.basis_period)}: kinh phí các tháng sau tính theo cơ sở này có thể thấp hơn "
                "thực tế.")
    years = support_budget.yearly_table(plan)
    whole = years.iloc[-1]
    first, last = plan.years["year"].iloc[0], plan.years["year"].iloc[-1]
    c1, c2, c3 = st.columns(3)
    c1.metric(f"Tổng {first}–{last} (tỷ đồng)", fmt.number(whole["total"] / 1000, 1),
              help="Nhà nước hỗ trợ và tỉnh hỗ trợ thêm, cộng các năm.")
    c2.metric(f"{labels.BUDGET['central']} (tỷ đồng)", fmt.number(whole["central"] / 1000, 1))
    c3.metric(f"{labels.BUDGET['provincial']} (tỷ đồng)", fmt.number(whole["provincial"] / 1000, 1))

    st.subheader("Kinh phí theo năm")
    st.caption("Người-tháng: tổng số người tham gia tự nguyện cuối các tháng của năm. Tiền: triệu đồng.")
    table(years, {"year": "Năm", "total": "Tổng", "central": "Ngân sách trung ương", "provincial": "Ngân sách tỉnh",
                  "person_months": "Người-tháng", "contribution": "Mức đóng (đồng/tháng)"},
          {"person_months": "whole", "central": "tenths", "provincial": "tenths", "total": "tenths"},
          pinned=("year",))

    st.subheader("Ngân sách tỉnh theo mức hỗ trợ thêm")
    st.caption("Tỉnh hỗ trợ thêm cùng một mức (điểm phần trăm của mức đóng) cho mọi nhóm; triệu đồng.")
    year_columns = [c for c in sensitivity.columns if c.isdigit()]
    table(support_budget.sensitivity_table(sensitivity),
          {"topup_pct": "Hỗ trợ thêm (%)", **{y: y for y in year_columns}, "total": "Cộng"},
          {"topup_pct": "decimal", **dict.fromkeys([*year_columns, "total"], "tenths")}, pinned=("topup_pct",))

    with st.expander("Cách tính và căn cứ"):
        for line in support_budget.method_lines(settings, plan):
            st.markdown(f"- {line}")
        worded = support_budget.explained(settings, plan)
        for row in worded.years.itertuples():
            st.markdown(f"**Năm {row.year}:** {row.formula}.")
            mine = worded.groups[worded.groups["year"] == row.year]
            st.markdown("\n".join(f"- {labels.SUPPORT_GROUP[g]}: {f}." for g, f in zip(mine["group"], mine["formula"])))

    offer("Tải bảng kinh phí (Excel)", xlsx, budget_workbook.file_name(plan), XLSX)
