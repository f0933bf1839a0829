"""The kinds of file the upload page offers: their Vietnamese name, what they hold and their templates (each
kind's fields are in analytics.intake.fields, its checker in analytics.intake.checks.CHECKERS)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from analytics.intake.arrears_templates import (
    arrears_template_csv,
    arrears_template_xlsx,
    employers_template_csv,
    employers_template_xlsx,
)
from analytics.intake.templates import (
    labour_template_csv,
    labour_template_xlsx,
    monthly_template_csv,
    monthly_template_xlsx,
)
from analytics.settings import load_settings


@dataclass(frozen=True)
class Offered:
    """A kind of file on the upload page: its name there, a line on what it holds, its templates."""
    kind: str
    title: str
    about: str
    stem: str  # the templates' file name, without extension
    xlsx: Callable[[pd.DataFrame], bytes]  # registry (code, name) -> template
    csv: Callable[[pd.DataFrame], bytes]
    monthly: bool  # whether a month may be typed on the form for rows without one


def _labour_year() -> tuple[int, tuple[int, int]]:
    """The year a labour-force template is filled for (this year, within the plan's), and the plan's years."""
    settings = load_settings()
    first, last = int(settings.baseline_month[:4]), settings.target_year
    return min(max(dt.date.today().year, first), last), (first, last)


OFFERED = (
    Offered("monthly", "Số người tham gia hằng tháng",
            "Số người tham gia BHXH cuối tháng của mỗi xã, phường: tổng số, bắt buộc, tự nguyện.",
            "mau-nhap-so-lieu", monthly_template_xlsx, monthly_template_csv, True),
    Offered("labour", "Lực lượng lao động trong độ tuổi (theo năm)",
            "Lực lượng lao động trong độ tuổi của mỗi xã, phường theo năm (cơ quan thống kê, cơ sở dữ liệu dân cư): "
            "mẫu số của tỷ lệ bao phủ. Ghi nguồn số liệu khi tải lên.",
            "mau-luc-luong-lao-dong", lambda units: labour_template_xlsx(units, *_labour_year()),
            lambda units: labour_template_csv(units, _labour_year()[0]), False),
    Offered("arrears", "Nợ, chậm đóng theo xã",
            "Mỗi xã, phường trong tháng: số đơn vị chậm đóng, số lao động bị ảnh hưởng, số tiền nợ (triệu đồng), "
            "số đơn vị trốn đóng; mỗi cột đều không bắt buộc.",
            "mau-no-cham-dong", arrears_template_xlsx, arrears_template_csv, True),
    Offered("employers", "Danh sách đơn vị nợ, chậm đóng",
            "Mỗi đơn vị trong tháng: tên, mã số thuế, mã đơn vị BHXH, xã, phường, số tháng chậm đóng, số tiền nợ, "
            "tình trạng. Tải lại một tháng thay cả danh sách tháng đó; danh sách chỉ công khai khi quản trị viên "
            "công bố.", "mau-danh-sach-don-vi-no", employers_template_xlsx, employers_template_csv, True),
)
