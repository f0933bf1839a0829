"""Which file column holds which field: by the header's words first, then by what the cells hold.

The header is the first of the top rows whose words name the commune column and another
field (one or two rows, merged or not, possibly one column per month). Where the header
leaves doubt, content decides: a column of the province's unit codes is the code column, a
column of unit names is the name column, and among count columns the arithmetic total =
compulsory + voluntary on most rows tells which is which. STT, percentages, ratios and notes
are recognised to be ignored. Each column carries its evidence, in words, for the review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import permutations

import numpy as np
import pandas as pd

from analytics.intake.fields import IDENTITY, SKIP, TRIPLE, Kind, letter
from analytics.intake.grid import Grid
from analytics.intake.units import Units, code_key
from analytics.intake.values import parse_count, parse_counts, parse_period, written
from analytics.intake.words import IGNORED, is_numbering, meaning, words
from analytics.text import fmt
from analytics.units.names import nfc

HEADER_SEARCH_ROWS = 20
HEADER_WORDS = 11  # a header cell longer than this is a title line
SAMPLE = 300  # cells looked at to tell what a column holds
MOST = 0.6  # share of rows that settles a content question


@dataclass(frozen=True)
class Column:
    index: int  # 0-based position in the file
    header: str  # as written; two header rows joined by " – "; "" when the file has none there
    field: str | None  # a field of the kind; None when the column is left out
    how: str  # header, content, layout, mapping; or why it is left out: stt, percent, note, empty, unknown…
    evidence: str = ""
    period: str | None = None  # the month of a wide file's month column
    period_label: str | None = None

    @property
    def letter(self) -> str:
        return letter(self.index)

    @property
    def name(self) -> str:
        """'cột E «Tổng cộng»', as the review names a column."""
        return f"cột {self.letter} «{self.header}»" if self.header else f"cột {self.letter} (không có tiêu đề)"

    @property
    def shown(self) -> str:
        """The column as a problem names it: its header, or its letter when it has none."""
        return self.header or self.letter

    @property
    def inferred(self) -> bool:
        """Decided by the cells, not by the header's words: a person should look before it is used."""
        return self.how == "content" or (self.field is None and self.how == "unknown")


@dataclass
class Header:
    rows: tuple[int, ...]  # file rows of the header; empty when the file has none
    columns: list[Column]  # every column of the file, in order
    start: int  # the first file row below the header
    counts: dict[int, tuple[pd.Series, pd.Series]] = field(default_factory=dict)  # parsed count columns

    def of(self, field: str) -> list[Column]:
        return [c for c in self.columns if c.field == field]

    @property
    def fields(self) -> set[str]:
        return {c.field for c in self.columns if c.field}

    @property
    def signature(self) -> str:
        """The file's shape as its header words say it (digits ignored, so next month's file has the same)."""
        cells = [re.sub(r"\d+", "#", words(c.header)) for c in self.columns]
        return f"{len(self.rows)}|" + "|".join(cells).rstrip("|")


# ---------------------------------------------------------------- header by words

def _text(value) -> str:
    if isinstance(value, date):
        return f"{value.month:02d}/{value.year}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else nfc(str(value))


def _month(value, kind: Kind) -> str | None:
    """The month a header cell names ('Tháng 1/2026 (người)', a date); None for any other header."""
    if not kind.month_columns or value is None:
        return None
    if isinstance(value, str):
        value = re.sub(r"\(.*?\)", "", value).strip()
    try:
        return parse_period(value) if isinstance(value, (str, date)) else None
    except ValueError:
        return None


def _kind_of(value, kind: Kind) -> str | None:
    """A field or a kind to ignore, from a header cell's words; a long sentence is a title, not a header."""
    text = _text(value)
    if not text or len(text.split()) > HEADER_WORDS or _month(value, kind):
        return None
    found = meaning(text, kind.vocabulary)
    return found[0] if found else None


def _field(value, kind: Kind) -> str | None:
    found = _kind_of(value, kind)
    return found if found in kind.fields else None


def _label(upper, lower) -> str:
    a, b = _text(upper), _text(lower)
    return a if not b or a == b else b if not a else f"{a} – {b}"


def _shown(upper, lower, kind: Kind) -> str:
    """The header as problems name it: the lower cell where it names the column, else both."""
    return _text(lower) if lower is not None and _kind_of(lower, kind) else _label(upper, lower)


