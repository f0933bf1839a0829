"""Vietnamese words for the English codes that data and logic use: the one place a code becomes display text."""

from __future__ import annotations

import pandas as pd

# A commune against its trajectory (standing.commune_table "status"), worst first.
STATUS = {"very_late": "Rất chậm", "late": "Chậm", "on_track": "Đạt tiến độ", "no_data": "Chưa có số liệu"}
# What a commune lags on ("reason"): the measures behind its status, as in "Chậm về: tổng số".
MEASURE = {"total": "tổng số", "voluntary": "tự nguyện"}
REASON = {"total": "Tổng số", "voluntary": "Tự nguyện", "total_and_voluntary": "Tổng số và tự nguyện"}
# Whether a month's figure arrived by its due day (completeness.reporting "status").
REPORTING = {"on_time": "Đúng hạn", "late": "Muộn", "missing": "Thiếu", "pending": "Chưa đến hạn"}
# Scorecard traffic lights.
LIGHT = {"green": "Xanh", "amber": "Vàng", "red": "Đỏ", "none": "—"}
# How finely the pages show time (spans.GRANULARITIES).
GRANULARITY = {"month": "Tháng", "quarter": "Quý", "year": "Năm"}
# A problem found in an uploaded file.
SEVERITY = {"error": "Lỗi", "warning": "Cảnh báo"}
# An appendix row's match to the registry, and a finding's state.
MATCH_STATUS = {
    "exact": "Khớp chính xác",
    "open": "Cần xác nhận",
    "confirmed": "Đã xác nhận",
    "unmatched": "Chưa khớp",
    "info": "Ghi nhận",
}
# How a written name was tied to an official unit (names.NameMatcher, targets.reconcile).
MATCH_METHOD = {
    "exact": "trùng khớp",
    "normalised": "chuẩn hoá (hoa/thường, dấu, tiền tố)",
    "fuzzy": "gần đúng (có dấu)",
    "fuzzy_folded": "gần đúng (bỏ dấu)",
    "override": "do người dùng chỉnh",
    "confirmed": "đã xác nhận",
    "code": "theo mã",
}
FINDING_KIND = {
    "unmatched_row": "Dòng phụ lục chưa khớp",
    "non_exact_match": "Khớp không chính xác",
    "matched_twice": "Đơn vị bị khớp hai lần",
    "unit_without_target": "Đơn vị không có chỉ tiêu",
    "total_mismatch": "Tổng không khớp",
    "figure": "Số liệu bất thường",
    "registry_disagreement": "Hai gói danh mục khác nhau",
    "headline_inconsistent": "Mục tiêu chung không thống nhất",
}
# The annual evaluation of a commune (evaluation.CLASSES), the indicators its rules name, and where a
# year's target comes from.
EVALUATION = {"excellent": "Hoàn thành xuất sắc", "good": "Hoàn thành tốt", "completed": "Hoàn thành",
              "not_completed": "Không hoàn thành"}
EVALUATION_INDICATOR = {
    "annual_attainment": "đạt chỉ tiêu năm",
    "annual_voluntary_attainment": "đạt chỉ tiêu tự nguyện năm",
    "attainment_2030": "đạt chỉ tiêu 2030",
    "completeness_pct": "số liệu tháng nộp đủ",
    "report_on_time": "nộp báo cáo năm đúng hạn",
}
TARGET_SOURCE = {"official": "Chỉ tiêu năm chính thức", "trajectory": "Mức lộ trình tháng 12",
                 "plan": "Chỉ tiêu của kế hoạch"}
# What an upload held (schema.KINDS), and where a written name of a unit was seen (profile.name_matches).
UPLOAD_KIND = {"monthly": "Số liệu hằng tháng", "annual": "Chỉ tiêu năm", "labour": "Lực lượng lao động",
               "arrears": "Nợ, chậm đóng theo xã", "employers": "Danh sách đơn vị nợ, chậm đóng"}
EMPLOYER_STATUS = {"late": "Chậm đóng", "evading": "Trốn đóng", "owing": "Nợ đọng"}
TAXPAYER = {"enterprise": "Doanh nghiệp", "branch": "Chi nhánh", "personal": "Cá nhân (số định danh)"}
NAME_SOURCE = {"appendix": "Phụ lục kế hoạch", "upload": "Tệp số liệu tải lên", "confirmation": "Tên đã xác nhận"}
UPLOAD_STATE = {True: "Đang hiệu lực", False: "Đã rút"}  # withdrawn_at is empty
BACKUP_KIND = {"on_demand": "Bấm tay trên trang Quản trị", "daily": "Hằng ngày"}
# The support budget (analytics.figures.support_budget): groups of voluntary participants, whose budget pays, the basis
# after the last report.
SUPPORT_GROUP = {"poor": "Hộ nghèo", "near_poor": "Hộ cận nghèo", "ethnic_minority": "Người dân tộc thiểu số",
                 "other": "Đối tượng khác"}
BUDGET = {"central": "Ngân sách trung ương", "provincial": "Ngân sách tỉnh"}
SUPPORT_BASIS = {"trajectory": "Lộ trình đến chỉ tiêu tự nguyện tối thiểu", "projection": "Dự báo theo xu hướng"}

# Which words each coded column of the analytics frames takes, for ``shown``.
COLUMNS = {"status": STATUS, "reason": REASON}


def shown(frame: pd.DataFrame, columns: dict | None = None) -> pd.DataFrame:
    """``frame`` with each coded column (``columns``: name -> labels; default ``COLUMNS``) in words; a missing
    code stays missing."""
    coded = {c: words for c, words in (columns or COLUMNS).items() if c in frame.columns}
    return frame.assign(**{c: frame[c].map(words) for c, words in coded.items()})
