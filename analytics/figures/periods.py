"""Month arithmetic on "YYYY-MM" period strings, the key every table uses for a month."""

from __future__ import annotations

import re

_PERIOD = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")


def month_index(period: str) -> int:
    """Months since January of year 0, so month distances become plain subtraction."""
    match = _PERIOD.fullmatch(period) if isinstance(period, str) else None
    if match is None:
        raise ValueError(f"period must look like 'YYYY-MM', got {period!r}")
    return int(match[1]) * 12 + int(match[2]) - 1


def from_index(index: int) -> str:
    """Inverse of `month_index`."""
    year, month = divmod(int(index), 12)
    return f"{year:04d}-{month + 1:02d}"


def months_between(start: str, end: str) -> int:
    """Whole months from `start` to `end`; negative when `end` comes first."""
    return month_index(end) - month_index(start)


def add_months(period: str, months: int) -> str:
    """The period `months` months after (or before, if negative) `period`."""
    return from_index(month_index(period) + months)
