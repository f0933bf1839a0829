"""Hồ sơ xã, phường: one commune's story (?ma=CODE): who it is, its targets, its figures against its path,
its rank and lights, its evaluation, its reporting, the uploads that touched it, its name matches and findings."""

import datetime as dt

import pandas as pd
import streamlit as st

from analytics.errors import UnknownCommune
from analytics.figures import commune_reports, completeness, coverage, evaluation, profile, scorecard, standing
from analytics.reports import commune_form
from analytics.reports.charts import trend
from analytics.settings import load_settings
from analytics.text import fmt, labels, usertext
from ui.downloads import DOCX, offer
from ui.errors import shown_errors
from ui.state import connection, link_value
from ui.widgets import no_data_notice, table


def page() -> None:
    """Hồ sơ xã, phường: the page's body, run by the navigation on every rerun (ui.routes)."""
    today = dt.date.today()
    view = st.session_state["view"]

    st.title("Hồ sơ xã, phường")
    with shown_errors():
        con, settings = connection(), load_settings()
        units = standing.commune_units(con)
    names = dict(zip(units["code"], units["name"]))

    asked = link_value("ma")
    code = None
    if asked:
        try:
            code = profile.identity(con, asked)["code"]
        except UnknownCommune:
            st.error(usertext.literal(f"Mã «{usertext.excerpt(asked)}» không có trong danh mục đơn vị hành chính của "
                                      "tỉnh."))
    elif view.codes is not None and len(view.codes) == 1:
        code = view.codes[0]  # the sidebar's scope is one commune
    options = list(names)
    code = st.selectbox("Xã, phường", options, index=options.index(code) if code in names else None,
                        format_func=lambda c: f"{names[c]} ({c})", placeholder="Chọn xã, phường…")
    if code is None:
        st.info("Chọn một xã, phường ở ô trên, hoặc mở hồ sơ từ trang «Bản đồ», «Xã chậm tiến độ» hay «Bảng điểm».")
        st.stop()
    st.query_params["ma"] = code

    with shown_errors():
        who = profile.identity(con, code)
    st.header(who["name"])
    facts = [f"Mã {code}", who["unit_type"], f"huyện cũ: {who['former_district'] or '—'}",
             f"tỉnh cũ: {who['former_province'] or '—'}"]
    if who["aliases"]:
        facts.append(f"mã khác được chấp nhận: {', '.join(who['aliases'])}")
    st.caption(" · ".join(facts))

    st.subheader("Chỉ tiêu")
    c1, c2 = st.columns(2)
    c1.metric(f"Chỉ tiêu {settings.target_year} (người)", fmt.number(who["target"]))
    c2.metric(f"Tự nguyện tối thiểu {settings.target_year} (người)", fmt.number(who["voluntary_min"]))
    years = range(int(settings.baseline_month[:4]), settings.target_year + 1)
    with shown_errors():
        yearly = [evaluation.annual_targets(con, settings, y).set_index("code").loc[code] for y in years]
    table(pd.DataFrame([{"year": y, "total_target": r["total_target"], "voluntary_min": r["voluntary_min"],
                         "source": labels.TARGET_SOURCE.get(r["source"])} for y, r in zip(years, yearly)]),
          {"year": None, "total_target": None, "voluntary_min": "Tự nguyện tối thiểu", "source": None},
          {"voluntary_min": "whole"}, pinned=("year",))

    if view.span is None:
        no_data_notice()
    else:
        year = int(view.span[:4])
        with shown_errors():
            figures = standing.commune_table(con, settings, view.span)
            series = standing.province_series(con, settings, view.granularity, [code])
            card = scorecard.of_span(con, settings, view.span, today)[0]
            reported = completeness.reporting(con, settings, today, standing.reported_periods(con))
            graded = evaluation.evaluate(con, settings, year, today).set_index("code").loc[code]
        if who["target"] != who["target"]:  # no 2030 target, so no path to draw beside its figures
            series = series.assign(expected=float("nan"), voluntary_expected=float("nan"))
        row = figures.set_index("code").loc[code]
        st.subheader(f"Kết quả {view.label}")
        if not view.complete:
            st.info(f"{view.heading} chưa trọn: số liệu đến hết {fmt.month(view.period)}.")
        st.caption(f"Số liệu tháng: {fmt.month(row['as_of'])}; trạng thái: {labels.STATUS[row['status']]}.")
        c1, c2, c3, c4 = st.columns(4)
        has_previous = pd.notna(row["net_period"])  # NaN without a figure in the span before
        c1.metric("Số người tham gia", fmt.number(row["total"]),
                  fmt.signed(row["net_period"]) if has_previous else None,
                  delta_description=f"so với {labels.GRANULARITY[view.granularity].lower()} trước" if has_previous
                  else None)
        c2.metric(f"% chỉ tiêu {settings.target_year}", fmt.percent(row["attainment"]))
        c3.metric("Tỷ trọng tự nguyện", fmt.percent(row["voluntary_share"]))
        c4.metric("Bao phủ lực lượng lao động", fmt.percent(row["labour_coverage"]))
        with shown_errors():
            covered = coverage.of_scope(con, settings, view.span, [code])
        st.caption(f"Bao phủ lực lượng lao động: {covered.caption()}; tự nguyện: {covered.caption(voluntary=True)}.")
        st.altair_chart(trend(series, "total", "expected", "Số người tham gia so với lộ trình"), width="stretch")
        st.altair_chart(trend(series, "voluntary", "voluntary_expected", "Tham gia tự nguyện so với lộ trình"),
                        width="stretch")

        st.subheader("Xếp hạng và bảng điểm")
        mine = card.set_index("code").loc[code]
        st.metric("Hạng trong bảng điểm", f"{fmt.number(mine['rank'])}/{fmt.number(len(card))}")
        # The values as text: the grid draws a missing number as "None" whatever its display text says.
        table(pd.DataFrame([{"indicator": scorecard.HEADINGS[k], "value": fmt.points(mine[k]),
                             "light": labels.LIGHT[mine[f"{k}_light"]]} for k in scorecard.INDICATORS]),
              {"indicator": "Chỉ số", "value": "Giá trị", "light": "Đèn"}, pinned=("indicator",))

        st.subheader(f"Đánh giá năm {year}")
        provisional = "" if standing.span_state(con, str(year))["complete"] else " (tạm tính: năm chưa hết số liệu)"
        st.markdown(f"**{labels.EVALUATION[graded['evaluation']]}**{provisional}")
        st.write(graded["reason"])
        st.caption(f"Tiêu chí: {settings.evaluation['source']}.")

        st.subheader("Báo cáo số liệu hằng tháng")
        mine_reported = reported[reported["code"] == code]
        share = completeness.completeness_share(mine_reported).get(code)
        st.caption(f"Tỷ lệ tháng đến hạn có số liệu: {fmt.percent(share)}.")
        table(mine_reported.assign(period=mine_reported["period"].map(fmt.month),
                                   status=mine_reported["status"].map(labels.REPORTING),
                                   due=mine_reported["due"].map(fmt.date),
                                   first_stored=mine_reported["first_stored"].map(fmt.date)),
              {"period": "Tháng", "status": "Tình trạng", "due": "Hạn", "first_stored": "Ngày nhập"},
              pinned=("period",))

    st.subheader("Báo cáo năm gửi tỉnh")
    if view.span is not None:
        form_year = int(view.span[:4])
        offer(f"Tải mẫu báo cáo năm {form_year} của xã, phường (Word)",
              lambda: commune_form.build(connection(), load_settings(), form_year, today, code),
              commune_form.file_name(form_year, code, who["name"]), DOCX)
    with shown_errors():
        returns = commune_reports.returned(con, code=code)
    if returns.empty:
        st.info("Chưa có báo cáo năm nào của xã, phường này được lưu.")
    else:
        table(returns.assign(uploaded_at=returns["uploaded_at"].dt.strftime("%d/%m/%Y %H:%M")),
              {"year": None, "file_name": None, "uploaded_by": None, "uploaded_at": "Thời điểm", "sha256": None},
              pinned=("year",))

    st.subheader("Các lần tải lên có số liệu của xã, phường")
    with shown_errors():
        touched = profile.uploads(con, code)
    if touched.empty:
        st.info("Chưa có lần tải lên nào có số liệu của xã, phường này.")
    else:
        table(touched.assign(kind=touched["kind"].map(labels.UPLOAD_KIND),
                             uploaded_at=touched["uploaded_at"].dt.strftime("%d/%m/%Y %H:%M"),
                             state=touched["withdrawn_at"].isna().map(labels.UPLOAD_STATE)),
              {"id": None, "kind": None, "file_name": None, "uploaded_by": None, "uploaded_at": "Thời điểm",
               "periods": "Kỳ", "state": "Trạng thái"}, {"id": "plain"}, pinned=("id",))

    st.subheader("Khớp tên và phát hiện")
    with shown_errors():
        matches = profile.name_matches(con, code)
        found = profile.findings(con, code)
    if matches.empty:
        st.info("Không dòng nào của phụ lục kế hoạch hay của tệp số liệu được khớp vào đơn vị này.")
    else:
        table(labels.shown(matches, {"source": labels.NAME_SOURCE, "method": labels.MATCH_METHOD,
                                     "status": labels.MATCH_STATUS}),
              {"source": None, "written": None, "method": None, "score": None, "status": None,
               "uploads": "Số lần tải lên"}, {"uploads": "whole"},
              pinned=("written",))
    if found.empty:
        st.success("Không có phát hiện nào về xã, phường này.")
    else:
        table(labels.shown(found, {"kind": labels.FINDING_KIND, "status": labels.MATCH_STATUS}),
              ["kind", "subject", "detail", "status"], pinned=("kind",))
