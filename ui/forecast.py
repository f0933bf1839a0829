"""Dự báo 2030: where the scope is heading and how far off the target; how the forecast is made, folded away."""

import math

import streamlit as st

from analytics.figures import outlook
from analytics.figures.projection import METHOD_VI
from analytics.text import fmt
from ui.downloads import CSV, offer
from ui.errors import shown_errors
from ui.widgets import month_page, table

NEAR = 12  # months ahead in the first chart: the reported months keep a fair share of its width


def page() -> None:
    """Dự báo 2030: the page's body, run by the navigation on every rerun (ui.routes)."""
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

    # Short labels, the detail in each card's help: a label never has to be cut to fit its column.
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(f"Dự báo {fmt.month(end)}", fmt.number(fit.projected),
              help=f"Số người tham gia dự báo; khoảng dự báo 80 %: {fmt.number(fit.lower80)} – "
                   f"{fmt.number(fit.upper80)} người.")
    short = scope["gap"]
    c2.metric("Dự báo vượt chỉ tiêu" if short < 0 else "Còn thiếu so với chỉ tiêu", fmt.number(abs(short)),
              help=f"Chỉ tiêu {end[:4]}: {fmt.number(scope['target'])} người, tổng chỉ tiêu các xã, phường trong phạm "
                   "vi.")
    c3.metric("Cần tăng mỗi tháng", fmt.number(scope["required"]),
              help=f"Số người cần tăng thêm mỗi tháng từ {fmt.month(fit.last_period)} để đạt chỉ tiêu: (chỉ tiêu − số "
                   f"hiện có) chia cho {fit.months_ahead} tháng còn lại.")
    no_target = math.isnan(scope["required"])
    c4.metric("Đang tăng mỗi tháng", fmt.number(fit.slope_per_month),
              delta=None if no_target else fmt.signed(fit.slope_per_month - scope["required"]),
              delta_description=None if no_target else "so với mức cần",
              help="Mức tăng bình quân mỗi tháng theo xu hướng 12 tháng gần nhất.")

    near, far = st.tabs([f"Thực hiện và {NEAR} tháng tới", f"Đến {fmt.month(end)}"])
    with shown_errors():
        near.vega_lite_chart(outlook.fan_spec(con, settings, view.codes, view.period, NEAR), width="stretch")
        far.vega_lite_chart(outlook.fan_spec(con, settings, view.codes, view.period), width="stretch")
    if scope["left_out"]:
        months = ", ".join(f"{fmt.month(m['period'])} ({m['reporting']}/{m['units']} đơn vị)"
                           for m in scope["left_out"])
        st.caption(f"Không dùng các tháng chưa đủ xã, phường báo cáo, vì tổng của chúng thấp giả tạo: {months}.")
    if scope["without_target"]:
        st.caption(f"Chưa có chỉ tiêu (không có trong tổng chỉ tiêu nhưng vẫn tính trong dự báo): "
                   f"{', '.join(scope['without_target'])}.")

    with st.expander("Phương pháp"):
        st.markdown(METHOD_VI)
        check = scope["backtest"]
        if check is None:
            st.markdown(scope["backtest_reason"])
        else:
            n = check.holdout
            st.markdown(f"Để kiểm tra, dự báo được lập lại như thể chưa có số liệu của {n} tháng gần nhất: sai lệch "
                        f"trung bình so với số thực tế của {n} tháng đó là {fmt.percent(check.mape / 100)}.")
            inside = round(check.calibrated_coverage80 * n)
            if check.widening > 1:
                st.markdown(f"Khoảng dự báo được nới rộng theo đúng các sai lệch đó, đủ để bao được ít nhất 80 % số "
                            f"tháng kiểm tra (ở đây {inside}/{n} tháng).")
            else:
                st.markdown(f"Khoảng dự báo 80 % bao được {inside}/{n} tháng kiểm tra.")
            st.markdown(f"Việc kiểm tra chỉ dự báo xa tối đa {scope['backtest_horizon']} tháng, còn dự báo đến "
                        f"{fmt.month(end)} xa {fit.months_ahead} tháng, nên sai số thực tế có thể lớn hơn.")

    st.subheader("Dự báo theo xã, phường")
    st.caption("Sắp xếp theo số còn thiếu so với chỉ tiêu, thiếu nhiều nhất lên đầu. Số âm: dự báo vượt chỉ tiêu.")
    labels = {
        "name": "Xã, phường", "projected_gap": "Dự báo còn thiếu (người)", "projected": f"Dự báo {fmt.month(end)} "
                                                                                        "(người)",
        "target": "Chỉ tiêu (người)", "last_value": "Số hiện có (người)", "required_monthly_increase":
        "Cần tăng mỗi tháng (người)", "recent_monthly_increase": "Đang tăng mỗi tháng (người)",
        "lower80": "Cận dưới 80 % (người)", "upper80": "Cận trên 80 % (người)", "last_period": "Tháng số liệu cuối",
    }
    shown = communes.assign(
        last_period=communes["last_period"].map(lambda p: fmt.month(p) if isinstance(p, str) else None))
    table(shown, labels, {c: "whole" for c in labels if c not in ("name", "last_period")})
    offer("Tải bảng dự báo (CSV)",
          communes.round(1).rename(columns=labels | {"code": "Mã"}).to_csv(index=False).encode("utf-8-sig"),
          f"du-bao-{end[:4]}-theo-xa.csv", CSV)
