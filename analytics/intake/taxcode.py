"""Vietnamese tax codes as employer lists write them: checked by their modulo-11 digit.

An enterprise's code is ten digits, the tenth being the check digit over the first nine (weights
31, 29, 23, 19, 17, 13, 7, 5, 3; check = 10 − sum mod 11, and a sum whose remainder is 0 gives no
valid code); a branch adds "-001" … "-999". Since 1 July 2025 an individual's tax code is the
12-digit personal identity number, which carries no such digit and is taken as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from analytics.intake.problem import BadValue
from analytics.intake.values import real_number

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
    if real_number(value) and not isinstance(value, bool):
        if float(value).is_integer():
            digits = str(int(value))
            return digits.zfill(10) if len(digits) == 9 else digits
        return str(value)
    return re.sub(r"\s+", "", str(value or ""))


def parse(value) -> TaxCode:
    """The tax code a cell holds; BadValue says what is wrong with it."""
    text = _text(value)
    if not text:
        raise BadValue("missing_tax_code")
    found = re.fullmatch(r"(\d+)(?:-(\d+))?", text)
    if found is None:
        raise BadValue("tax_code_not_digits", value=text)
    main, branch = found[1], found[2]
    if len(main) == 12 and branch is None:
        return TaxCode(main, PERSONAL)
    if len(main) != 10:
        raise BadValue("tax_code_length", value=text, digits=len(main))
    if branch is not None and (len(branch) != 3 or branch == "000"):
        raise BadValue("branch_code_invalid", value=text, branch=branch)
    expected = check_digit(main[:9])
    if expected is None:
        raise BadValue("tax_code_no_check_digit", value=text)
    if int(main[9]) != expected:
        raise BadValue("tax_code_check_digit", value=text, expected=expected, found=main[9])
    return TaxCode(text, BRANCH if branch else ENTERPRISE)
