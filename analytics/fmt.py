"""Vietnamese number and date formats, from Babel's locale data (never string hacks)."""

from __future__ import annotations

import datetime as dt
import math

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

LOCALE = "vi"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value, digits: int = 0) -> str:
    """981535 -> '981.535'; 1234.56 with digits=1 -> '1.234,6'."""
    if _missing(value):
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


def signed(value, digits: int = 0) -> str:
    """A change: '+1.234' or '-56'."""
    if _missing(value):
        return "—"
    pattern = "+#,##0" + ("." + "0" * digits if digits else "") + ";-#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


def percent(ratio, digits: int = 1) -> str:
    """0.605 -> '60,5 %'."""
    if _missing(ratio):
        return "—"
    return format_percent(ratio, format="#,##0" + ("." + "0" * digits if digits else "") + " %", locale=LOCALE)


def month(period: str) -> str:
    """'2026-05' -> 'tháng 5/2026'."""
    year, mon = (int(p) for p in period.split("-"))
    return "tháng " + format_date(dt.date(year, mon, 1), "M/y", locale=LOCALE)


def date(value: dt.date) -> str:
    """A day as Vietnamese officials write it: 15/12/2026."""
    return format_date(value, "dd/MM/y", locale=LOCALE)


def vega_locale() -> dict:
    """Vega-Lite's number and time locale, built from Babel's Vietnamese data."""
    loc = Locale.parse(LOCALE)
    symbols = loc.number_symbols["latn"]
    months = [loc.months["format"]["wide"][i] for i in range(1, 13)]
    short_months = [f"Th{i}" for i in range(1, 13)]
    days = [loc.days["format"]["wide"][i] for i in (6, 0, 1, 2, 3, 4, 5)]
    short_days = [loc.days["format"]["abbreviated"][i] for i in (6, 0, 1, 2, 3, 4, 5)]
    return {
        "number": {"decimal": symbols["decimal"], "thousands": symbols["group"], "grouping": [3],
                   "currency": ["", " ₫"]},
        "time": {"dateTime": "%A, %d/%m/%Y %X", "date": "%d/%m/%Y", "time": "%H:%M:%S",
                 "periods": ["SA", "CH"], "days": days, "shortDays": short_days,
                 "months": months, "shortMonths": short_months},
    }
