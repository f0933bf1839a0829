"""Table downloads as CSV and XLSX; cells that a spreadsheet would run as formulas are neutralised, and control
characters (a NUL in a name stored before they were stripped on input) never leave."""

from __future__ import annotations

import io

import pandas as pd

from analytics.text import usertext

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value):
    """Text beginning like a formula gets a leading apostrophe so no spreadsheet evaluates it."""
    if not isinstance(value, str):
        return value
    value = usertext.clean(value, multiline=True)
    return "'" + value if value.startswith(FORMULA_START) else value


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(_safe)
    out.columns = [_safe(str(c)) for c in out.columns]
    return out


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, so Excel shows Vietnamese text correctly."""
    return neutralised(frame).to_csv(index=False).encode("utf-8-sig")


def to_xlsx(frame: pd.DataFrame, sheet: str = "Dữ liệu", percent_columns: tuple[str, ...] = ()) -> bytes:
    """One sheet, frozen header, Vietnamese-readable number formats (thousands grouped, percents)."""
    buffer = io.BytesIO()
    safe = neutralised(frame)
    with pd.ExcelWriter(buffer, engine="xlsxwriter") as writer:
        safe.to_excel(writer, sheet_name=sheet, index=False)
        book, ws = writer.book, writer.sheets[sheet]
        whole, pct = book.add_format({"num_format": "#,##0"}), book.add_format({"num_format": "0.0%"})
        for i, column in enumerate(frame.columns):
            width = min(max(len(str(column)), 10) + 2, 40)
            if column in percent_columns:
                ws.set_column(i, i, width, pct)
            elif pd.api.types.is_numeric_dtype(frame[column]):
                ws.set_column(i, i, width, whole)
            else:
                ws.set_column(i, i, width)
        ws.freeze_panes(1, 0)
    return buffer.getvalue()
