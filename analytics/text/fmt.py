"""Vietnamese number and date formats, from Babel's locale data (never string hacks)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

LOCALE = "vi"


def _missing(value) -> bool:
    """None, NaN, NaT (values unequal to themselves) or pandas' NA (whose comparison has no truth value)."""
    try:
        return value is None or bool(value != value)
    except TypeError:
        return True


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


def points(value, digits: int = 1) -> str:
    """A figure already in percent: 100.34 -> '100,3 %'."""
    return "—" if _missing(value) else percent(value / 100, digits)


def decimal(value) -> str:
    """Any other figure, with as many decimals as it has (up to three): 2840.305 -> '2.840,305'."""
    return "—" if _missing(value) else format_decimal(value, locale=LOCALE)


def plain(value) -> str:
    """A whole number that is a label, not a quantity (a row of a file, a year): 1234 -> '1234'."""
    return "—" if _missing(value) else str(int(value))


# How a table column is shown: a name for each of the formats above.
KINDS = {"whole": number, "tenths": lambda v: number(v, 1), "signed": signed, "signed_tenths": lambda v: signed(v, 1),
         "pct": percent, "points": points, "decimal": decimal, "plain": plain}
EMPTY = "—"


def _kind_of(column: pd.Series) -> str | None:
    """The default format of a column no kind was given for: whole numbers, other numbers, or text (None)."""
    if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
        return None
    values = column.dropna()
    return "whole" if values.empty or (values == values.round()).all() else "decimal"


def table(frame: pd.DataFrame, kinds: dict[str, str] | None = None, *, marks: dict[str, pd.Series] | None = None,
          keep_empty: bool = False):
    """``frame`` ready for st.dataframe or st.table, looking the same in every browser.

    Streamlit formats numbers with the browser's language ('1,702' in an English browser), so each
    figure is written here in Vietnamese and handed over as a pandas Styler's display text, while the
    cell keeps its number: a click on a column header still sorts by value. ``kinds`` names a format
    of ``KINDS`` per column; other numeric columns are shown whole or with their decimals; ``marks``
    gives a column a sign per row written before its figure. Every empty cell (missing, or a blank
    text) reads "—": Streamlit draws a missing value as a grey "None" whatever its display text, so a
    column with a gap is handed over as its text (it then sorts as text). A column with no value at
    all is left out (``keep_empty`` keeps it), which on a phone gives its width to the columns that
    say something.
    """
    kinds = kinds or {}
    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    frame = frame.assign(**{c: frame[c].mask(frame[c].eq("")) for c in text})  # a blank text is empty too
    if not keep_empty:
        frame = frame.loc[:, [c for c in frame.columns if frame[c].notna().any()] or list(frame.columns)]
    frame = frame.reset_index(drop=True)
    signs = {c: pd.Series(m).fillna("").reset_index(drop=True) for c, m in (marks or {}).items() if c in frame}
    formats = {c: KINDS[k] for c in frame.columns if (k := kinds.get(c) or _kind_of(frame[c])) is not None}
    gaps = [c for c in frame.columns if frame[c].isna().any()]
    frame = frame.assign(**{c: [_cell(v, formats.get(c, str), signs[c][i] if c in signs else "")
                                for i, v in frame[c].items()] for c in gaps})
    styler = frame.style
    for column, written in formats.items():
        if column in gaps:
            continue
        for sign, rows in (signs[column].groupby(signs[column]).groups.items() if column in signs
                           else [("", frame.index)]):
            styler = styler.format(lambda v, sign=sign, written=written: _cell(v, written, sign),
                                   subset=(list(rows), column))
    return styler


def _cell(value, written, sign: str = "") -> str:
    """One cell's text: its sign, then its figure; "—" for nothing."""
    return EMPTY if _missing(value) else f"{sign} {written(value)}".strip()


def month(period: str) -> str:
    """'2026-05' -> 'tháng 5/2026'; none -> '—'."""
    if _missing(period):
        return "—"
    year, mon = (int(p) for p in period.split("-"))
    return "tháng " + format_date(dt.date(year, mon, 1), "M/y", locale=LOCALE)


def date(value: dt.date | None) -> str:
    """A day (or the day of a moment) as Vietnamese officials write it: 15/12/2026; none -> '—'."""
    if value is None or _missing(value):
        return "—"
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
