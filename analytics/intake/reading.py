"""What a file says, before any judging of its figures: sheet, header, columns, commune rows, rows set aside, month.

``read`` turns the bytes into a Reading: the sheet holding a commune table (or the one asked
for), every column with the field it holds and the evidence, the mapping a person or a saved
layout gave, the commune rows (one per month in a file with a column per month) with their
cells as written and their counts parsed, the rows set aside, and where the month comes from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

import analytics.intake.period as periods
from analytics.figures.spans import month_index
from analytics.intake.columns import Column, Header, find, mapped
from analytics.intake.fields import AMOUNT, COUNT, IDENTITY, SKIP, TRIPLE, Kind
from analytics.intake.grid import Grid, Unreadable, read_grids
from analytics.intake.problem import BadValue, Problem, raises
from analytics.intake.rows import Aside, classify, marker_kind
from analytics.intake.units import Units
from analytics.intake.values import by_distinct, parse_amounts, parse_counts, parse_period, parse_year, written
from analytics.units.names import nfc

HEADER_SEARCH_ROWS = 20
PARSERS = {COUNT: parse_counts, AMOUNT: parse_amounts}  # a measure's type -> (values, written but unreadable)


@dataclass(frozen=True)
class Saved:
    """A mapping confirmed earlier for files of one shape."""

    mapping: dict[int, str]
    saved_by: str
    saved_at: str  # as shown: 05/11/2026
    file_name: str


@dataclass
class Reading:
    kind: Kind
    file_name: str
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    header: Header | None = None
    records: pd.DataFrame = field(default_factory=pd.DataFrame)  # see _records
    aside: list[Aside] = field(default_factory=list)
    blank_rows: int = 0
    period: periods.Decision | None = None
    problems: list[Problem] = field(default_factory=list)
    derived: dict[str, str] = field(default_factory=dict)  # measure -> how it was worked out
    missing: tuple[str, ...] = ()  # measures neither in the file nor derivable (totals only)
    layout: Saved | None = None  # the saved layout used, if any
    mapping_given: bool = False  # a person chose the mapping for this reading
    parts: list[dict[str, str | None]] = field(default_factory=list)  # per block of columns: field -> header

    def given(self, name: str) -> pd.Series:
        """Whether the file has a column for ``name`` in each record's block of columns (a month, in a wide file)."""
        if self.records.empty:
            return pd.Series(dtype=bool)
        has = np.array([part.get(name) is not None for part in self.parts])
        return pd.Series(has[self.records["_part"].to_numpy()], index=self.records.index)

    def label(self, index, name: str) -> str | None:
        """The header of the cell giving ``name`` in record ``index``: None where nothing in the file gave it."""
        if name == self.kind.when and self.records.at[index, "_filled"]:
            return None
        return self.parts[self.records.at[index, "_part"]].get(name)

    @property
    def columns(self) -> list[Column]:
        return self.header.columns if self.header else []

    @property
    def needs_mapping(self) -> bool:
        """Some column was decided by content, or a required one is missing, and nobody has confirmed it."""
        if self.layout is not None or self.mapping_given or self.header is None:
            return False
        fields = self.header.fields
        return (any(c.inferred for c in self.columns) or not fields & set(IDENTITY)
                or not fields & set(self.kind.measures))

    @property
    def signature(self) -> str | None:
        return self.header.signature if self.header else None

    @property
    def headers(self) -> dict[str, str]:
        """Field -> the headers that give it, as written (month columns joined by ", ")."""
        named: dict[str, list[str]] = {}
        for col in self.columns:
            if col.field:
                named.setdefault(col.field, []).append(col.shown)
                if col.period:
                    assert col.period_label is not None  # a month column's label comes with its month
                    named.setdefault(self.kind.when, []).append(col.period_label)
        return {f: ", ".join(dict.fromkeys(v)) for f, v in named.items()}

    def as_written(self) -> pd.DataFrame:
        """The commune rows with every field as written (counts as typed; a worked-out count as computed)."""
        records = self.records
        if records.empty:
            return pd.DataFrame(columns=[*self.kind.fields, "_row"])
        frame = records[[*(f for f in self.kind.fields if f not in self.kind.measures), "_row"]].copy()
        for name in (*IDENTITY, self.kind.when, *self.kind.texts):
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
        for measure in self.kind.measures:
            raw = records[f"{measure}_raw"].where(self.given(measure), records[measure])
            frame[measure] = raw.astype(object).where(raw.notna(), None)
        return frame[[*self.kind.fields, "_row"]]


def _error(reading: Reading, code: str, **params) -> Reading:
    reading.problems.append(Problem(None, None, code, params))
    return reading


