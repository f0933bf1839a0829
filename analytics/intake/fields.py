"""What each kind of upload holds: its fields, their Vietnamese labels and the header words that name them."""

from __future__ import annotations

from dataclasses import dataclass

from analytics.intake.words import ANNUAL_HEADER_WORDS, HEADER_WORDS, LABOUR_HEADER_WORDS

IDENTITY = ("code", "commune")
SKIP = "skip"  # a file column mapped to no field («Bỏ qua»)


@dataclass(frozen=True)
class Kind:
    name: str  # "monthly", "annual" or "labour"
    fields: tuple[str, ...]
    labels: dict[str, str]
    vocabulary: dict[str, tuple[str, ...]]
    measures: tuple[str, ...]
    required: tuple[str, ...]  # measures a file must have (or let be derived)
    when: str  # the field saying when a figure applies
    month_columns: bool  # whether a header cell may name a month (one column per month)
    examples: dict[str, tuple[str, ...]]  # header names shown in messages
    sourced: bool = False  # whether an upload must name where its figures come from (stored with each row)

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
KINDS = {"monthly": MONTHLY, "annual": ANNUAL, "labour": LABOUR}
# The three counts tied by total = compulsory + voluntary, and how each is worded in the review.
TRIPLE = ("total", "compulsory", "voluntary")
COUNT_VI = {"total": "tổng số", "compulsory": "bắt buộc", "voluntary": "tự nguyện",
            "labour_force": "lực lượng lao động", "total_target": "chỉ tiêu chung",
            "voluntary_min": "chỉ tiêu tự nguyện tối thiểu"}


def letter(index: int) -> str:
    """Excel's column letter of a 0-based column: 0 -> A, 27 -> AB."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out
