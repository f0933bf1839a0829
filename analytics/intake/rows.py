"""Rows that are not communes: grand totals, group headers, subtotals, blank and note rows, signature blocks.

A row whose code or name is a unit of the province is a commune. Any other row is looked at:
its words (markers such as "Tổng cộng", "Cộng khu vực 3", "Người lập biểu") and its
arithmetic. A row equal to the sum of the communes since the previous group header is a
subtotal, one equal to the sum of all communes is the grand total. Such rows are set aside
and listed, and the figures they state are compared with the communes' sums: a difference
is a warning naming both figures, never a silent correction. A row that is neither stays a
commune row, so an unknown name is still reported as one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.intake.columns import Column
from analytics.intake.fields import COUNT_VI
from analytics.intake.problem import Problem, raises
from analytics.intake.words import GRAND_TOTAL, NOTE, SUBTOTAL, is_numbering, is_signature, starts_with, words

_NUMBERING = re.compile(r"\(?(?:[IVXivx]{1,4}|\d{1,3}|[A-Za-z])[.)]?\)?")
KIND_VI = {"grand_total": "tổng cộng", "subtotal": "cộng nhóm", "group": "tên nhóm", "note": "ghi chú",
           "signature": "khối chữ ký", "numbering": "dòng đánh số cột", "blank": "dòng trống"}


@dataclass(frozen=True)
class Aside:
    """A row set aside, with what it was taken to be and, for totals, the figures it states and the sums."""

    row: int
    kind: str
    label: str
    stated: dict[str, int | float] = field(default_factory=dict)  # measure (or "measure|month") -> figure
    summed: dict[str, int | float] = field(default_factory=dict)  # the communes' sum of the same
    first: int | None = None  # file rows of the communes it adds up
    last: int | None = None

    @property
    def differences(self) -> dict[str, tuple[int | float, int | float]]:
        return {k: (v, self.summed[k]) for k, v in self.stated.items() if k in self.summed and self.summed[k] != v}


def _text_cells(cells: list) -> list[str]:
    return [v.strip() for v in cells if isinstance(v, str) and v.strip()]


def _label(cells: list, measures: set[int]) -> str:
    """The words that name a row: its text outside the count columns, without a numbering such as 'I' or 'A.'."""
    outside = [v for v in _text_cells([v for i, v in enumerate(cells) if i not in measures])
               if not _NUMBERING.fullmatch(v)]
    return " ".join(dict.fromkeys(outside or _text_cells(cells))) or ""


def marker_kind(label: str) -> str | None:
    """What a row's words say it is, before any arithmetic: signature, total, subtotal, note, or None."""
    text = words(label)
    if not text:
        return None
    if is_signature(text):
        return "signature"
    if text in ("cong", "tong", "total", "sum"):
        return "total"  # grand total or subtotal: the arithmetic and the row's place tell
    if starts_with(text, GRAND_TOTAL):
        return "total"
    if starts_with(text, SUBTOTAL):
        return "subtotal"
    if starts_with(text, NOTE) or label.lstrip().startswith(("(*)", "*")):
        return "note"
    return None


@dataclass
class Rows:
    """Which data rows are communes, and the rows set aside with what each was taken to be."""

    communes: pd.Index  # file rows
    aside: list[Aside]


def classify(body: pd.DataFrame, columns: list[Column], counts: dict[int, pd.Series], resolved: pd.Series) -> Rows:
    """Split the rows below the header. ``counts``: each count column parsed; ``resolved``: row names a unit.

    Only rows that name no unit are looked at one by one; a file of communes is split at once.
    """
    measures = {c.index for c in columns if c.index in counts}
    blank = body.isna().all(axis=1) if len(body.columns) else pd.Series(True, index=body.index)
    has_counts = (pd.concat([s.notna() for s in counts.values()], axis=1).any(axis=1).reindex(body.index,
                                                                                                fill_value=False)
                  if counts else pd.Series(False, index=body.index))
    kinds = pd.Series("commune", index=body.index, dtype=object)
    kinds[blank] = "blank"
    written = body.index[~blank]
    labels, aside = {}, []
    if len(written) and is_numbering(body.loc[written[0]].tolist()):
        kinds[written[0]] = "numbering"
        labels[written[0]] = " ".join(_text_cells([str(v) for v in body.loc[written[0]].tolist() if v is not None]))
    unresolved = ~blank & ~resolved.reindex(body.index, fill_value=False) & (kinds != "numbering")
    if not unresolved.any():  # every written row names a unit: nothing to look at one by one
        return Rows(kinds.index[kinds == "commune"], [Aside(int(r), "numbering", labels[r]) for r in labels])
    for row in body.index[unresolved]:
        label = _label(body.loc[row].tolist(), measures)
        said = marker_kind(label)
        if said == "signature":
            after = written[written >= row]
            kinds[after] = "signature"
            labels |= {r: _label(body.loc[r].tolist(), measures) for r in after}
            break
        labels[row] = label
        kinds[row] = said if said in ("total", "subtotal", "note") else "candidate" if has_counts[row] else "text"
    _label_only(kinds, has_counts)
    _totals(kinds, labels, counts, columns, aside)
    for row, kind in kinds[kinds.isin(["group", "note", "signature", "numbering"])].items():
        aside.append(Aside(int(row), kind, labels.get(row, "")))
    aside.sort(key=lambda a: a.row)
    return Rows(kinds.index[kinds == "commune"], aside)


