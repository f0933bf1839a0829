"""What each kind of upload holds: its fields, their Vietnamese labels and the header words that name them."""

from __future__ import annotations

from dataclasses import dataclass, field

from analytics.intake.words import (
    ANNUAL_HEADER_WORDS,
    ARREARS_HEADER_WORDS,
    EMPLOYER_HEADER_WORDS,
    HEADER_WORDS,
    LABOUR_HEADER_WORDS,
)

IDENTITY = ("code", "commune")
COUNT, AMOUNT = "count", "amount"  # how a measure is written: a whole head count, or a decimal sum of money
SKIP = "skip"  # a file column mapped to no field («Bỏ qua»)


@dataclass(frozen=True)
class Kind:
    name: str  # a key of KINDS
    fields: tuple[str, ...]
    labels: dict[str, str]
    vocabulary: dict[str, tuple[str, ...]]
    measures: tuple[str, ...]
    required: tuple[str, ...]  # measures a file must have (or let be derived)
    when: str  # the field saying when a figure applies
    month_columns: bool  # whether a header cell may name a month (one column per month)
    examples: dict[str, tuple[str, ...]]  # header names shown in messages
    sourced: bool = False  # whether an upload must name where its figures come from (stored with each row)
    types: dict[str, str] = field(default_factory=dict)  # measure -> AMOUNT (a decimal); COUNT when not listed
    texts: tuple[str, ...] = ()  # fields kept as written (names, codes, words), besides code and commune
    month_of_file: bool = False  # rows without a month take the file's (title, file name or the form)

    def type_of(self, name: str) -> str:
        return self.types.get(name, COUNT)

    def accepted(self, field: str) -> str:
        """Examples of the headers that name ``field``, for messages."""
        return ", ".join(f"“{e}”" for e in self.examples[field])


