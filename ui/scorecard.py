"""Bảng điểm: communes × indicators with traffic lights, sortable, rankable and printable."""

import datetime as dt

import streamlit as st

from analytics.figures import scorecard
from analytics.text import fmt
from ui.errors import shown_errors
from ui.state import in_scope, profile_on_select
from ui.widgets import month_page, on_phone

LIGHT_CSS = {scorecard.GREEN: "background-color: #c7ecdf", scorecard.AMBER: "background-color: #fbe3b5",
             scorecard.RED: "background-color: #f6cbb7", scorecard.NONE: ""}
LIGHT_MARK = {scorecard.GREEN: "●", scorecard.AMBER: "▲", scorecard.RED: "■", scorecard.NONE: ""}


def page() -> None:
    """Bảng điểm: the page's body, run by the navigation on every rerun (ui.routes)."""
    view, con, settings = month_page("Bảng điểm xã, phường")
    with shown_errors():
        card, year_targets = scorecard.of_span(con, settings, view.span, dt.date.today())
    card = in_scope(card, view)

    st.caption(f"{view.label} · ● xanh: đạt ngưỡng; ▲ vàng: gần đạt; ■ đỏ: dưới ngưỡng. "
               "Ngưỡng lấy từ cấu hình kế hoạch. Xếp hạng: ít chỉ số đỏ nhất, rồi ít vàng nhất, rồi tỷ lệ đạt 2030. "
               "Bao phủ LLLĐ: số người tham gia ÷ lực lượng lao động trong độ tuổi của xã, phường, năm của kỳ (hoặc "
               "năm "
               "gần nhất trước đó có số liệu), theo số đã tải lên cùng nguồn của nó; «—»: xã, phường chưa có số đó.")
    if year_targets is None:
        st.info(f"Chưa có chỉ tiêu năm {view.period[:4]} chính thức nên bảng chưa có cột «Đạt chỉ tiêu năm»; "
                "chỉ tiêu năm được nhập ở trang «Chỉ tiêu năm».")
    sort_by = st.selectbox("Sắp xếp theo", ["rank", *scorecard.INDICATORS],
                           format_func=lambda k: "Xếp hạng" if k == "rank" else scorecard.HEADINGS[k])
    card = card.sort_values(sort_by, ascending=sort_by == "rank", na_position="last").reset_index(drop=True)

    # Each figure stays a number (a click on its header sorts by it) and is shown with its light's mark and colour;
    # an indicator with no figure at all (no official annual targets yet) takes no room.
    headers = {"rank": "Hạng", "name": "Xã, phường", **scorecard.HEADINGS}
    styled = fmt.table(card[list(headers)], {"rank": "plain", **dict.fromkeys(scorecard.INDICATORS, "points")},
                       marks={k: card[f"{k}_light"].map(LIGHT_MARK) for k in scorecard.INDICATORS})
    shown = [k for k in scorecard.INDICATORS if k in styled.data.columns]
    styled = styled.apply(lambda column: [LIGHT_CSS[x] for x in card[f"{column.name}_light"]], subset=shown)
    printable = st.toggle("Chế độ in")
    if printable:
        st.markdown("<style>@media print { section[data-testid='stSidebar'], header, "
                    "div[data-testid='stToolbar'] { display: none !important; } }</style>", unsafe_allow_html=True)
        st.table(styled.hide(axis="index").relabel_index([headers[c] for c in styled.data.columns], axis="columns"))
    else:
        st.caption("Chọn một dòng để mở hồ sơ của xã, phường đó.")
        event = st.dataframe(styled, hide_index=True, width="stretch", height=min(38 * (len(card) + 1), 900),
                             on_select="rerun", selection_mode="single-row", key="scorecard_table",
                             column_config={c: st.column_config.Column(headers[c],
                                                                       pinned=on_phone() and c in ("rank", "name"))
                                            for c in styled.data.columns})
        profile_on_select(event, card)