def _column(index: int, upper, lower, kind: Kind) -> Column:
    """What one header column says, from its upper and (in a two-row header) lower cell."""
    label = _label(upper, lower)
    up_month, low_month = _month(upper, kind), _month(lower, kind)
    up, low = _kind_of(upper, kind), _kind_of(lower, kind)
    if up_month and (low in kind.measures or lower is None):
        return Column(index, label, low or "total", "header", "", up_month, _text(upper))
    if low_month and (up in kind.measures or upper is None):
        return Column(index, label, up or "total", "header", "", low_month, _text(lower))
    decided = up if up in IGNORED else low or up  # "Tỷ lệ (%)" over "Tự nguyện" is a percentage
    label = _shown(upper, lower, kind)
    if decided in IGNORED:
        return Column(index, label, None, decided, f"tiêu đề là {IGNORED[decided]}")
    if decided in kind.fields:
        return Column(index, label, decided, "header", "")
    return Column(index, label, None, "unknown" if label else "empty")


def _carry_right(upper: list, lower: list, kind: Kind) -> list:
    """A parent header left blank over its sub-headers (CSV, no merge) spans them."""
    out, carry = [], None
    for up, low in zip(upper, lower):
        if up is not None:
            carry = None if _field(up, kind) in (*IDENTITY, kind.when) else up
        out.append(up if up is not None or low is None else carry)
    return out


def _read_header(grid: Grid, position: int, kind: Kind) -> tuple[list[Column], int]:
    """The columns if the row at ``position`` starts the header, and how many rows the header takes."""
    numbers = grid.cells.index
    number = numbers[position]
    upper = grid.row(number)
    lower = grid.row(numbers[position + 1]) if position + 1 < len(numbers) else [None] * len(upper)

    def names(value):
        return _field(value, kind) or _month(value, kind)

    title = len({_text(v) for v in upper if v is not None}) <= 1  # one text, maybe merged across: a title line
    two_rows = not title and any(names(v) for v in upper) and any(
        (upper[c] is None or (number, c) in grid.merged) and names(lower[c]) for c in range(len(upper)))
    if not two_rows:
        return [_column(c, upper[c], None, kind) for c in range(len(upper))], 1
    upper = _carry_right(upper, lower, kind)
    return [_column(c, upper[c], lower[c], kind) for c in range(len(upper))], 2


def _find_header(grid: Grid, kind: Kind) -> tuple[int, list[Column], int] | None:
    """The first row naming a commune column and another field; failing that, any row naming two.

    A form line such as "Kỳ báo cáo: | Tháng 03/2026" above the table names two things too, so a
    row that also names the code or name column wins over it.
    """
    candidates = []
    for position in range(min(HEADER_SEARCH_ROWS, len(grid.cells))):
        columns, height = _read_header(grid, position, kind)
        found = {c.field for c in columns if c.field} | ({"month"} if any(c.period for c in columns) else set())
        if len(found) >= 2:
            if found & set(IDENTITY):
                return position, columns, height
            candidates.append((position, columns, height))
    return candidates[0] if candidates else None


# ---------------------------------------------------------------- content

def _written(column: pd.Series) -> pd.Series:
    return column[written(column)]


@dataclass
class _Profile:
    written: int  # cells written in the data rows
    parsed: tuple[pd.Series, pd.Series] | None  # (counts, written but not a count) over every data row
    count_share: float
    code_share: float
    aliases: int
    name_share: float
    names_seen: int  # distinct texts looked up
    month_share: float
    percent_share: float
    numbering: bool  # 1, 2, 3, … down the rows


def _profile(column: pd.Series, units: Units, check_names: bool, not_counts: bool) -> _Profile:
    sample = _written(column.head(SAMPLE * 4)).head(SAMPLE)
    n = len(sample)
    if n == 0:
        return _Profile(0, None, 0, 0, 0, 0, 0, 0, 0, False)
    counts, _ = parse_counts(sample)
    count_share = counts.notna().mean()
    full = parse_counts(column) if count_share >= MOST and not not_counts else None
    keys = sample.map(code_key).astype(object)
    codes = keys.map(lambda k: k in units.codes).astype(bool)
    texts = sample[sample.map(lambda v: isinstance(v, str))]
    names, seen = 0.0, 0
    if check_names and len(texts) and count_share < MOST:
        distinct = texts.unique()[:100]
        names, seen = sum(units.match(t).code is not None for t in distinct) / len(distinct), len(distinct)
    months = sample.map(_is_month).mean()
    percent = sample.map(_is_percent).mean()
    steps = counts.dropna().astype(int).diff().dropna()
    numbering = len(steps) >= 2 and (steps == 1).mean() >= 0.9 and counts.dropna().iloc[0] <= 1
    aliases = int(keys[codes].map(lambda k: k in units.aliases).sum())
    return _Profile(n, full, count_share, codes.mean(), aliases, names, seen, months, percent, bool(numbering))


def _is_month(value) -> bool:
    if isinstance(value, (int, float)):
        return False
    try:
        parse_period(value)
    except ValueError:
        return False
    return True


