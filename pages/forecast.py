"""Dự báo 2030: where the scope is heading, how far off the target, and how far to trust the forecast."""

import math

import streamlit as st

from analytics import fmt, outlook
from analytics.projection import METHOD_VI
from pages.common import month_page, shown_errors

view, con, settings = month_page(lambda settings: f"Dự báo đến năm {settings.target_year}")
with shown_errors():
    scope = outlook.province_outlook(con, settings, view.codes, until=view.period)
    communes = outlook.commune_outlook(con, settings, view.codes, until=view.period)

end = scope["target_period"]
st.caption(f"Phạm vi: {view.scope} · dự báo từ số liệu đến {fmt.month(view.period)} (tháng chọn ở thanh bên)")
fit = scope["projection"]
if fit is None:
    st.info(scope["reason"])
    st.stop()

c1, c2, c3, c4 = st.columns(4)
c1.metric(f"Dự báo số người tham gia {fmt.month(end)}", fmt.number(fit.projected),
          help=f"Khoảng dự báo 80 %: {fmt.number(fit.lower80)} – {fmt.number(fit.upper80)} người.")
short = scope["gap"]
c2.metric("Dự báo vượt chỉ tiêu" if short < 0 else "Dự báo còn thiếu so với chỉ tiêu", fmt.number(abs(short)),
          help=f"Chỉ tiêu {end[:4]}: {fmt.number(scope['target'])} người, tổng chỉ tiêu các xã, phường trong phạm vi.")
c3.metric("Mức tăng cần đạt mỗi tháng", fmt.number(scope["required"]),
          help=f"(Chỉ tiêu − số người tham gia {fmt.month(fit.last_period)}) chia cho "
               f"{fit.months_ahead} tháng còn lại.")
no_target = math.isnan(scope["required"])
c4.metric("Mức tăng bình quân gần đây mỗi tháng", fmt.number(fit.slope_per_month),
          delta=None if no_target else fmt.signed(fit.slope_per_month - scope["required"]),
          delta_description=None if no_target else "so với mức cần",
          help="Trung vị độ dốc giữa các cặp tháng trong 12 tháng gần nhất (người/tháng).")

st.altair_chart(outlook.fan_chart(scope, settings.target_year), width="stretch")
if scope["left_out"]:
    months = ", ".join(f"{fmt.month(m['period'])} ({m['reporting']}/{m['units']} đơn vị)" for m in scope["left_out"])
    st.caption(f"Không dùng các tháng chưa đủ xã, phường báo cáo, vì tổng của chúng thấp giả tạo: {months}.")
if scope["without_target"]:
    st.caption(f"Chưa có chỉ tiêu (không có trong tổng chỉ tiêu nhưng vẫn tính trong dự báo): "
               f"{', '.join(scope['without_target'])}.")

st.subheader("Phương pháp và độ tin cậy")
st.markdown(METHOD_VI)
check = scope["backtest"]
if check is None:
    st.info(scope["backtest_reason"])
else:
    inside = round(check.coverage80 * check.holdout)
    st.markdown(
        f"Kiểm tra ngược: dự báo lập khi chưa có {check.holdout} tháng số liệu gần nhất có **sai số trung bình "
        f"{fmt.percent(check.mape / 100)}** so với số thực tế của {check.holdout} tháng đó; "
        f"{inside}/{check.holdout} tháng thực tế nằm trong khoảng dự báo 80 % ({fmt.percent(check.coverage80, 0)})."
    )
    st.caption(f"Kiểm tra ngược chỉ dự báo xa tối đa {scope['backtest_horizon']} tháng, còn dự báo đến "
               f"{fmt.month(end)} xa {fit.months_ahead} tháng: sai số thực tế có thể lớn hơn.")

st.subheader("Dự báo theo xã, phường")
st.caption("Sắp xếp theo số còn thiếu so với chỉ tiêu, thiếu nhiều nhất lên đầu. Số âm: dự báo vượt chỉ tiêu.")
number_columns = ["last_value", "projected", "lower80", "upper80", "target", "projected_gap",
                  "required_monthly_increase", "recent_monthly_increase"]
labels = {
    "name": "Xã, phường", "last_period": "Tháng số liệu cuối", "last_value": "Số hiện có (người)",
    "projected": f"Dự báo {fmt.month(end)} (người)",
    "lower80": "Cận dưới 80 % (người)", "upper80": "Cận trên 80 % (người)", "target": "Chỉ tiêu (người)",
    "projected_gap": "Dự báo còn thiếu (người)", "required_monthly_increase": "Cần tăng mỗi tháng (người)",
    "recent_monthly_increase": "Tăng bình quân gần đây mỗi tháng (người)",
}
shown = communes.assign(**{c: communes[c].map(fmt.number) for c in number_columns},
                        last_period=communes["last_period"].map(lambda p: fmt.month(p) if isinstance(p, str) else "—"))
st.dataframe(shown[list(labels)], hide_index=True, width="stretch", column_config=labels)
st.download_button(
    "Tải bảng dự báo (CSV)",
    communes.round(1).rename(columns=labels | {"code": "Mã"}).to_csv(index=False).encode("utf-8-sig"),
    file_name=f"du-bao-{end[:4]}-theo-xa.csv", mime="text/csv",
)
