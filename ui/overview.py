"""Tổng quan: where the province (or the chosen scope) stands against 2030, by month, quarter or year."""

import streamlit as st

from analytics.figures import coverage, standing
from analytics.reports.charts import trends
from analytics.storage import reads
from analytics.text import fmt, labels
from analytics.units import headline
from ui.errors import shown_errors
from ui.widgets import month_page, table


def page() -> None:
    """Tổng quan: the page's body, run by the navigation on every rerun (ui.routes)."""
    view, con, settings = month_page("Tổng quan")
    with shown_errors():
        card = standing.summary(con, settings, view.span, view.codes)
        freshness = reads.last_upload_time(con)
        path = standing.trajectory_source(con)
        covered = coverage.of_scope(con, settings, view.span, view.codes)

    st.caption(f"{view.scope} · {view.label} · số liệu cập nhật lần cuối "
               f"{fmt.date(freshness) if freshness else '—'}; tháng mới nhất có số liệu: "
               f"{fmt.month(reads.latest_period(con))}. Lộ trình: {path}.")
    # Two rows of three, all of it first, then the voluntary part: no label is cut short on a 1280 px projector.
    c1, c2, c3 = st.columns(3)
    c1.metric("Số người tham gia", fmt.number(card.total), fmt.signed(card.net) if card.has_net else None,
              delta_description=f"so với {labels.GRANULARITY[view.granularity].lower()} trước" if card.has_net
              else None)
    c2.metric(f"% chỉ tiêu {settings.target_year}", fmt.percent(card.attainment),
              help=f"Chỉ tiêu: {fmt.number(card.target)} người")
    c3.metric("Xã đạt tiến độ", f"{fmt.number(card.on_track)}/{fmt.number(card.units)}")
    c1, c2, _ = st.columns(3)
    c1.metric("Tham gia tự nguyện", fmt.number(card.voluntary))
    c2.metric("% chỉ tiêu tự nguyện tối thiểu", fmt.percent(card.voluntary_attainment),
              help=f"Chỉ tiêu tối thiểu: {fmt.number(card.voluntary_min)} người")
    # The plan's goal II.2.a against the labour force, its denominator always named.
    goal, voluntary_goal = settings.headline.labour_force_coverage_pct, settings.headline.voluntary_coverage_pct
    c1, c2, _ = st.columns(3)
    c1.metric("Bao phủ lực lượng lao động", fmt.percent(covered.coverage),
              help=f"Số người tham gia ÷ lực lượng lao động trong độ tuổi; mục tiêu {settings.target_year}: "
                   f"{fmt.number(goal)} %. {coverage.RULE_VI}")
    c2.metric("Bao phủ tự nguyện", fmt.percent(covered.voluntary_coverage),
              help=f"Số người tham gia tự nguyện ÷ lực lượng lao động trong độ tuổi; mục tiêu {settings.target_year}: "
                   f"{fmt.number(voluntary_goal)} %.")
    unsettled = ("; hai tỷ lệ mục tiêu này chưa thống nhất với số người của kế hoạch, xem «Kiểm tra dữ liệu»"
                 if headline.findings(settings.headline) else "")
    st.caption(f"Bao phủ: {covered.caption()}; tự nguyện: {fmt.percent(covered.voluntary_coverage)}. Mục tiêu "
               f"{settings.target_year}: {fmt.number(goal)} % (tự nguyện {fmt.number(voluntary_goal)} %){unsettled}.")
    if card.reporting < card.units:
        st.warning(f"{view.heading}: {fmt.number(card.units - card.reporting)} xã, "
                   "phường chưa có số liệu; tổng trên chỉ cộng các xã đã báo cáo.")
    if card.stated_target != card.target and view.codes is None:
        st.info(f"Tổng chỉ tiêu của các xã khớp được với danh mục là {fmt.number(card.target)}, "
                f"kế hoạch ghi {fmt.number(card.stated_target)}. Xem trang «Kiểm tra dữ liệu».")

    with shown_errors():
        specs = trends(con, settings, view.granularity, view.codes,
                       ("Số người tham gia BHXH so với lộ trình đến mục tiêu",
                        "Số người tham gia BHXH tự nguyện so với lộ trình"))
    for spec in specs:
        st.vega_lite_chart(spec, width="stretch")

    if view.codes is None:
        with st.expander("Bao phủ lực lượng lao động theo huyện cũ"):
            with shown_errors():
                groups = coverage.by_group(con, settings, view.span)
            table(groups, {"group": "Huyện cũ", "coverage": "Bao phủ", "voluntary_coverage": "Bao phủ tự nguyện",
                           "total": "Số người tham gia", "labour_force": "Lực lượng lao động", "denominator": "Mẫu số"},
                  {"coverage": "pct", "voluntary_coverage": "pct", "total": "whole", "labour_force": "whole"},
                  pinned=("group",), wide=("denominator",))