def _label_only(kinds: pd.Series, has_counts: pd.Series) -> None:
    """A row with words and no figures: a group header when communes follow it, a note otherwise."""
    communes = kinds.index[kinds.isin(["commune", "candidate"])]
    last = communes.max() if len(communes) else -1
    for row in kinds.index[kinds.isin(["text", "note"])]:
        if kinds[row] == "note" or row > last:
            kinds[row] = "note"
        elif not has_counts[row]:
            kinds[row] = "group"


def _number(value) -> int | float:
    """A figure as compared and shown: a whole number as such, an amount (triệu đồng) to the precision written,
    so a stated total of 1.348,7 meets its rows' sum despite binary fractions."""
    value = round(float(value), 6)
    return int(value) if value.is_integer() else value


def _figures(counts: dict[int, pd.Series], columns: list[Column], row) -> dict[str, int | float]:
    out = {}
    for col in columns:
        if col.index in counts and pd.notna(counts[col.index].get(row)):
            out[_key(col)] = _number(counts[col.index][row])
    return out


def _key(col: Column) -> str:
    assert col.field is not None  # only a column given a field has figures or a stated total
    return f"{col.field}|{col.period}" if col.period else col.field


def _sums(counts: dict[int, pd.Series], columns: list[Column], rows: pd.Index) -> dict[str, int | float]:
    """The communes' sum per count column, only where every commune of ``rows`` has the figure."""
    out = {}
    for col in columns:
        if col.index in counts:
            values = counts[col.index].reindex(rows)
            if len(values) and values.notna().all():
                out[_key(col)] = _number(values.sum())
    return out


def _totals(kinds: pd.Series, labels: dict, counts: dict[int, pd.Series], columns: list[Column],
            aside: list[Aside]) -> None:
    """Rows with figures and no unit: grand total, subtotal (closing or opening a group), or a commune after all.

    Each is decided by arithmetic first, then by its words and place; one matched by arithmetic alone
    (no words saying it is a total) must add up at least two communes.
    """
    rows = kinds.index[kinds.isin(["total", "subtotal", "candidate"])]
    if not len(rows):
        return
    boundaries = kinds.index[kinds.isin(["group", "total", "subtotal", "candidate", "note", "signature"])]
    communes = kinds.index[kinds == "commune"]
    everyone = _sums(counts, columns, communes)
    for row in rows:
        stated = _figures(counts, columns, row)
        before, after = _between(communes, boundaries, row)
        prev_sum, next_sum = _sums(counts, columns, before), _sums(counts, columns, after)
        said, least = kinds[row], 2 if kinds[row] == "candidate" else 1
        if said != "subtotal" and _equal(stated, everyone) and len(communes) >= least:
            kind, span = "grand_total", communes
        elif len(before) >= least and _equal(stated, prev_sum):
            kind, span = "subtotal", before
        elif len(after) >= least and _equal(stated, next_sum):
            kind, span = "subtotal", after
        elif said == "candidate":
            kinds[row] = "commune"  # an unknown name with figures: the validator names it
            continue
        elif said == "total" and (not len(before) or not (communes > row).any()):
            kind, span = "grand_total", communes
        else:
            kind, span = "subtotal", before if len(before) else after
        kinds[row] = kind
        aside.append(Aside(int(row), kind, labels.get(row, ""), stated, _sums(counts, columns, span),
                           int(span.min()) if len(span) else None, int(span.max()) if len(span) else None))


def _equal(stated: dict, summed: dict) -> bool:
    shared = set(stated) & set(summed)
    return bool(shared) and all(stated[k] == summed[k] for k in shared)


def _between(communes: pd.Index, boundaries: pd.Index, row) -> tuple[pd.Index, pd.Index]:
    """The communes between the previous boundary and ``row``, and between ``row`` and the next boundary."""
    earlier, later = boundaries[boundaries < row], boundaries[boundaries > row]
    start = earlier.max() if len(earlier) else -np.inf
    end = later.min() if len(later) else np.inf
    return communes[(communes > start) & (communes < row)], communes[(communes > row) & (communes < end)]


@raises("stated_total_differs", "stated_subtotal_differs")
def stated_problems(aside: list[Aside], columns: list[Column]) -> list[Problem]:
    """A warning at its row and column for every stated total that differs from its communes' sum."""
    headers = {_key(c): c.header or c.letter for c in columns if c.field}
    out = []
    for a in aside:
        for key, (stated, summed) in a.differences.items():
            measure, _, month = key.partition("|")
            params = {"label": a.label, "measure": COUNT_VI.get(measure, measure), "month": month or None,
                      "stated": stated, "summed": summed, "difference": _number(stated - summed)}
            if a.kind == "subtotal":
                code, params = "stated_subtotal_differs", params | {"first": a.first, "last": a.last}
            else:
                code = "stated_total_differs"
            out.append(Problem(a.row, headers.get(key), code, params, "warning"))
    return out