def _score(grid: Grid, header: Header | None) -> int:
    return 0 if header is None else len(header.fields & set(IDENTITY)) * 10 + len(header.fields)


@raises(periods.decide.raises, "no_data", "no_header", "no_rows", "duplicate_column", "missing_identity_column",
        "missing_column", "missing_measure_columns", "period_and_month_columns", "month_missing_total_column",
        "totals_only", "typed_month_invalid", "no_period")
def read(data: bytes, file_name: str, units: Units, kind: Kind, *, sheet: str | None = None,
         typed: str | None = None, mapping: dict[int, str] | None = None,
         saved: Callable[[str], Saved | None] = lambda signature: None,
         grids_of: Callable[..., list[Grid]] = read_grids) -> Reading:
    """Read a file as far as it can be read; every reading problem is in ``problems``, never raised.

    ``grids_of``: what turns the bytes into cells (the upload path reads them in a confined child); the codes it
    raises (``grids_of.raises``) are the reading's too.
    """
    reading = Reading(kind, file_name)
    try:
        grids = grids_of(data, file_name, sheet)
    except Unreadable as exc:
        return _error(reading, exc.code, **exc.params)
    reading.sheets = [g.sheet for g in grids if g.sheet is not None]
    if not any(any(v is not None for v in g.row(n)) for g in grids for n in g.cells.index):
        return _error(reading, "no_data")
    found = [(grid, find(grid, kind, units) if len(grid.cells) else None) for grid in grids]
    grid, header = max(found, key=lambda pair: _score(*pair))
    reading.sheet = grid.sheet
    if header is None:
        first = kind.measures[0]
        return _error(reading, "no_header", rows=HEADER_SEARCH_ROWS, code_label=kind.labels["code"],
                      code_accepted=kind.accepted("code"), commune_label=kind.labels["commune"],
                      commune_accepted=kind.accepted("commune"), measure_accepted=kind.accepted(first))
    if mapping:
        header, reading.mapping_given = mapped(header, mapping, "mapping"), True
    elif (layout := saved(header.signature)) is not None:
        header, reading.layout = mapped(header, layout.mapping, "layout"), layout
    reading.header = header
    reading.problems += _column_problems(reading, header)
    body = grid.cells.loc[header.start:]
    counts = {c.index: (header.counts.get(c.index) if kind.type_of(c.field) == COUNT else None)
              or PARSERS[kind.type_of(c.field)](body[c.index]) for c in header.columns if c.field in kind.measures}
    primary = _primary_codes(body, header, units)
    resolved = primary.notna() | _named_units(body, header, units, primary.notna()) | _named_texts(body, header, kind)
    split = classify(body, header.columns, {i: p[0] for i, p in counts.items()}, resolved)
    reading.aside = [a for a in split.aside if a.kind != "blank"]
    reading.blank_rows = int(body.isna().all(axis=1).sum()) if len(body.columns) else len(body)
    every = len(split.communes) == len(body)  # a file of communes only needs no picking out
    reading.records, reading.parts = _records(body if every else body.loc[split.communes], header, counts, kind,
                                              primary if every else primary.loc[split.communes])
    if kind.month_columns or kind.month_of_file:
        _decide_period(reading, header, grid, typed)
    _derive(reading)
    if reading.records.empty and not any(p.severity == "error" for p in reading.problems):
        reading.problems.append(Problem(None, None, "no_rows"))
    return reading


def _primary_codes(body: pd.DataFrame, header: Header, units: Units) -> pd.Series:
    """The primary code of each row's written code (an alias too), missing where it has none the registry knows."""
    found = pd.Series(None, index=body.index, dtype=object)
    for col in header.of("code"):
        found = found.where(found.notna(), units.resolve_codes(body[col.index]))
    return found


def _named_units(body: pd.DataFrame, header: Header, units: Units, coded: pd.Series) -> pd.Series:
    """Whether each row without a known code names a unit (each distinct name matched once)."""
    named = pd.Series(False, index=body.index)
    for col in header.of("commune"):
        names = body[col.index].where(~coded)
        named |= by_distinct(names, lambda n: units.match(n).code is not None, False, bool)
    return named


def _named_texts(body: pd.DataFrame, header: Header, kind: Kind) -> pd.Series:
    """Whether each row writes one of the kind's own identifying texts (an employer's tax code or name): such a
    row is a record to check even when its commune is unknown, never a total or a note. Words that mark a total,
    a subtotal, a note or a signature («Tổng cộng» in the employer column) name no employer."""
    named = pd.Series(False, index=body.index)
    for col in (c for name in kind.texts[:2] for c in header.of(name)):
        cells = body[col.index]
        marker = by_distinct(cells, lambda v: isinstance(v, str) and marker_kind(v) is not None, False, bool)
        named |= written(cells) & ~marker
    return named


