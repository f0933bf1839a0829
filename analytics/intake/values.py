"""Reading the values people type: head counts, months and years, one cell or a whole column at once.

A count may be written 12345, 12.345, 12,345 or 12 345 (one thousands separator used
consistently within the number); anything else is refused with a reason. A whole column
is parsed with pyarrow's vectorised string functions, and only the cells that fail go
through the one-cell parser, for its message.
"""

from __future__ import annotations

import re
from datetime import date
from numbers import Real
from typing import TypeGuard

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics.intake.problem import BadValue
from analytics.units.names import nfc


def real_number(value: object) -> TypeGuard[float]:
    """A number of any kind, Python's or numpy's (``numbers.Real``, bool too): to the checker a float, which
    takes an int as well; ``int()`` and ``float()`` take each of them."""
    return isinstance(value, Real)


_SPACES = "\u00a0\u202f "
_GROUPED = tuple(re.compile(rf"\d{{1,3}}(?:{sep}\d{{3}})+") for sep in (r"\.", ",", f"[{_SPACES}]"))
_COUNT = r"^(?:\d+|\d{1,3}(?:\.\d{3})+|\d{1,3}(?:,\d{3})+|\d{1,3}(?:[ \x{00a0}\x{202f}]\d{3})+)$"
_PERIODS = (
    re.compile(r"(?P<y>\d{4})\s*[-/.]\s*(?P<m>\d{1,2})(?:[-/.]\d{1,2}(?:[ t][\d:.]+)?)?"),
    re.compile(r"(?:tháng|thang|th\.?|t)?\s*(?P<m>\d{1,2})\s*(?:[-/.]|\s(?:năm|nam)\s)\s*(?P<y>\d{4})"),
)


def parse_count(value) -> int:
    """A head count as written: '12.345', '12,345', '1 234', 12345.0; BadValue says why not."""
    if isinstance(value, bool) or value is None or value is pd.NA or value != value:  # NaN: a blank
        raise BadValue("no_number")
    if real_number(value):
        if not isinstance(value, int) and not float(value).is_integer():
            raise BadValue("not_whole", value=value)
        number = int(value)
    else:
        text = re.sub(r"\s+", " ", str(value)).strip()
        if not text:
            raise BadValue("no_number")
        if re.fullmatch(r"[-\u2212] ?\d[\d., ]*", text):
            raise BadValue("negative_count", value=text)
        if text.isdecimal():
            return int(text)
        if any(p.fullmatch(text) for p in _GROUPED):
            return int(re.sub(r"[., ]", "", text))
        raise BadValue("comma_in_count" if "," in text else "not_a_count", value=text)
    if number < 0:
        raise BadValue("negative_count", value=number)
    return number


