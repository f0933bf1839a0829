"""Bringing a file in, the one path the upload page and the command line share: read, map, check, store.

``prepare`` reads and checks without storing anything; when columns were decided by content
(or a required one is missing) and no saved layout applies, it stops before checking the
figures so a person can confirm the mapping first (``Prepared.needs_mapping``).
``confirm_mapping`` saves that mapping as the layout of files of this shape. ``apply`` stores a
prepared upload as one transaction and refuses errors, unconfirmed warnings and a file already applied.
Both store through analytics.storage.writes and hand it the acting ``user``, whose role it checks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import pandas as pd

import analytics.intake.confined as confined
import analytics.intake.layouts as layouts
from analytics.errors import DuplicateUpload, SourceMissing, ValidationFailed, WarningsNotConfirmed
from analytics.intake.check_base import Checked
from analytics.intake.checks import CHECKERS
from analytics.intake.fields import KINDS
from analytics.intake.problem import Problem, raises
from analytics.intake.reading import Reading, mapping_of, read
from analytics.intake.review import read_lines
from analytics.intake.units import Units
from analytics.settings import Settings, load_settings
from analytics.storage import reads, writes
from analytics.storage.db import Connection
from analytics.text import fmt, labels, usertext

NO_ROW = "—"
SHOWN_PROBLEMS = 200  # a page lists at most this many, then says how many more


@dataclass
class Prepared:
    file_name: str
    sha256: str
    reading: Reading
    checked: Checked
    duplicate_of: int | None
    kind: str = "monthly"  # which schema.KINDS table the rows go to

    @property
    def errors(self) -> list[Problem]:
        return self.checked.errors

    @property
    def warnings(self) -> list[Problem]:
        return self.checked.warnings

    @property
    def needs_mapping(self) -> bool:
        return self.reading.needs_mapping

    @property
    def mapping(self) -> dict[int, str]:
        """The columns as read: column -> field (or SKIP)."""
        return mapping_of(self.reading.columns)

    def problem_table(self) -> pd.DataFrame:
        """The problems as the pages list them (level, whole file row, column as written, message; «—» where none):
        the first SHOWN_PROBLEMS, then one line saying how many more, so a broken file never sends a million rows."""
        problems = self.checked.problems
        rows = [{"Mức": labels.SEVERITY[p.severity], "Dòng": NO_ROW if p.row is None else str(p.row),
                 "Cột": p.column or NO_ROW, "Nội dung": p.message} for p in problems[:SHOWN_PROBLEMS]]
        if len(problems) > SHOWN_PROBLEMS:
            rows.append({"Mức": "…", "Dòng": NO_ROW, "Cột": NO_ROW,
                         "Nội dung": f"Còn {fmt.number(len(problems) - SHOWN_PROBLEMS)} vấn đề khác không hiện ở "
                                     "đây. Hãy sửa các vấn đề trên rồi tải lại tệp."})
        return pd.DataFrame(rows, columns=["Mức", "Dòng", "Cột", "Nội dung"])

    def preview(self) -> pd.DataFrame:
        """The commune rows as read, headed in Vietnamese, with how each name was matched; rows with errors first."""
        kind = KINDS[self.kind]
        frame = self.reading.as_written()
        given = set(self.reading.headers) | set(self.reading.derived)
        frame = frame[[c for c in frame.columns if c in given or c == "_row"]]
        table = self.checked.table
        if not table.empty:
            methods = table.drop_duplicates("source_row").set_index("source_row")["match_method"]
            frame["match"] = frame["_row"].map(methods).map(labels.MATCH_METHOD)
        frame.insert(0, "Có lỗi", frame["_row"].isin({p.row for p in self.errors}))
        frame = frame.sort_values("Có lỗi", ascending=False, kind="stable")
        return frame.rename(columns={**kind.labels, "_row": "Dòng", "match": "Cách khớp tên"})

    def lines(self, columns: bool = True, rest: bool = True) -> list[str]:
        """What was read, as the command line prints it (see review.read_lines)."""
        return read_lines(self.reading, self.checked, columns, rest)


def prepare(con: Connection, data: bytes, file_name: str, *, kind: str = "monthly", settings: Settings | None = None,
            sheet: str | None = None, period: str | None = None, mapping: dict[int, str] | None = None,
            today: dt.date | None = None) -> Prepared:
    """Read and check a file without storing anything; its name (anyone's text) is cleaned and bounded first.

    ``period``: a month typed on the form (it overrides the file's, with a warning); ``mapping``:
    column -> field chosen by a person (SKIP leaves a column out); otherwise a saved layout of the
    file's shape applies, or the columns as read.
    """
    settings, file_name = settings or load_settings(), usertext.file_name(file_name)
    units = Units.load(con, settings)
    reading = read(data, file_name, units, KINDS[kind], sheet=sheet, typed=period, mapping=mapping,
                   saved=layouts.finder(con, kind), grids_of=confined.reader(settings.upload_max_mb))
    if reading.needs_mapping:
        checked = Checked(pd.DataFrame(), list(reading.problems))
    else:
        checked = CHECKERS[kind](reading, units, settings, con, today or dt.date.today())
    sha = hashlib.sha256(data).hexdigest()
    return Prepared(file_name, sha, reading, checked, reads.applied_with_hash(con, sha), kind)


def confirm_mapping(con: Connection, prepared: Prepared, mapping: dict[int, str], *, user,
                    now: dt.datetime | None = None) -> None:
    """Save a person's mapping as the layout of files shaped like this one (audited)."""
    reading = prepared.reading
    assert reading.signature is not None  # a mapping is of a header found: a file without one has none to map
    writes.save_layout(con, user, prepared.kind, reading.signature, reading.columns, mapping, prepared.file_name, now)


@raises("mapping_unconfirmed")
def apply(con: Connection, prepared: Prepared, *, user, confirm_warnings: bool = False, note: str = "",
          is_demo: bool = False, now: dt.datetime | None = None, source: str = "") -> int:
    """Store a prepared upload of its kind; refuses errors, unconfirmed warnings and a file already applied.

    ``source``: where the figures come from, required for a kind that must name it (stored with each row).
    """
    if prepared.needs_mapping:
        raise ValidationFailed([Problem(None, None, "mapping_unconfirmed")])
    if prepared.errors:
        raise ValidationFailed(prepared.errors)
    if prepared.duplicate_of is not None:
        raise DuplicateUpload(
            f"Tệp này đã được tải lên (lần tải lên số {prepared.duplicate_of}); không áp dụng lần thứ hai."
        )
    if prepared.warnings and not confirm_warnings:
        raise WarningsNotConfirmed(f"Có {len(prepared.warnings)} cảnh báo cần xác nhận trước khi lưu.")
    table = prepared.checked.table
    if KINDS[prepared.kind].sourced:
        source = usertext.clean(source or "").strip()
        if not source:
            raise SourceMissing("Hãy ghi nguồn số liệu (ví dụ: Cục Thống kê tỉnh, niên giám thống kê năm 2025) "
                                "trước khi lưu: mọi tỷ lệ bao phủ tính từ tệp này sẽ nêu nguồn đó.")
        table = table.assign(source=source)
    return writes.record_upload(
        con, table, kind=prepared.kind, file_name=prepared.file_name, sha256=prepared.sha256,
        user=user, rows_read=len(prepared.reading.records), note=note, is_demo=is_demo, now=now,
    )
