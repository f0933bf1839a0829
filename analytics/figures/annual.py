"""Official annual targets per commune and year: a proposal by a stated rule, upload, storage.

The province decides a target for each commune and year between now and the plan's
final year. This module proposes figures by one published rule, gives them as a
workbook to edit, and brings the edited file back through the same reading,
validation and versioned storage as monthly results. Targets in force then shape
each commune's trajectory (see ``trajectory.paths``).
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from analytics.errors import NoMonthlyData
from analytics.figures import standing, trajectory
from analytics.intake.templates import annual_xlsx
from analytics.settings import Settings
from analytics.storage import cache, reads
from analytics.storage.db import Connection
from analytics.units.communes import units

COLUMNS = ["year", "code", "name", "total_target", "voluntary_min"]
RULE_VI = ("Chỉ tiêu năm đề xuất của mỗi xã, phường là mức tại tháng 12 của năm đó trên đường thẳng nối số "
           "tham gia của tháng gần nhất có số liệu với chỉ tiêu năm cuối kế hoạch (tháng 12 năm đó): mỗi tháng "
           "tăng như nhau nên mỗi năm tăng như nhau, làm tròn đến người; chỉ tiêu tự nguyện tối thiểu tính cùng "
           "cách từ số tham gia tự nguyện.")
GUIDE = (
    "HƯỚNG DẪN ĐIỀN CHỈ TIÊU NĂM THEO XÃ, PHƯỜNG",
    "",
    "1. Mỗi dòng là chỉ tiêu của một xã, phường trong một năm; không sửa cột Mã xã và Tên xã, phường (nền xám).",
    "2. Chỉ tiêu chung và chỉ tiêu tự nguyện tối thiểu là số người tham gia phải đạt vào tháng 12 của năm đó "
    "(số nguyên, không âm); chỉ tiêu tự nguyện không lớn hơn chỉ tiêu chung.",
    "3. Dòng để trống cả hai chỉ tiêu được bỏ qua: xã, phường đó chưa có chỉ tiêu chính thức năm đó.",
    "4. Lưu tệp dạng .xlsx rồi tải lên trang Chỉ tiêu năm.",
)


def _round(value: float) -> int:
    """Whole people, halves up (never banker's rounding)."""
    return math.floor(value + 0.5)


def _first_year(values: pd.DataFrame, settings: Settings) -> int:
    return int(values["period"].max()[:4]) if not values.empty else int(settings.baseline_month[:4])


def _as_known(con: Connection, today: dt.date) -> pd.DataFrame:
    return reads.monthly(con, dt.datetime.combine(today, dt.time.max))


@cache.shared(max_entries=2)
def propose(con: Connection, settings: Settings, today: dt.date) -> pd.DataFrame:
    """year, code, name, total_target, voluntary_min by RULE_VI, from the figures known at the end of ``today``.

    Years run from the year of the latest month with figures to the year before the plan's final
    year (whose target is the appendix's); communes with no figure or no final target are left out.
    """
    values = _as_known(con, today)
    if values.empty:
        raise NoMonthlyData("Chưa có số liệu hằng tháng nên chưa thể đề xuất chỉ tiêu năm; "
                            "hãy nhập số liệu ở trang «Nhập số liệu» trước.")
    latest = values.dropna(subset=["voluntary"]).sort_values("period").drop_duplicates("code", keep="last")
    frame = standing.commune_units(con).merge(latest, on="code").dropna(subset=["target", "voluntary_min"])
    end = trajectory.target_period(settings)
    rows = [
        {"year": year, "code": r.code, "name": r.name,
         "total_target": _round(trajectory.linear_expected(r.total, r.period, r.target, end, f"{year}-12")),
         "voluntary_min": _round(trajectory.linear_expected(r.voluntary, r.period, r.voluntary_min, end, f"{year}-12"))}
        for year in range(_first_year(values, settings), settings.target_year)
        for r in frame.itertuples()
    ]
    return pd.DataFrame(rows, columns=COLUMNS).sort_values(["year", "code"], ignore_index=True)


def proposal_xlsx(proposal: pd.DataFrame, settings: Settings) -> bytes:
    """The proposal as a workbook to edit and upload back unchanged in shape."""
    return annual_xlsx(proposal, _year_span(settings), (*GUIDE, "", "Cách tính số đề xuất: " + RULE_VI))


def template_xlsx(con: Connection, settings: Settings, today: dt.date) -> bytes:
    """The same workbook with every commune for the proposal's years and no figures."""
    first = _first_year(_as_known(con, today), settings)
    registry = units(con)
    rows = pd.DataFrame([{"year": year, "code": code, "name": name, "total_target": None, "voluntary_min": None}
                         for year in range(first, settings.target_year)
                         for code, name in zip(registry["code"], registry["name"])], columns=COLUMNS)
    return annual_xlsx(rows, _year_span(settings), GUIDE)


def _year_span(settings: Settings) -> tuple[int, int]:
    return int(settings.baseline_month[:4]), settings.target_year


@cache.shared(max_entries=1)
def annual_targets(con: Connection) -> pd.DataFrame:
    """The official annual targets in force: year, code, total_target, voluntary_min."""
    return reads.annual(con)[["year", "code", "total_target", "voluntary_min"]]