def _is_percent(value) -> bool:
    if isinstance(value, float):
        return not value.is_integer()
    return isinstance(value, str) and bool(re.fullmatch(r"\s*\d+(?:[.,]\d+)?\s*%?\s*", value)) and (
        "%" in value or bool(re.search(r"\d[.,]\d{1,2}\s*%?\s*$", value)))


def _share(hits: int, of: int) -> str:
    return f"{fmt.number(hits)}/{fmt.number(of)}"


def _sums(columns: dict[int, pd.Series]) -> tuple[tuple[int, int, int], int, int] | None:
    """The best (total, part, part) of count columns with total = part + part on most rows: (trio, hits, rows)."""
    best = None
    arrays = {i: (s.to_numpy(dtype="float64", na_value=np.nan)) for i, s in columns.items()}
    for t, a, b in permutations(arrays, 3):
        if a > b:
            continue
        tv, av, bv = arrays[t], arrays[a], arrays[b]
        filled = ~(np.isnan(tv) | np.isnan(av) | np.isnan(bv))
        rows = int(filled.sum())
        hits = int((filled & (tv == av + bv)).sum())
        if rows and hits / rows >= MOST and (best is None or hits > best[1]):
            best = ((t, a, b), hits, rows)
    return best


def infer(header: Header, body: pd.DataFrame, units: Units, kind: Kind) -> Header:
    """The header's columns with what content says where the words leave doubt, each with its evidence."""
    columns = {c.index: c for c in header.columns}
    written = body.index[body.notna().any(axis=1)]
    if len(written) and is_numbering(body.loc[written[0]].tolist()):
        body = body.drop(index=written[0])
    for index in body.columns:
        columns.setdefault(index, Column(index, "", None, "empty"))
    named = {c.field for c in columns.values() if c.field}
    kept = (*IDENTITY, kind.when, *kind.texts)  # fields never parsed as counts
    profiles = {i: _profile(body[i], units, not (named & set(IDENTITY)), columns[i].field in kept)
                for i in sorted(columns)}
    for i, col in sorted(columns.items()):
        p = profiles[i]
        if col.field in IDENTITY and col.field == "code" and p.written:
            hits = round(p.code_share * p.written)
            columns[i] = replace(col, evidence=f"tiêu đề; {_share(hits, p.written)} giá trị là mã đơn vị của tỉnh"
                                 + (f" ({p.aliases} mã bí danh)" if p.aliases else ""))
        elif col.field:
            columns[i] = replace(col, evidence=col.evidence or "tiêu đề")
        if col.field or col.how in IGNORED:
            continue
        if not p.written:
            columns[i] = replace(col, how="empty", evidence="cột trống")
        elif p.numbering:
            columns[i] = replace(col, how="stt", evidence="số thứ tự 1, 2, 3…")
        elif p.percent_share >= MOST:
            columns[i] = replace(col, how="percent", evidence="giá trị là tỷ lệ, số thập phân")
        elif p.code_share >= MOST and "code" not in named:
            columns[i] = replace(col, field="code", how="content", evidence=(
                f"{_share(round(p.code_share * p.written), p.written)} giá trị là mã đơn vị của tỉnh"
                + (f" ({p.aliases} mã bí danh)" if p.aliases else "")))
            named.add("code")
        elif kind.month_columns and p.month_share >= MOST and kind.when not in named:
            columns[i] = replace(col, field=kind.when, how="content", evidence="giá trị là tháng")
            named.add(kind.when)
        elif p.name_share >= 0.5 and "commune" not in named:
            columns[i] = replace(col, field="commune", how="content",
                                 evidence=f"{_share(round(p.name_share * p.names_seen), p.names_seen)} tên khớp "
                                          "danh mục đơn vị")
            named.add("commune")
        elif p.count_share < MOST:
            columns[i] = replace(col, how="text", evidence="chữ, không phải tên đơn vị hay số liệu")
    if kind.name == "monthly" and not any(c.period for c in columns.values()):
        _arithmetic(columns, profiles)
    parsed = {i: p.parsed for i, p in profiles.items() if p.parsed is not None}
    return replace(header, columns=[columns[i] for i in sorted(columns)], counts=parsed)


