"""Tự nguyện: voluntary share and attainment by commune, and the campaign month's effect."""

import streamlit as st

from analytics.figures import standing
from analytics.reports.charts import RANKED, ranked_spec
from analytics.text import fmt
from ui.errors import shown_errors
from ui.state import in_scope
from ui.widgets import month_page

TOP = 10  # bars a chart shows unless every commune is asked for


def page() -> None:
    """Tự nguyện: the page's body, run by the navigation on every rerun (ui.routes)."""
    view, con, settings = month_page("Bảo hiểm xã hội tự nguyện")
    with shown_errors():
        table = standing.commune_table(con, settings, view.span)
        campaign = standing.campaign_effect(con, settings, view.codes)
    table = in_scope(table, view)
    reported = table[table["total"].notna()]

    c1, c2, c3 = st.columns(3)
    c1.metric("Tỷ trọng tự nguyện", fmt.percent(reported["voluntary"].sum() / reported["total"].sum()),
              help=f"Mục tiêu kế hoạch: {fmt.number(settings.headline.voluntary_coverage_pct)} % lực lượng lao động")
    c2.metric("Đạt chỉ tiêu tự nguyện tối thiểu",
              fmt.percent(reported["voluntary"].sum() / table["voluntary_min"].sum()))
    c3.metric("Xã chậm về tự nguyện", fmt.number(standing.lags_on(reported, ["voluntary"]).sum()))

    st.subheader(f"Tháng vận động (tháng {settings.campaign_month})")
    if campaign.empty:
        st.info("Chưa có số liệu của tháng vận động và tháng liền trước.")
    else:
        for row in campaign.itertuples():
            st.write(f"Năm {row.year}: tự nguyện tăng {fmt.signed(row.campaign_increase)} người trong tháng vận động, "
                     f"so với bình quân {fmt.signed(row.other_increase, 0)} người/tháng ở các tháng khác "
                     f"(gấp {fmt.number(row.ratio, 1)} lần).")

    # Ten bars read on a phone; all of them only when asked for.
    which = st.segmented_control("Xã, phường hiện trên biểu đồ", list(RANKED), default="lowest", required=True,
                                 format_func=lambda k: RANKED[k] if k == "all" else f"{TOP} {RANKED[k]}")
    with shown_errors():
        specs = [ranked_spec(con, settings, view.span, view.codes, value, which, TOP, title, axis, colour=colour)
                 for value, title, axis, colour in (
                     ("voluntary_attainment", f"Tự nguyện so với chỉ tiêu tối thiểu {settings.target_year}",
                      "Tỷ lệ đạt chỉ tiêu tự nguyện (%)", "status"),
                     ("voluntary_share", "Tỷ trọng tự nguyện trong số người tham gia", "Tỷ trọng tự nguyện (%)", None))]
    for spec in specs:
        st.vega_lite_chart(spec, width="stretch")
