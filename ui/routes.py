"""Every page of the app: its file, title, icon, URL path, navigation section and who may open it.

Every path is always known to the navigation, so a link opens its page, or says why it cannot, and never
falls back to Streamlit's English "Page not found". The overview answers at "/" and at "/tong-quan".
"""

from __future__ import annotations

from dataclasses import dataclass

from analytics.access.accounts import User
from analytics.settings import Settings

# Who may open a page: "public" (anyone), "view" (the monitoring pages: anyone unless the settings ask for a
# login), "visitor" (anyone, listed only for someone not logged in), or an action of analytics.access.accounts.NEEDS.
PUBLIC, VIEW, VISITOR = "public", "view", "visitor"


@dataclass(frozen=True)
class Route:
    file: str
    title: str
    icon: str
    path: str
    section: str
    needs: str


_WATCH, _COMMITTEE, _DATA = "Theo dõi", "Ban Chỉ đạo", "Dữ liệu"
ROUTES = (
    Route("ui/overview.py", "Tổng quan", ":material/monitoring:", "tong-quan", _WATCH, VIEW),
    Route("ui/map.py", "Bản đồ", ":material/map:", "ban-do", _WATCH, VIEW),
    Route("ui/voluntary.py", "Tự nguyện", ":material/volunteer_activism:", "tu-nguyen", _WATCH, VIEW),
    Route("ui/lagging.py", "Xã chậm tiến độ", ":material/trending_down:", "xa-cham-tien-do", _WATCH, VIEW),
    Route("ui/forecast.py", "Dự báo 2030", ":material/insights:", "du-bao-2030", _WATCH, VIEW),
    Route("ui/arrears.py", "Nợ, chậm đóng", ":material/money_off:", "no-cham-dong", _WATCH, VIEW),
    Route("ui/profile.py", "Hồ sơ xã, phường", ":material/location_city:", "ho-so-xa", _WATCH, VIEW),
    Route("ui/scorecard.py", "Bảng điểm", ":material/traffic:", "bang-diem", _COMMITTEE, VIEW),
    Route("ui/completeness.py", "Tiến độ báo cáo", ":material/event_available:", "tien-do-bao-cao", _COMMITTEE,
          VIEW),
    Route("ui/briefing.py", "Báo cáo", ":material/description:", "bao-cao", _COMMITTEE, VIEW),
    Route("ui/annual_report.py", "Báo cáo năm", ":material/summarize:", "bao-cao-nam", _COMMITTEE, VIEW),
    Route("ui/budget.py", "Kinh phí hỗ trợ", ":material/payments:", "kinh-phi-ho-tro", _COMMITTEE, VIEW),
    Route("ui/public.py", "Công khai kết quả", ":material/campaign:", "cong-khai", _COMMITTEE, PUBLIC),
    Route("ui/home.py", "Kế hoạch và chỉ tiêu", ":material/assignment:", "ke-hoach", _DATA, VIEW),
    Route("ui/data_check.py", "Kiểm tra dữ liệu", ":material/fact_check:", "kiem-tra-du-lieu", _DATA, VIEW),
    Route("ui/upload.py", "Nhập số liệu", ":material/upload_file:", "nhap-so-lieu", _DATA, "upload"),
    Route("ui/annual.py", "Chỉ tiêu năm", ":material/flag:", "chi-tieu-nam", _DATA, "annual_targets"),
    Route("ui/explore.py", "Khám phá", ":material/explore:", "kham-pha", _DATA, "explore"),
    Route("ui/admin.py", "Quản trị", ":material/admin_panel_settings:", "quan-tri", "Quản trị", "accounts"),
    Route("ui/login.py", "Đăng nhập", ":material/login:", "dang-nhap", "Tài khoản", VISITOR),
)
OVERVIEW = "tong-quan"
# The default page needs a URL path of its own, which Streamlit never shows (it serves it at "/"); the
# overview's own path then stays free for the same page under "/tong-quan".
HOME = "trang-chu"
PATHS = frozenset({"", *(r.path for r in ROUTES)})  # every URL path the app answers, "" being the root


def may_open(route: Route, user: User | None, settings: Settings) -> bool:
    if route.needs in (PUBLIC, VISITOR):
        return True
    if route.needs == VIEW:
        return user is not None or not settings.viewing_requires_login
    return user is not None and user.can(route.needs)


def listed(route: Route, user: User | None, settings: Settings) -> bool:
    """Shown in the navigation: the pages the user may open, the login page only to a visitor."""
    return may_open(route, user, settings) and (route.needs != VISITOR or user is None)
