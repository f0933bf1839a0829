"""Every page of the app: its function, title, icon, URL path, navigation section and who may open it.

Every path is always known to the navigation, so a link opens its page, or says why it cannot, and never
falls back to Streamlit's English "Page not found". The overview answers at "/" and at "/tong-quan".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from analytics.access.accounts import User
from analytics.settings import Settings
from ui import (
    admin,
    annual,
    annual_report,
    arrears,
    briefing,
    budget,
    completeness,
    data_check,
    explore,
    forecast,
    home,
    lagging,
    login,
    overview,
    profile,
    public,
    scorecard,
    upload,
    voluntary,
)
from ui import map as commune_map

# Who may open a page: "public" (anyone), "view" (the monitoring pages: anyone unless the settings ask for a
# login), "visitor" (anyone, listed only for someone not logged in), or an action of analytics.access.accounts.NEEDS.
PUBLIC, VIEW, VISITOR = "public", "view", "visitor"


@dataclass(frozen=True)
class Route:
    page: Callable[[], None]  # the page module's body (ui/<module>.py's page)
    title: str
    icon: str
    path: str
    section: str
    needs: str


_WATCH, _COMMITTEE, _DATA = "Theo dõi", "Ban Chỉ đạo", "Dữ liệu"
ROUTES = (
    Route(overview.page, "Tổng quan", ":material/monitoring:", "tong-quan", _WATCH, VIEW),
    Route(commune_map.page, "Bản đồ", ":material/map:", "ban-do", _WATCH, VIEW),
    Route(voluntary.page, "Tự nguyện", ":material/volunteer_activism:", "tu-nguyen", _WATCH, VIEW),
    Route(lagging.page, "Xã chậm tiến độ", ":material/trending_down:", "xa-cham-tien-do", _WATCH, VIEW),
    Route(forecast.page, "Dự báo 2030", ":material/insights:", "du-bao-2030", _WATCH, VIEW),
    Route(arrears.page, "Nợ, chậm đóng", ":material/money_off:", "no-cham-dong", _WATCH, VIEW),
    Route(profile.page, "Hồ sơ xã, phường", ":material/location_city:", "ho-so-xa", _WATCH, VIEW),
    Route(scorecard.page, "Bảng điểm", ":material/traffic:", "bang-diem", _COMMITTEE, VIEW),
    Route(completeness.page, "Tiến độ báo cáo", ":material/event_available:", "tien-do-bao-cao", _COMMITTEE,
          VIEW),
    Route(briefing.page, "Báo cáo", ":material/description:", "bao-cao", _COMMITTEE, VIEW),
    Route(annual_report.page, "Báo cáo năm", ":material/summarize:", "bao-cao-nam", _COMMITTEE, VIEW),
    Route(budget.page, "Kinh phí hỗ trợ", ":material/payments:", "kinh-phi-ho-tro", _COMMITTEE, VIEW),
    Route(public.page, "Công khai kết quả", ":material/campaign:", "cong-khai", _COMMITTEE, PUBLIC),
    Route(home.page, "Kế hoạch và chỉ tiêu", ":material/assignment:", "ke-hoach", _DATA, VIEW),
    Route(data_check.page, "Kiểm tra dữ liệu", ":material/fact_check:", "kiem-tra-du-lieu", _DATA, VIEW),
    Route(upload.page, "Nhập số liệu", ":material/upload_file:", "nhap-so-lieu", _DATA, "upload"),
    Route(annual.page, "Chỉ tiêu năm", ":material/flag:", "chi-tieu-nam", _DATA, "annual_targets"),
    Route(explore.page, "Khám phá", ":material/explore:", "kham-pha", _DATA, "explore"),
    Route(admin.page, "Quản trị", ":material/admin_panel_settings:", "quan-tri", "Quản trị", "accounts"),
    Route(login.page, "Đăng nhập", ":material/login:", "dang-nhap", "Tài khoản", VISITOR),
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