def parse_counts(column: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(counts as nullable integers, whether each cell is written but not a count); blanks are neither.

    ``reasons`` words why, for the cells that need it.
    """
    mixed = column.dtype == object  # Excel cells: text, numbers, dates
    text = column.where(column.map(lambda v: isinstance(v, str)), None) if mixed else column
    cells = pa.array(text, type=pa.string(), from_pandas=True)
    try:  # a machine export: nothing but whole numbers (and blanks), read at once
        plain = pc.cast(pc.if_else(pc.equal(cells, ""), None, cells), pa.int64())
        if not mixed and (pc.min(plain).as_py() or 0) >= 0 and not pc.any(pc.starts_with(cells, "+")).as_py():
            counts = pd.Series(plain.to_numpy(zero_copy_only=False), index=column.index)
            return counts.astype("Int64"), pd.Series(False, index=column.index)
    except pa.ArrowInvalid:
        pass
    trimmed = pc.utf8_trim(cells, _SPACES + "\t\r\n")
    written = pc.fill_null(pc.not_equal(trimmed, ""), False)
    readable = pc.match_substring_regex(trimmed, _COUNT)
    digits = pc.replace_substring_regex(pc.if_else(readable, trimmed, None), r"[^0-9]", "")
    counts = pd.Series(pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False), index=column.index)
    counts = counts.astype("Int64")
    written = pd.Series(written.to_numpy(zero_copy_only=False), index=column.index)
    if mixed:
        number = column.map(lambda v: isinstance(v, Real) and not isinstance(v, bool))
        whole = column.map(lambda v: real_number(v) and not isinstance(v, bool) and float(v).is_integer()
                           and v >= 0)
        counts = counts.mask(whole, column[whole].map(int).reindex(column.index)).astype("Int64")
        written = written | number | column.map(lambda v: v is not None and not isinstance(v, (str, Real)))
    return counts, written & counts.isna()


def reasons(cells: pd.Series, parse=parse_count) -> pd.Series:
    """Why each of these cells is not a count (or what ``parse`` reads): a BadValue per cell."""
    def reason(value) -> BadValue:
        try:
            parse(value)
        except BadValue as exc:
            return exc
        return BadValue("unreadable_number")
    return cells.map(reason)


def by_distinct(series: pd.Series, function, missing=None, dtype=object) -> pd.Series:
    """``function`` of each cell, run once per distinct value (``missing`` for a missing cell): a column of
    200,000 cells with a hundred distinct names costs a hundred calls."""
    codes, distinct = pd.factorize(series, use_na_sentinel=True)
    results = np.empty(len(distinct) + 1, dtype=dtype)
    results[:-1] = [function(value) for value in distinct]
    results[-1] = missing
    return pd.Series(results[codes], index=series.index, dtype=dtype)


def written(series: pd.Series) -> pd.Series:
    """Whether each cell holds anything but blanks."""
    if isinstance(series.dtype, pd.StringDtype):
        return (series.notna() & series.str.strip().ne("")).fillna(False).astype(bool)
    return by_distinct(series, lambda v: not isinstance(v, str) or bool(v.strip()), False, bool)


def parse_period(value) -> str:
    """'YYYY-MM' from the ways people write a month; BadValue says why not."""
    if isinstance(value, date):
        return f"{value.year:04d}-{value.month:02d}"
    text = nfc(value).lower() if isinstance(value, str) else ""
    for pattern in _PERIODS:
        if found := pattern.fullmatch(text):
            year, month = int(found["y"]), int(found["m"])
            if 1 <= month <= 12:
                return f"{year:04d}-{month:02d}"
            raise BadValue("month_out_of_range", value=value, month=month)
    raise BadValue("not_a_month", value=value)


def parse_year(value) -> int:
    """A year as written: 2027, 2027.0, '2027', 'Năm 2027'; BadValue says why not."""
    if real_number(value) and not isinstance(value, bool) and float(value).is_integer():
        value = str(int(value))
    text = nfc(value).lower() if isinstance(value, str) else ""
    if found := re.fullmatch(r"(?:năm|nam)?\s*(\d{4})", text):
        return int(found[1])
    raise BadValue("not_a_year", value=value)


def parse_amount(value) -> float:
    """A sum of money (triệu đồng) as written: 1.234,5 (Vietnamese), 1234.5 or 1234,5, 1.234 (thousands), 12,5;
    BadValue says why not. A dot alone followed by three digits groups thousands, as Vietnamese writes them."""
    if isinstance(value, bool) or value is None or value is pd.NA or value != value:
        raise BadValue("no_number")
    if isinstance(value, Real):
        number = float(value)
    else:
        text = re.sub(r"[\s\u00a0\u202f]+", "", str(value))
        if not text:
            raise BadValue("no_number")
        negative = text[0] in "-\u2212"
        body = text[1:] if negative else text
        if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?", body):  # Vietnamese: 1.234,5 · 12,5
            number = float(body.replace(".", "").replace(",", "."))
        elif re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+", body):  # plain: 1,234.5 · 1234.5
            number = float(body.replace(",", ""))
        else:
            raise BadValue("not_an_amount", value=text)
        number = -number if negative else number
    if number < 0:
        shown = str(value).replace(".", ",") if isinstance(value, Real) else str(value).strip()  # -7,25
        raise BadValue("negative_amount", value=shown)
    return number


def parse_amounts(column: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(amounts as floats, whether each cell is written but not an amount), once per distinct cell; blanks are
    neither."""
    def attempt(value) -> float:
        if value is None or (isinstance(value, str) and not value.strip()):
            return np.nan
        try:
            return parse_amount(value)
        except ValueError:
            return -1.0  # a cell that is written but unreadable

    parsed = by_distinct(column, attempt, np.nan, np.float64)
    bad = parsed < 0
    return parsed.mask(bad), bad