def _arithmetic(columns: dict[int, Column], profiles: dict[int, _Profile]) -> None:
    """Total = compulsory + voluntary on most rows: evidence for named columns, the role of unnamed ones."""
    counts = {i: parsed[0] for i, c in columns.items()
              if (parsed := profiles[i].parsed) is not None and (c.field in TRIPLE or c.how in ("unknown", "empty"))}
    found = _sums(counts)
    if found:
        (t, a, b), hits, rows = found
        roles = {t: "total"}
        fa, fb = columns[a].field, columns[b].field
        if fa in ("compulsory", "voluntary") or fb in ("compulsory", "voluntary"):
            known = fa if fa in ("compulsory", "voluntary") else fb
            other = "voluntary" if known == "compulsory" else "compulsory"
            roles |= {a: fa or other, b: fb or other}
            larger = ""
        else:
            bigger = (counts[a] > counts[b]).sum()
            roles |= {a: "compulsory", b: "voluntary"} if bigger * 2 >= rows else {a: "voluntary", b: "compulsory"}
            compulsory = a if roles[a] == "compulsory" else b
            voluntary = b if compulsory == a else a
            larger = (f", {letter(compulsory)} > {letter(voluntary)} ở "
                      f"{_share(int((counts[compulsory] > counts[voluntary]).sum()), rows)} dòng")
        sums = f"{_share(hits, rows)} dòng {letter(t)} = {letter(a)} + {letter(b)}"
        for i, field in roles.items():
            col = columns[i]
            if col.field == field:
                columns[i] = replace(col, evidence=f"tiêu đề; {sums}")
            else:
                columns[i] = replace(col, field=field, how="content", evidence=f"{sums}{larger}")
    _labour(columns, profiles, counts)


def _labour(columns: dict[int, Column], profiles: dict[int, _Profile], counts: dict[int, pd.Series]) -> None:
    """An unnamed count column above the total on nearly every row is the labour force; others are left out."""
    total = next((i for i, c in columns.items() if c.field == "total"), None)
    has_labour = any(c.field == "labour_force" for c in columns.values())
    for i, col in columns.items():
        if col.field or col.how not in ("unknown", "empty") or i not in counts:
            continue
        if total is not None and not has_labour:
            parsed = profiles[total].parsed
            totals = parsed[0] if parsed is not None else counts[i] * pd.NA
            filled = counts[i].notna() & totals.notna()
            above = int((counts[i][filled] > totals[filled]).sum())
            if filled.sum() and above / filled.sum() >= 0.9:
                columns[i] = replace(col, field="labour_force", how="content", evidence=(
                    f"{_share(above, int(filled.sum()))} dòng {col.letter} > {letter(total)} (tổng số)"))
                has_labour = True
                continue
        columns[i] = replace(col, how="unknown", evidence="số liệu không nhận ra; hãy chọn trường nếu cần")


# ---------------------------------------------------------------- finding the header

def find(grid: Grid, kind: Kind, units: Units) -> Header | None:
    """The header and every column's role; None when no header and no recognisable data are found."""
    found = _find_header(grid, kind)
    numbers = grid.cells.index
    if found is not None:
        position, columns, height = found
        after = position + height
        header = Header(tuple(numbers[position:after]), columns,
                        numbers[after] if after < len(numbers) else numbers[after - 1] + 1)
    else:
        header = _headerless(grid, units)
        if header is None:
            return None
    return infer(header, grid.cells.loc[header.start:], units, kind)


def _is_count(value) -> bool:
    try:
        parse_count(value)
    except ValueError:
        return False
    return True


def _headerless(grid: Grid, units: Units) -> Header | None:
    """No header words: the table starts at the first top row with a unit code or name and a number.

    The row above it, if it has any text, is taken as the header (whose words name nothing known).
    """
    numbers = list(grid.cells.index[:HEADER_SEARCH_ROWS])
    for position, number in enumerate(numbers):
        cells = grid.row(number)
        has_unit = any(code_key(v) in units.codes or (isinstance(v, str) and units.match(v).code is not None)
                       for v in cells if v is not None and not isinstance(v, float))
        has_count = any(_is_count(v) for v in cells if v is not None)
        if has_unit and has_count:
            above = grid.row(numbers[position - 1]) if position else []
            if any(isinstance(v, str) for v in above):
                return Header((numbers[position - 1],),
                              [Column(c, _text(v), None, "unknown" if v is not None else "empty")
                               for c, v in enumerate(above)], number)
            return Header((), [], number)
    return None


def mapped(header: Header, mapping: dict[int, str], how: str) -> Header:
    """The header with the columns a person (or a saved layout) mapped; SKIP leaves a column out."""
    columns = []
    for col in header.columns:
        if col.index not in mapping:
            columns.append(col)
            continue
        field = mapping[col.index]
        said = "theo cách đọc đã lưu" if how == "layout" else "do người dùng chọn"
        if field == col.field and col.evidence:
            said = f"{said}; {col.evidence}"
        columns.append(replace(col, field=None if field == SKIP else field, how=how if field != SKIP else "skipped",
                               evidence=said))
    return replace(header, columns=columns)