MONTHLY = Kind(
    "monthly",
    ("period", "code", "commune", "total", "compulsory", "voluntary", "labour_force"),
    {"period": "Kỳ báo cáo", "code": "Mã xã", "commune": "Tên xã/phường", "total": "Tổng số người tham gia",
     "compulsory": "BHXH bắt buộc", "voluntary": "BHXH tự nguyện",
     "labour_force": "Lực lượng lao động trong độ tuổi"},
    HEADER_WORDS,
    ("total", "compulsory", "voluntary", "labour_force"),
    ("total", "voluntary"),
    "period",
    True,
    {"code": ("Mã xã", "Mã đơn vị", "Mã ĐVHC", "ward_code", "code"),
     "commune": ("Tên xã/phường", "Đơn vị", "Xã, phường", "ward_name", "name"),
     "total": ("Tổng số", "Tổng cộng", "Tổng số người tham gia", "Cộng", "total"),
     "compulsory": ("Bắt buộc", "BHXH bắt buộc", "Trong đó: BHXH bắt buộc", "compulsory"),
     "voluntary": ("Tự nguyện", "BHXH tự nguyện", "Trong đó: BHXH tự nguyện", "voluntary"),
     "labour_force": ("Lực lượng lao động", "LLLĐ trong độ tuổi", "labour force"),
     "period": ("Kỳ", "Tháng", "Kỳ báo cáo", "period", "month")},
)
ANNUAL = Kind(
    "annual",
    ("year", "code", "commune", "total_target", "voluntary_min"),
    {"year": "Năm", "code": "Mã xã", "commune": "Tên xã, phường", "total_target": "Chỉ tiêu chung",
     "voluntary_min": "Chỉ tiêu tự nguyện tối thiểu"},
    ANNUAL_HEADER_WORDS,
    ("total_target", "voluntary_min"),
    ("total_target", "voluntary_min"),
    "year",
    False,
    {"code": MONTHLY.examples["code"], "commune": MONTHLY.examples["commune"],
     "total_target": ("Chỉ tiêu chung", "Chỉ tiêu", "target"),
     "voluntary_min": ("Chỉ tiêu tự nguyện tối thiểu", "Chỉ tiêu tự nguyện", "voluntary target"),
     "year": ("Năm", "year")},
)
LABOUR = Kind(
    "labour",
    ("year", "code", "commune", "labour_force"),
    {"year": "Năm", "code": "Mã xã", "commune": "Tên xã, phường",
     "labour_force": "Lực lượng lao động trong độ tuổi"},
    LABOUR_HEADER_WORDS,
    ("labour_force",),
    ("labour_force",),
    "year",
    False,
    {"code": MONTHLY.examples["code"], "commune": MONTHLY.examples["commune"],
     "labour_force": MONTHLY.examples["labour_force"], "year": ("Năm", "year")},
    sourced=True,
)
_MONTH_AND_COMMUNE = {k: MONTHLY.labels[k] for k in ("period", "code", "commune")}
ARREARS = Kind(
    name="arrears",
    fields=("period", "code", "commune", "employers_late", "workers_affected", "amount_owed", "employers_evading"),
    labels=_MONTH_AND_COMMUNE | {"employers_late": "Số đơn vị chậm đóng",
                                 "workers_affected": "Số lao động bị ảnh hưởng",
                                 "amount_owed": "Số tiền nợ (triệu đồng)", "employers_evading": "Số đơn vị trốn đóng"},
    vocabulary=ARREARS_HEADER_WORDS,
    measures=("employers_late", "workers_affected", "amount_owed", "employers_evading"),
    required=(),  # each optional, at least one
    when="period", month_columns=False, month_of_file=True, types={"amount_owed": AMOUNT},
    examples={k: MONTHLY.examples[k] for k in _MONTH_AND_COMMUNE} | {
        "employers_late": ("Số đơn vị chậm đóng", "Đơn vị chậm đóng"),
        "workers_affected": ("Số lao động bị ảnh hưởng", "Lao động bị ảnh hưởng"),
        "amount_owed": ("Số tiền nợ (triệu đồng)", "Số tiền nợ", "Tiền nợ"),
        "employers_evading": ("Số đơn vị trốn đóng", "Đơn vị trốn đóng")},
)
EMPLOYERS = Kind(
    name="employers",
    fields=("period", "code", "commune", "employer", "tax_code", "unit_code", "months_late", "amount_owed", "status"),
    labels={**_MONTH_AND_COMMUNE, "commune": "Xã, phường", "employer": "Tên đơn vị", "tax_code": "Mã số thuế",
            "unit_code": "Mã đơn vị BHXH", "months_late": "Số tháng chậm đóng",
            "amount_owed": "Số tiền nợ (triệu đồng)", "status": "Tình trạng"},
    vocabulary=EMPLOYER_HEADER_WORDS,
    measures=("months_late", "amount_owed"),
    required=("employer", "tax_code", "amount_owed", "status"),
    when="period", month_columns=False, month_of_file=True, types={"amount_owed": AMOUNT},
    texts=("employer", "tax_code", "unit_code", "status"),
    examples={"code": ("Mã xã", "Mã ĐVHC"), "commune": ("Xã, phường", "Địa bàn", "Tên xã"),
              "period": MONTHLY.examples["period"],
              "employer": ("Tên đơn vị", "Tên doanh nghiệp", "Đơn vị sử dụng lao động"),
              "tax_code": ("Mã số thuế", "MST"), "unit_code": ("Mã đơn vị BHXH", "Mã đơn vị"),
              "months_late": ("Số tháng chậm đóng", "Số tháng nợ"),
              "amount_owed": ("Số tiền nợ (triệu đồng)", "Số tiền nợ"),
              "status": ("Tình trạng", "Hình thức vi phạm", "Trạng thái")},
)
KINDS = {"monthly": MONTHLY, "annual": ANNUAL, "labour": LABOUR, "arrears": ARREARS, "employers": EMPLOYERS}
# The three counts tied by total = compulsory + voluntary, and how each is worded in the review.
TRIPLE = ("total", "compulsory", "voluntary")
COUNT_VI = {"total": "tổng số", "compulsory": "bắt buộc", "voluntary": "tự nguyện",
            "labour_force": "lực lượng lao động", "total_target": "chỉ tiêu chung",
            "voluntary_min": "chỉ tiêu tự nguyện tối thiểu", "employers_late": "số đơn vị chậm đóng",
            "workers_affected": "số lao động bị ảnh hưởng", "amount_owed": "số tiền nợ",
            "employers_evading": "số đơn vị trốn đóng", "months_late": "số tháng chậm đóng"}


def letter(index: int) -> str:
    """Excel's column letter of a 0-based column: 0 -> A, 27 -> AB."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out
