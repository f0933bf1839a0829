"""Every table column the pages and reports show, once: its Vietnamese heading and the format of its figures.

A column is named as in the analytics frames; ``ui.widgets.table`` and the reports' workbooks read their
headings and formats here, so a page passes a heading only where it needs a different one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    label: str
    kind: str | None = None  # a format of analytics.text.fmt.KINDS; None: text, or as fmt.table finds it


COLUMNS = {
    "rank": Column("Hạng", "whole"), "code": Column("Mã"), "name": Column("Xã, phường"),
    "former_district": Column("Huyện cũ"), "former_province": Column("Tỉnh cũ"),
    "target": Column("Chỉ tiêu tổng số", "whole"), "voluntary_min": Column("Chỉ tiêu tự nguyện tối thiểu", "whole"),
    "total": Column("Số tham gia", "whole"), "compulsory": Column("Bắt buộc", "whole"),
    "voluntary": Column("Tự nguyện", "whole"), "labour_force": Column("Lực lượng lao động", "whole"),
    "expected": Column("Mức cần đạt theo lộ trình", "whole"),
    "voluntary_expected": Column("Mức tự nguyện cần đạt", "whole"),
    "gap_to_trajectory": Column("Chênh lệch so với lộ trình", "signed"),
    "attainment": Column("Đạt chỉ tiêu tổng số", "pct"),
    "voluntary_attainment": Column("Đạt chỉ tiêu tự nguyện", "pct"),
    "progress": Column("Tiến độ tổng số", "pct"), "voluntary_progress": Column("Tiến độ tự nguyện", "pct"),
    "voluntary_share": Column("Tỷ trọng tự nguyện", "pct"),
    "labour_coverage": Column("Bao phủ lực lượng lao động", "pct"),
    "voluntary_coverage": Column("Bao phủ tự nguyện", "pct"),
    "labour_year": Column("Năm của lực lượng lao động"), "labour_source": Column("Nguồn lực lượng lao động"),
    "status": Column("Trạng thái"), "reason": Column("Chậm về"),
    "net_1m": Column("Tăng ròng 1 tháng", "signed"), "net_3m": Column("Tăng ròng 3 tháng", "signed"),
    "net_12m": Column("Tăng ròng 12 tháng", "signed"), "net": Column("Tăng ròng", "signed"),
    "net_period": Column("Tăng ròng so với kỳ trước", "signed"),
    "net_increase": Column("Tăng ròng so với kỳ trước", "signed"),
    # The annual evaluation's figures, in percent.
    "annual_attainment": Column("Đạt chỉ tiêu năm", "percent"),
    "attainment_2030": Column("Đạt chỉ tiêu 2030", "percent"),
    "completeness_pct": Column("Đầy đủ báo cáo", "percent"),
    "annual_voluntary_attainment": Column("Đạt chỉ tiêu tự nguyện năm", "percent"),
    # The outlook, uploads and annual reports.
    "last_value": Column("Số tham gia tháng cuối", "whole"), "projected": Column("Dự báo", "whole"),
    "lower80": Column("Cận dưới 80 %", "whole"), "upper80": Column("Cận trên 80 %", "whole"),
    "projected_gap": Column("Còn thiếu theo dự báo", "signed"),
    "required_monthly_increase": Column("Tăng ròng cần đạt mỗi tháng", "whole"),
    "recent_monthly_increase": Column("Tăng ròng bình quân gần đây", "signed"),
    "id": Column("Số", "whole"), "rows_read": Column("Số dòng đọc", "whole"),
    "rows_stored": Column("Số dòng lưu", "whole"), "reporting": Column("Số xã, phường báo cáo", "whole"),
    "files": Column("Số tệp", "whole"), "annual_target": Column("Chỉ tiêu năm", "whole"),
    "annual_voluntary_target": Column("Chỉ tiêu tự nguyện năm", "whole"),
    # Who and what: uploads, accounts, the audit log, findings and name matches.
    "period": Column("Tháng"), "year": Column("Năm", "plain"), "file_name": Column("Tệp"),
    "uploaded_by": Column("Người tải lên"), "sha256": Column("SHA-256"), "note": Column("Ghi chú"),
    "source": Column("Nguồn"), "kind": Column("Loại"), "subject": Column("Đối tượng"), "detail": Column("Chi tiết"),
    "method": Column("Cách khớp"), "score": Column("Điểm", "tenths"), "written": Column("Tên được viết"),
    "stt": Column("STT"), "name_as_printed": Column("Tên trong phụ lục"), "official_name": Column("Đơn vị chính thức"),
    "total_target": Column("Chỉ tiêu chung", "whole"), "evaluation": Column("Xếp loại"),
    "username": Column("Tên đăng nhập"), "display_name": Column("Họ tên"), "role": Column("Vai trò"),
    "actor": Column("Người thực hiện"), "action": Column("Thao tác"), "happened_at": Column("Thời điểm"),
    # Arrears and the employers that owe.
    "employer": Column("Đơn vị"), "tax_code": Column("Mã số thuế"), "commune": Column("Xã, phường"),
    "months_late": Column("Số tháng chậm", "whole"), "amount_owed": Column("Số tiền nợ (triệu đồng)", "tenths"),
    "employers_late": Column("Đơn vị chậm đóng", "whole"), "workers_affected": Column("Lao động bị ảnh hưởng", "whole"),
    "employers_evading": Column("Đơn vị trốn đóng", "whole"),
    "uploaded_at": Column("Thời điểm", "time"), "withdrawn_at": Column("Thu hồi lúc", "time"),
    "first_returned": Column("Nộp lần đầu", "time"), "due": Column("Hạn nộp", "date"),
}
# Number format of each numeric column by name, for the workbooks.
KINDS = {name: column.kind for name, column in COLUMNS.items() if column.kind is not None}


def headings(names) -> dict[str, str]:
    """name -> heading of ``names``, in that order."""
    return {name: COLUMNS[name].label for name in names}