# ---------------------------------------------------------------- columns

def _column_problems(reading: Reading, header: Header) -> list[Problem]:
    """``header``: the reading's, once found."""
    kind = reading.kind
    row = header.rows[0] if header.rows else None
    problems, seen = [], {}
    for col in header.columns:
        if col.field is None:
            continue
        first = seen.setdefault((col.field, col.period), col)
        if first is not col:
            problems.append(Problem(row, col.shown, "duplicate_column",
                                    {"first": first.shown, "second": col.shown, "field": kind.labels[col.field]}))
    fields = header.fields
    months = list(dict.fromkeys(c.period for c in header.columns if c.period))
    if not fields & set(IDENTITY):
        problems.append(Problem(row, None, "missing_identity_column", {"code_accepted": kind.accepted("code"),
                                                                       "commune_accepted": kind.accepted("commune")}))
    if not kind.month_columns:
        needed = (*(() if kind.month_of_file else (kind.when,)), *kind.required)
        problems += [_missing_column(row, None, kind, f) for f in needed if f not in fields]
        if not kind.required and not fields & set(kind.measures):  # each optional, at least one
            problems.append(Problem(row, None, "missing_measure_columns", {
                "columns": [(kind.labels[m], kind.accepted(m)) for m in kind.measures]}))
        return problems
    if months and kind.when in fields:
        problems.append(Problem(row, None, "period_and_month_columns"))
    for month in months or [None]:
        have = {c.field for c in header.columns if c.period == month and c.field}
        label = next((c.period_label for c in header.columns if c.period == month), None)
        if "total" not in have and not {"compulsory", "voluntary"} <= have:
            problems.append(Problem(row, label, "month_missing_total_column", {
                "month": label, "field": kind.labels["total"], "accepted": kind.accepted("total")})
                            if label else _missing_column(row, label, kind, "total"))
    return problems


def _missing_column(row: int | None, label: str | None, kind: Kind, name: str) -> Problem:
    return Problem(row, label, "missing_column", {"field": kind.labels[name], "accepted": kind.accepted(name)})


DERIVATIONS = (  # (measure worked out, from, how the review says it)
    ("total", ("compulsory", "voluntary"), "= bắt buộc + tự nguyện"),
    ("voluntary", ("total", "compulsory"), "= tổng số − bắt buộc"),
    ("compulsory", ("total", "voluntary"), "= tổng số − tự nguyện"),
)


def _derive(reading: Reading) -> None:
    """A count the other two determine is worked out; rows of a file (or month) with totals only get a warning."""
    records, kind = reading.records, reading.kind
    if kind.name != "monthly" or records.empty:
        return
    given = {m: reading.given(m) for m in TRIPLE}
    for measure, (a, b), how in DERIVATIONS:
        rows = ~given[measure] & given[a] & given[b]
        if rows.any():
            first, second = records.loc[rows, a], records.loc[rows, b]
            records.loc[rows, measure] = first + second if measure == "total" else first - second
            reading.derived[measure] = how
    only = given["total"] & ~given["compulsory"] & ~given["voluntary"]
    if only.any():
        reading.missing = ("compulsory", "voluntary")
        months = sorted(records.loc[only, "period"].dropna().map(_month_or_none).dropna().unique())
        reading.problems.append(Problem(None, None, "totals_only", {"months": months}, "warning"))


def when_index(value, kind: Kind) -> int:
    """A month or year as a number that orders them: months since year 0, or the year."""
    return month_index(value) if kind.when == "period" else int(value)


