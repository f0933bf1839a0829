"""Vietnamese tax codes as employer lists write them: checked by their modulo-11 digit.

An enterprise's code is ten digits, the tenth being the check digit over the first nine (weights
31, 29, 23, 19, 17, 13, 7, 5, 3; check = 10 − sum mod 11, and a sum whose remainder is 0 gives no
valid code); a branch adds "-001" … "-999". Since 1 July 2025 an individual's tax code is the
12-digit personal identity number, which carries no such digit and is taken as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from numbers import Real

WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
ENTERPRISE, BRANCH, PERSONAL = "enterprise", "branch", "personal"  # kinds of code, worded in analytics.text.labels


@dataclass(frozen=True)
class TaxCode:
    code: str  # as stored: ten digits, with "-NNN" for a branch; or the twelve digits of a person
    kind: str


def check_digit(first_nine: str) -> int | None:
    """The tenth digit of a code beginning with ``first_nine``; None when no tenth digit makes a valid code."""
    digit = 10 - sum(int(d) * w for d, w in zip(first_nine, WEIGHTS)) % 11
    return None if digit == 10 else digit


def _text(value) -> str:
    """A cell as text; a number cell lost the leading zero of a ten-digit code (Excel drops it), so it is put back."""
    if isinstance(value, Real) and not isinstance(value, bool):
        if float(value).is_integer():
            digits = str(int(value))
            return digits.zfill(10) if len(digits) == 9 else digits
        return str(value)
    return re.sub(r"\s+", "", str(value or ""))


def parse(value) -> TaxCode:
    """The tax code a cell holds; ValueError says, in Vietnamese, what is wrong with it."""
    text = _text(value)
    if not text:
        raise ValueError("thiếu mã số thuế")
    found = re.fullmatch(r"(\d+)(?:-(\d+))?", text)
    if found is None:
        raise ValueError(f"mã số thuế «{text}» chỉ gồm chữ số, có thể thêm mã chi nhánh dạng -001")
    main, branch = found[1], found[2]
    if len(main) == 12 and branch is None:
        return TaxCode(main, PERSONAL)
    if len(main) != 10:
        raise ValueError(f"mã số thuế «{text}» có {len(main)} chữ số; cần 10 chữ số (doanh nghiệp, có thể thêm "
                         "-001 cho chi nhánh) hoặc 12 chữ số (số định danh cá nhân)")
    if branch is not None and (len(branch) != 3 or branch == "000"):
        raise ValueError(f"mã chi nhánh «-{branch}» của mã số thuế «{text}» phải là ba chữ số từ 001 đến 999")
    expected = check_digit(main[:9])
    if expected is None:
        raise ValueError(f"mã số thuế «{text}» không hợp lệ: chín chữ số đầu không cho chữ số kiểm tra nào")
    if int(main[9]) != expected:
        raise ValueError(f"mã số thuế «{text}» sai chữ số kiểm tra: chữ số thứ 10 phải là {expected}, "
                         f"không phải {main[9]}")
    return TaxCode(text, BRANCH if branch else ENTERPRISE)
