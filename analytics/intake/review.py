"""What was read from a file, in the words the upload page and the command line both show.

The sheet and header used, each column with the field it was read as and why, counts worked
out from the others, the month and where it came from, the communes found, the rows set
aside with what each was taken to be, and the three totals as summed from the communes
beside those the file states.
"""

from __future__ import annotations

import pandas as pd

from analytics.intake.check_base import Checked
from analytics.intake.fields import TRIPLE
from analytics.intake.reading import Reading
from analytics.intake.rows import KIND_VI
from analytics.text import fmt

TOTALS_VI = {"total": "Tổng số", "compulsory": "Bắt buộc", "voluntary": "Tự nguyện"}


def column_lines(reading: Reading) -> list[str]:
    """'cột E «Tổng cộng» → Tổng số người tham gia: tiêu đề; 101/104 dòng E = C + D', one per column."""
    out = []
    for col in reading.columns:
        if col.field is None and col.how == "empty" and not col.header:
            continue
        what = reading.kind.labels[col.field] if col.field else "Bỏ qua"
        month = f" ({col.period_label})" if col.period else ""
        why = col.evidence or ("tiêu đề" if col.field else "")
        out.append(f"{col.name} → {what}{month}" + (f": {why}" if why else ""))
    for measure, how in reading.derived.items():
        out.append(f"{reading.kind.labels[measure]}: không có cột trong tệp, tính {how}")
    return out


def layout_line(reading: Reading) -> str | None:
    if reading.layout is not None:
        s = reading.layout
        return (f"Cách đọc cột: dùng cách đã lưu ngày {s.saved_at} (người lưu: {s.saved_by}, "
                f"từ tệp «{s.file_name}»).")
    if reading.mapping_given:
        return "Cách đọc cột: theo lựa chọn của người tải lên."
    if reading.needs_mapping:
        return "Cách đọc cột: có cột được đoán theo nội dung hoặc thiếu cột cần thiết; hãy xác nhận trước khi kiểm tra."
    return None


def sheet_line(reading: Reading) -> str | None:
    if reading.sheet is None:
        return None
    if len(reading.sheets) > 1:
        others = ", ".join(f"«{s}»" for s in reading.sheets if s != reading.sheet)
        return f"Trang tính: «{reading.sheet}», trang có bảng xã, phường (các trang khác: {others})."
    return f"Trang tính: «{reading.sheet}»."


def period_line(reading: Reading) -> str | None:
    decision = reading.period
    if decision is None:
        return None
    sources = "; ".join(s.said() for s in decision.sources)
    if decision.fill:
        return f"Kỳ báo cáo: {fmt.month(decision.fill)}" + (f" ({sources})." if sources else ".")
    return f"Kỳ báo cáo theo từng dòng hoặc từng cột tháng ({sources})." if sources else None


def aside_lines(reading: Reading) -> list[str]:
    """'Dòng 12 «Cộng khu vực 3» → cộng nhóm (dòng 8–11)'; a signature block on one line."""
    out, signature = [], [a for a in reading.aside if a.kind == "signature"]
    for a in reading.aside:
        if a.kind == "signature":
            continue
        span = f" (cộng dòng {a.first}–{a.last})" if a.kind in ("subtotal", "grand_total") and a.first else ""
        out.append(f"Dòng {a.row} «{a.label}» → {KIND_VI[a.kind]}{span}")
    if signature:
        rows = f"{signature[0].row}–{signature[-1].row}" if len(signature) > 1 else str(signature[0].row)
        out.append(f"Dòng {rows} «{signature[0].label}» → {KIND_VI['signature']}")
    if reading.blank_rows:
        out.append(f"{fmt.number(reading.blank_rows)} dòng trống được bỏ qua")
    return out


def totals(reading: Reading, checked: Checked) -> pd.DataFrame:
    """Per month: the three totals summed from the communes read, and as the file's grand total states them."""
    table = checked.table
    if reading.kind.name != "monthly" or table.empty:
        return pd.DataFrame(columns=["period", "measure", "summed", "stated"])
    grand = [a for a in reading.aside if a.kind == "grand_total"]
    rows = []
    periods = sorted(table["period"].unique())
    for period in periods:
        month = table[table["period"] == period]
        for measure in TRIPLE:
            stated = None
            for a in grand:
                stated = a.stated.get(f"{measure}|{period}", a.stated.get(measure) if len(periods) == 1 else None)
                if stated is not None:
                    break
            summed = month[measure].sum(min_count=1)
            rows.append({"period": period, "measure": measure,
                         "summed": None if pd.isna(summed) else int(summed), "stated": stated})
    return pd.DataFrame(rows)


