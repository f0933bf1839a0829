"""Công khai kết quả: read-only results and ranks for the latest month, open to everyone; aggregates only, and the
lists of employers that pay late, evade or owe that an administrator published (plan III.4.c), each with its
date and source. Nothing about an employer appears here before it is published or after it is withdrawn."""

import streamlit as st

from analytics.figures import publication, standing
from analytics.settings import load_settings
from analytics.storage import reads
from analytics.text import fmt, labels, usertext
from ui.errors import shown_errors
from ui.state import connection
from ui.widgets import table


def page() -> None:
    """Công khai kết quả: the page's body, run by the navigation on every rerun (ui.routes)."""
    st.title("Công khai kết quả phát triển người tham gia BHXH")
    with shown_errors():
        con, settings = connection(), load_settings()
        period = reads.latest_period(con)
        results = standing.public_results(con, settings, period) if period is not None else None
        updated = reads.last_upload_time(con)
        published = publication.public_lists(con)

    if results is None:
        st.info("Chưa có kết quả để công khai.")
    else:
        st.caption(f"Kết quả {fmt.month(period)} theo Kế hoạch của {settings.issuer} {settings.province} "
                   f"triển khai Nghị quyết {settings.resolution}. Nguồn: số liệu do cơ quan Bảo hiểm xã hội cung cấp, "
                   f"cập nhật ngày {fmt.date(updated) if updated else '—'}.")
        # The rate first: on a phone the rank, the name and the rate fit the screen, the rest scrolls.
        table(results, {"rank": "Hạng", "name": "Xã, phường", "attainment": "Tỷ lệ đạt", "total": "Số người tham gia",
                        "target": f"Chỉ tiêu {settings.target_year}", "voluntary": "Tự nguyện",
                        "voluntary_min": "Chỉ tiêu tự nguyện tối thiểu"},
              {"rank": "plain", "attainment": "pct", "total": "whole", "target": "whole", "voluntary": "whole",
               "voluntary_min": "whole"})

    for shown, rows in published:
        st.subheader(f"Danh sách đơn vị vi phạm về đóng BHXH {fmt.month(shown['period'])}")
        st.caption(usertext.literal(f"Công bố ngày {fmt.date(shown['published_on'])}. Nguồn: {shown['source']}. "
                                    "Số tiền nợ tính bằng triệu đồng."))
        table(rows.assign(status=rows["status"].map(labels.EMPLOYER_STATUS)),
              {"employer": None, "tax_code": None, "commune": None, "months_late": None, "amount_owed": None,
               "status": "Tình trạng"}, pinned=("employer",), wide=("employer",))
