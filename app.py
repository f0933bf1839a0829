"""Entry point: navigation by role, the shared sidebar (kept in the URL) and the demo banner."""

import streamlit as st

from analytics import accounts, store
from analytics.settings import load_settings
from pages.common import connection, current_user, shown_errors, sidebar, sign_out

st.set_page_config(page_title="Theo dõi BHXH đến 2030", page_icon="📊", layout="wide")


def page(path, title, icon, url, default=False):
    return st.Page(path, title=title, icon=icon, url_path=url, default=default)


def navigation(user, settings) -> dict:
    """Only the pages the user's role may open; the public page is always open."""
    public = page("pages/public.py", "Công khai kết quả", ":material/campaign:", "cong-khai",
                  default=user is None and settings.viewing_requires_login)
    sections = {}
    if user is not None or not settings.viewing_requires_login:
        sections["Theo dõi"] = [
            page("pages/overview.py", "Tổng quan", ":material/monitoring:", "tong-quan", default=True),
            page("pages/map.py", "Bản đồ", ":material/map:", "ban-do"),
            page("pages/voluntary.py", "Tự nguyện", ":material/volunteer_activism:", "tu-nguyen"),
            page("pages/lagging.py", "Xã chậm tiến độ", ":material/trending_down:", "xa-cham-tien-do"),
            page("pages/forecast.py", "Dự báo 2030", ":material/insights:", "du-bao-2030"),
        ]
        sections["Ban Chỉ đạo"] = [
            page("pages/scorecard.py", "Bảng điểm", ":material/traffic:", "bang-diem"),
            page("pages/completeness.py", "Tiến độ báo cáo", ":material/event_available:", "tien-do-bao-cao"),
            page("pages/briefing.py", "Báo cáo", ":material/description:", "bao-cao"),
            public,
        ]
        sections["Dữ liệu"] = [
            page("pages/home.py", "Kế hoạch và chỉ tiêu", ":material/assignment:", "ke-hoach"),
            page("pages/data_check.py", "Kiểm tra dữ liệu", ":material/fact_check:", "kiem-tra-du-lieu"),
        ]
    else:
        sections["Công khai"] = [public]
    if user is not None and user.can("upload"):
        sections["Dữ liệu"] += [
            page("pages/upload.py", "Nhập số liệu", ":material/upload_file:", "nhap-so-lieu"),
            page("pages/annual.py", "Chỉ tiêu năm", ":material/flag:", "chi-tieu-nam"),
            page("pages/explore.py", "Khám phá", ":material/explore:", "kham-pha"),
        ]
    if user is not None and user.can("accounts"):
        sections["Quản trị"] = [page("pages/admin.py", "Quản trị", ":material/admin_panel_settings:", "quan-tri")]
    if user is None:
        sections["Tài khoản"] = [page("pages/login.py", "Đăng nhập", ":material/login:", "dang-nhap")]
    return sections


with shown_errors():
    con, settings = connection(), load_settings()
    user = current_user(con, settings)
current = st.navigation(navigation(user, settings))
with st.sidebar:
    if user is not None:
        st.caption(f"{user.display_name} · {accounts.ROLE_VI[user.role]}")
        if st.button("Đăng xuất"):
            sign_out()
            st.rerun()
    elif st.session_state.pop("expired", False):
        st.info("Phiên làm việc đã hết hạn do không hoạt động; hãy đăng nhập lại.")
with shown_errors():
    st.session_state["view"] = sidebar(con)
    if store.has_demo(con):
        st.warning("**DỮ LIỆU MINH HỌA** — số liệu trên các trang là số giả lập để xem thử, không phải số thực. "
                   "Lần tải lên số liệu thật đầu tiên sẽ thay thế toàn bộ dữ liệu minh hoạ.", icon=":material/warning:")
current.run()