def communes_line(reading: Reading, checked: Checked) -> str | None:
    """'Xã, phường đọc được: 104 (104 dòng hợp lệ); kỳ: tháng 10/2026.'"""
    table = checked.table
    if table.empty:
        return None
    key = reading.kind.when
    times = ", ".join(fmt.month(p) if key == "period" else str(p) for p in sorted(table[key].unique()))
    return (f"Xã, phường đọc được: {fmt.number(table['code'].nunique())} ({fmt.number(len(table))} dòng hợp lệ); "
            f"{'kỳ' if key == 'period' else 'năm'}: {times}.")


def read_lines(reading: Reading, checked: Checked, columns: bool = True, rest: bool = True) -> list[str]:
    """Everything above as lines of text, in the order the command line prints them: the sheet, the header and how
    each column was read (``columns``), then the month, communes, rows set aside and totals (``rest``)."""
    lines = [line for line in (sheet_line(reading), layout_line(reading)) if line and columns]
    if reading.header is not None and columns:
        rows = reading.header.rows
        lines.append(f"Dòng tiêu đề: {'–'.join(map(str, (rows[0], rows[-1])) if len(rows) > 1 else map(str, rows))}"
                     if rows else "Tệp không có dòng tiêu đề.")
        lines += ["Các cột:"] + [f"  {line}" for line in column_lines(reading)]
    if not rest:
        return lines
    if line := period_line(reading):
        lines.append(line)
    if line := communes_line(reading, checked):
        lines.append(line)
    aside = aside_lines(reading)
    lines += ["Dòng không phải xã, phường (để riêng):"] + [f"  {line}" for line in aside] if aside else []
    sums = totals(reading, checked)
    if not sums.empty:
        lines.append("Tổng (cộng từ các xã, phường | tệp ghi):")
        for period, group in sums.groupby("period"):
            parts = [f"{TOTALS_VI[r.measure].lower()} {_figure(r.summed)} | {_figure(r.stated, 'không ghi')}"
                     for r in group.itertuples()]
            lines.append(f"  {fmt.month(period)}: " + "; ".join(parts))
    return lines


def _figure(value, missing: str = "—") -> str:
    return missing if value is None or pd.isna(value) else fmt.number(value)



def columns_frame(reading: Reading) -> pd.DataFrame:
    """Each file column: letter, header as written, the field it is read as, and why."""
    labels = reading.kind.labels
    return pd.DataFrame([{"Cột": c.letter, "Tiêu đề": c.header or "—",
                          "Đọc là": (labels[c.field] + (f" ({c.period_label})" if c.period else "")) if c.field
                          else "Bỏ qua", "Căn cứ": c.evidence or "—"}
                         for c in reading.columns if c.header or c.field or c.how != "empty"],
                        columns=["Cột", "Tiêu đề", "Đọc là", "Căn cứ"])


def aside_frame(reading: Reading) -> pd.DataFrame:
    """Each row set aside: file row, its words, what it was taken to be, the communes it adds up."""
    return pd.DataFrame([{"Dòng": str(a.row), "Nội dung": a.label or "—", "Là": KIND_VI[a.kind],
                          "Cộng các dòng": f"{a.first}–{a.last}" if a.first else "—"} for a in reading.aside],
                        columns=["Dòng", "Nội dung", "Là", "Cộng các dòng"])


def totals_frame(reading: Reading, checked: Checked) -> pd.DataFrame:
    """The three totals per month: summed from the communes, as the file states them, and the difference."""
    sums = totals(reading, checked)
    return pd.DataFrame([{"Kỳ": fmt.month(r.period), "Chỉ số": TOTALS_VI[r.measure], "Cộng từ các xã, phường":
                          _figure(r.summed), "Tệp ghi": _figure(r.stated, "không ghi"),
                          "Chênh": fmt.signed(r.stated - r.summed) if r.stated is not None and r.summed is not None
                          and r.stated != r.summed else "—"} for r in sums.itertuples()],
                        columns=["Kỳ", "Chỉ số", "Cộng từ các xã, phường", "Tệp ghi", "Chênh"])
