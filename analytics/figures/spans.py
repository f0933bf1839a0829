"""Month, quarter and year: the spans a page can show, keyed "YYYY-MM", "YYYY-Qn" or "YYYY", and month
arithmetic on "YYYY-MM", the key every table uses for a month.

A month's key is its period; a quarter's "2026-Q4"; a year's "2026". Key arithmetic lives here, so
every page and report names and orders spans alike.
"""

from __future__ import annotations

import re

from analytics.text import fmt

# Granularity codes (analytics.text.labels.GRANULARITY words them).
MONTH, QUARTER, YEAR = "month", "quarter", "year"
GRANULARITIES = (MONTH, QUARTER, YEAR)
ROMAN = ("I", "II", "III", "IV")
_QUARTER = re.compile(r"([0-9]{4})-Q([1-4])")
_YEAR = re.compile(r"[0-9]{4}")
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


def granularity_of(key: str) -> str:
    """The granularity of a key; ValueError for anything that is not one."""
    if isinstance(key, str) and _QUARTER.fullmatch(key):
        return QUARTER
    if isinstance(key, str) and _YEAR.fullmatch(key):
        return YEAR
    month_index(key)  # raises for a malformed month
    return MONTH


def key(period: str, granularity: str) -> str:
    """The span of ``granularity`` that holds the month ``period``: '2026-10' -> '2026-Q4' or '2026'."""
    month_index(period)
    if granularity == MONTH:
        return period
    if granularity == QUARTER:
        return f"{period[:4]}-Q{(int(period[5:]) - 1) // 3 + 1}"
    if granularity == YEAR:
        return period[:4]
    raise ValueError(f"granularity must be one of {GRANULARITIES}, got {granularity!r}")


def months(span: str) -> list[str]:
    """The calendar months of a span, in order."""
    kind = granularity_of(span)
    if kind == MONTH:
        return [span]
    if kind == QUARTER:
        first = f"{span[:4]}-{3 * int(span[-1]) - 2:02d}"
        return [add_months(first, i) for i in range(3)]
    return [f"{span}-{m:02d}" for m in range(1, 13)]


def last_month(span: str) -> str:
    """The span's last calendar month: '2026-Q4' -> '2026-12'."""
    return months(span)[-1]


def previous(span: str) -> str:
    """The span just before: '2026-Q1' -> '2025-Q4', '2026' -> '2025'."""
    return key(add_months(months(span)[0], -1), granularity_of(span))


def keys(periods: list[str], granularity: str) -> list[str]:
    """The spans of ``granularity`` holding at least one of ``periods``, oldest first."""
    return sorted({key(p, granularity) for p in periods})


def label(span: str) -> str:
    """As reports name a span: 'tháng 10/2026', 'quý IV/2026', 'năm 2026'."""
    kind = granularity_of(span)
    if kind == MONTH:
        return fmt.month(span)
    if kind == QUARTER:
        return f"quý {ROMAN[int(span[-1]) - 1]}/{span[:4]}"
    return f"năm {span}"


def heading(span: str) -> str:
    """The label at the start of a sentence or a table cell: 'Quý IV/2026'."""
    text = label(span)
    return text[:1].upper() + text[1:]


def is_complete(span: str, reported: list[str]) -> bool:
    """Whether the span's last calendar month is among the months with figures (``reported``)."""
    return last_month(span) in set(reported)
