"""What every page shares: the cached connection, labels, and error display."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass

import streamlit as st

from analytics import accounts, fmt, metrics
from analytics.build import ensure_database
from analytics.errors import AnalyticsError
from analytics.settings import db_path, load_settings

STATUS_VI = {
    "exact": "Khớp chính xác",
    "open": "Cần xác nhận",
    "confirmed": "Đã xác nhận",
    "unmatched": "Chưa khớp",
    "info": "Ghi nhận",
}
METHOD_VI = {
    "exact": "trùng khớp",
    "normalised": "chuẩn hoá (hoa/thường, dấu, tiền tố)",
    "fuzzy": "gần đúng (có dấu)",
    "fuzzy_folded": "gần đúng (bỏ dấu)",
    "override": "do người dùng chỉnh",
}
KIND_VI = {
    "unmatched_row": "Dòng phụ lục chưa khớp",
    "non_exact_match": "Khớp không chính xác",
    "matched_twice": "Đơn vị bị khớp hai lần",
    "unit_without_target": "Đơn vị không có chỉ tiêu",
    "total_mismatch": "Tổng không khớp",
    "figure": "Số liệu bất thường",
    "registry_disagreement": "Hai gói danh mục khác nhau",
}


@st.cache_resource(show_spinner=False)
def _connection(path: str):
    return ensure_database(path)


def connection():
    """A cursor of the process-wide connection: one per rerun, safe across sessions."""
    return _connection(str(db_path())).cursor()


@contextmanager
def shown_errors():
    """Expected failures become a Vietnamese message on the page, never a traceback."""
    try:
        yield
    except AnalyticsError as exc:
        st.error(str(exc))
        st.stop()


INDICATORS = {
    "attainment": "Tỷ lệ đạt chỉ tiêu 2030",
    "progress": "Tiến độ so với lộ trình",
    "voluntary_attainment": "Tự nguyện so với chỉ tiêu tối thiểu",
    "voluntary_share": "Tỷ trọng tự nguyện",
    "labour_coverage": "Tỷ lệ bao phủ lực lượng lao động",
}
ALL = "Toàn tỉnh"


@dataclass(frozen=True)
class View:
    """The sidebar's choices, shared by every page and kept in the URL."""

    period: str | None
    scope: str  # ALL, "Huyện cũ: …", "Tỉnh cũ: …" or a commune name
    codes: list[str] | None  # None = every unit
    indicator: str


def _query(key: str, options: list[str], default: str) -> str:
    value = st.query_params.get(key)
    return value if value in options else default


def sidebar(con) -> View:
    """Month, commune or group, indicator: read from and written back to the URL query."""
    months = metrics.periods(con)
    units = metrics.communes(con)
    scopes = [ALL]
    scopes += [f"Tỉnh cũ: {p}" for p in sorted(units["former_province"].dropna().unique())]
    scopes += [f"Huyện cũ: {d}" for d in sorted(units["former_district"].dropna().unique())]
    scopes += units["name"].tolist()
    with st.sidebar:
        st.header("Bộ lọc")
        period = None
        if months:
            period = st.selectbox("Tháng", months[::-1], format_func=fmt.month,
                                  index=months[::-1].index(_query("thang", months, months[-1])))
        scope = st.selectbox("Phạm vi", scopes, index=scopes.index(_query("pham_vi", scopes, ALL)))
        keys = list(INDICATORS)
        indicator = st.selectbox("Chỉ số", keys, format_func=INDICATORS.get,
                                 index=keys.index(_query("chi_so", keys, keys[0])))
    st.query_params.update({"thang": period or "", "pham_vi": scope, "chi_so": indicator})
    if scope == ALL:
        codes = None
    elif scope.startswith("Tỉnh cũ: "):
        codes = units[units["former_province"] == scope.removeprefix("Tỉnh cũ: ")]["code"].tolist()
    elif scope.startswith("Huyện cũ: "):
        codes = units[units["former_district"] == scope.removeprefix("Huyện cũ: ")]["code"].tolist()
    else:
        codes = units[units["name"] == scope]["code"].tolist()
    return View(period, scope, codes, indicator)


def no_data_notice() -> None:
    st.info("Chưa có số liệu hằng tháng. Vào trang «Nhập số liệu» để tải tệp số liệu lên, "
            "hoặc chạy `python -m analytics.build --demo` để xem thử với dữ liệu minh hoạ.")


def oidc_configured() -> bool:
    """Single sign-on is offered when Streamlit secrets hold an [auth] section."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


def sign_in(user: accounts.User) -> None:
    st.session_state["user"] = user
    st.session_state["last_seen"] = time.monotonic()


def sign_out() -> None:
    for key in ("user", "last_seen"):
        st.session_state.pop(key, None)


def current_user(con, settings) -> accounts.User | None:
    """The session's user; idle sessions expire. A single sign-on identity maps to its local account."""
    user = st.session_state.get("user")
    if user is None and oidc_configured() and getattr(st.user, "is_logged_in", False):
        found = accounts.users(con)
        match = found[(found["username"] == str(st.user.get("email", "")).lower()) & ~found["disabled"]]
        role = match.iloc[0]["role"] if len(match) else "viewer"
        user = accounts.User(str(st.user.get("email")), str(st.user.get("name", st.user.get("email"))), role)
        sign_in(user)
    if user is not None and time.monotonic() - st.session_state.get("last_seen", 0) > settings.idle_minutes * 60:
        sign_out()
        st.session_state["expired"] = True
        return None
    if user is not None:
        st.session_state["last_seen"] = time.monotonic()
    return user


def show_review(prepared) -> None:
    """A prepared upload (monthly or annual) before saving: counts, each problem at its row and column, the rows."""
    errors, warnings = prepared.errors, prepared.warnings
    c1, c2, c3 = st.columns(3)
    c1.metric("Dòng hợp lệ", fmt.number(len(prepared.checked.table)))
    c2.metric("Lỗi", fmt.number(len(errors)))
    c3.metric("Cảnh báo", fmt.number(len(warnings)))
    if prepared.duplicate_of is not None:
        st.info(f"Tệp này đã được tải lên (lần tải lên số {prepared.duplicate_of}); sẽ không áp dụng lần thứ hai.")
    if errors:
        st.error("Tệp có lỗi nên chưa thể lưu. Sửa các dòng dưới đây rồi tải lại.")
    problems = prepared.problem_table()
    if not problems.empty:
        st.subheader("Các vấn đề")
        st.dataframe(problems.style.apply(
            lambda r: ["background-color: #fde2e1" if r["Mức"] == "Lỗi" else "background-color: #fff4d6"] * len(r),
            axis=1), hide_index=True, width="stretch")
    st.subheader("Xem trước")
    st.dataframe(prepared.preview(), hide_index=True, width="stretch")


def month_page():
    """View, connection and settings of a page that shows a month; with no monthly data it explains and stops."""
    view = st.session_state["view"]
    with shown_errors():
        con, settings = connection(), load_settings()
    if view.period is None:
        no_data_notice()
        st.stop()
    return view, con, settings


def in_scope(frame, view: View):
    """The rows of the sidebar's scope (every unit when no scope is chosen)."""
    return frame if view.codes is None else frame[frame["code"].isin(view.codes)]