def _parsed(cells: pd.Series, kind: Kind) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(month or year, why not as a BadValue, its when_index) of each time cell, parsed once per distinct value."""
    parse = parse_period if kind.when == "period" else parse_year

    def attempt(value):
        if isinstance(value, str) and not value.strip():
            return None, None
        try:
            return parse(value), None
        except BadValue as exc:
            return None, exc

    codes, distinct = pd.factorize(cells, use_na_sentinel=True)
    found = [attempt(value) for value in distinct] + [(None, None)]
    values, errors = np.empty(len(found), dtype=object), np.empty(len(found), dtype=object)
    values[:], errors[:] = [v for v, _ in found], [e for _, e in found]
    index = np.array([np.nan if v is None else when_index(v, kind) for v, _ in found], dtype=float)
    return (pd.Series(values[codes], index=cells.index, dtype=object),
            pd.Series(errors[codes], index=cells.index, dtype=object), pd.Series(index[codes], index=cells.index))


def _clean(value):
    """A code, name or month cell as written, its text in NFC (Windows-1258 files write tone marks apart)."""
    return nfc(value) or None if isinstance(value, str) else value


def _month_or_none(value) -> str | None:
    try:
        return parse_period(value)
    except ValueError:
        return None


# ---------------------------------------------------------------- records

def _records(rows: pd.DataFrame, header: Header, counts: dict, kind: Kind,
             primary: pd.Series) -> tuple[pd.DataFrame, list[dict]]:
    """One record per commune row (per filled month in a wide file), and each block of columns' headers.

    Record columns: _row; _part (its block of columns: the whole file, or one month of a wide file);
    _filled (its month came from outside the row, set later); _code (the primary code of its written
    code, missing where none is known); code, commune and the time field as
    written; per measure the parsed count, ``<m>_raw`` as written and ``<m>_bad`` (written but not a count).
    """
    fixed = {f: next((c for c in header.of(f) if c.period is None), None)
             for f in (*IDENTITY, kind.when, *kind.texts)}
    base = pd.DataFrame({"_row": rows.index.astype(int), "_filled": False, "_code": primary}, index=rows.index)
    for name, col in fixed.items():
        base[name] = (by_distinct(rows[col.index], _clean) if name in ("commune", *kind.texts) else rows[col.index]) \
            if col is not None else None
    base["_when"], base["_when_error"], base["_when_index"] = _parsed(base[kind.when], kind)
    months = list(dict.fromkeys(c.period for c in header.columns if c.period))
    parts, labels = [], []
    for month in months or [None]:
        part = base.assign(_part=len(labels))
        shown = {name: col.shown for name, col in fixed.items() if col is not None}
        filled = pd.Series(month is None, index=rows.index)
        for measure in kind.measures:
            col = next((c for c in header.columns if c.field == measure and c.period == month), None)
            if col is None:
                part[measure], part[f"{measure}_raw"] = pd.array([pd.NA] * len(part), dtype="Int64"), None
                part[f"{measure}_bad"] = False
                continue
            parsed, bad = counts[col.index]
            part[measure], part[f"{measure}_raw"] = parsed.reindex(rows.index), rows[col.index]
            part[f"{measure}_bad"] = bad.reindex(rows.index, fill_value=False).astype(bool)
            shown[measure] = col.shown
            filled |= rows[col.index].notna()
        if month is not None:
            label = next(c.period_label for c in header.columns if c.period == month)
            assert label is not None  # a month column's label comes with its month
            shown[kind.when] = label
            part[kind.when], part["_when"], part["_when_error"] = month, month, None
            part["_when_index"] = when_index(month, kind)
            part = part[filled]
        parts.append(part)
        labels.append(shown)
    if len(parts) == 1:
        return parts[0].reset_index(drop=True), labels
    return pd.concat(parts).sort_values("_row", kind="stable").reset_index(drop=True), labels


def _decide_period(reading: Reading, header: Header, grid: Grid, typed: str | None) -> None:
    """The month of rows without their own, from the title, the file name and the form; ``header``: the
    reading's."""
    records = reading.records
    above = header.rows[0] if header.rows else header.start
    sources = periods.from_title(grid, above)
    if (by_name := periods.from_file_name(reading.file_name)) is not None:
        sources.append(by_name)
    column_months = set(records["_when"].dropna().unique()) if not records.empty else set()
    if typed is not None:
        try:
            typed = parse_period(typed)
        except BadValue as exc:
            reading.problems.append(Problem(None, None, "typed_month_invalid", {"reason": str(exc)}))
            return
    decision = periods.decide(sources, typed, column_months)
    reading.period = decision
    if decision.error:
        reading.problems.append(decision.error)
    if decision.warning:
        reading.problems.append(decision.warning)
    if records.empty:
        return
    blank = records["period"].isna() | ~written(records["period"])
    if decision.fill is not None and typed is not None and len(column_months) <= 1:
        blank = pd.Series(True, index=records.index)
    if decision.fill is not None:
        records.loc[blank, ["period", "_when", "_filled"]] = [decision.fill, decision.fill, True]
        records.loc[blank, "_when_index"] = when_index(decision.fill, reading.kind)
    elif blank.all() and not decision.error:
        reading.problems.append(Problem(None, None, "no_period"))


def mapping_of(columns: list[Column]) -> dict[int, str]:
    """A reading's columns as a mapping: column -> field, SKIP where none."""
    return {c.index: c.field or SKIP for c in columns}
