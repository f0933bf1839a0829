"""The kinds of file the app takes in: how each one's rows are checked, and, for those the upload page offers,
their Vietnamese name and templates. A new kind of file registers here and nowhere else in the intake path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from analytics import store
from analytics.intake.checks import Checked, check_annual, check_monthly
from analytics.intake.reading import Reading
from analytics.intake.templates import monthly_template_csv, monthly_template_xlsx
from analytics.intake.units import Units
from analytics.settings import Settings

# (reading, units, settings, connection, today) -> the checked rows to store and every problem found
Checker = Callable[[Reading, Units, Settings, object, dt.date], Checked]

CHECKERS: dict[str, Checker] = {
    "monthly": lambda reading, units, settings, con, today: check_monthly(
        reading, units, settings, today, previous=store.monthly(con)),
    "annual": lambda reading, units, settings, con, today: check_annual(
        reading, units, settings, con, previous=store.annual(con)),
}


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


OFFERED = (
    Offered("monthly", "Số người tham gia hằng tháng",
            "Số người tham gia BHXH cuối tháng của mỗi xã, phường: tổng số, bắt buộc, tự nguyện.",
            "mau-nhap-so-lieu", monthly_template_xlsx, monthly_template_csv, True),
)
