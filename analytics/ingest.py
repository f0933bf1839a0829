"""Bringing a results file in: read, validate, then store as one transaction.

``python -m analytics ingest FILE [--period YYYY-MM] [--sheet NAME] [--dry-run] [--yes]``
runs the same steps and messages as the upload page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import pandas as pd

from analytics import fmt, labels, store
from analytics.accounts import User
from analytics.errors import DuplicateUpload, ValidationFailed, WarningsNotConfirmed
from analytics.readers import LAYOUTS, Problem, RawTable
from analytics.settings import Settings, load_settings
from analytics.upload_worker import read_upload
from analytics.validate import Checked, validate_monthly

SHOWN_PROBLEMS = 200  # a page lists at most this many, then says how many more


@dataclass
class Prepared:
    file_name: str
    sha256: str
    raw: RawTable
    checked: Checked
    duplicate_of: int | None
    kind: str = "monthly"  # which store.KINDS table the rows go to

    @classmethod
    def of(cls, con, data: bytes, file_name: str, raw: RawTable, checked: Checked, kind: str) -> Prepared:
        """A checked file with its fingerprint, and the upload that already applied it if any."""
        sha = hashlib.sha256(data).hexdigest()
        return cls(file_name, sha, raw, checked, store.applied_with_hash(con, sha), kind)

    @property
    def errors(self) -> list[Problem]:
        return self.checked.errors

    @property
    def warnings(self) -> list[Problem]:
        return self.checked.warnings

    def problem_table(self) -> pd.DataFrame:
        """The problems as the pages list them (level, file row, column as written, message): the first
        SHOWN_PROBLEMS, then one line saying how many more, so a broken file never sends a million rows."""
        problems = self.checked.problems
        rows = [{"Mức": labels.SEVERITY[p.severity], "Dòng": p.row, "Cột": p.column,
                 "Nội dung": p.message} for p in problems[:SHOWN_PROBLEMS]]
        if len(problems) > SHOWN_PROBLEMS:
            rows.append({"Mức": "…", "Dòng": None, "Cột": None,
                         "Nội dung": f"Còn {fmt.number(len(problems) - SHOWN_PROBLEMS)} vấn đề khác không hiện ở "
                                     "đây. Hãy sửa các vấn đề trên rồi tải lại tệp."})
        return pd.DataFrame(rows, columns=["Mức", "Dòng", "Cột", "Nội dung"])

    def preview(self) -> pd.DataFrame:
        """The rows as read, headed in Vietnamese, those with an error flagged first."""
        frame = self.raw.frame.copy()
        frame.insert(0, "Có lỗi", frame["_row"].isin({p.row for p in self.errors}))
        return frame.rename(columns={**LAYOUTS[self.kind].labels, "_row": "Dòng"})


def prepare(con, data: bytes, file_name: str, *, settings: Settings | None = None, sheet: str | None = None,
            period: str | None = None, today: dt.date | None = None) -> Prepared:
    """Read and check a file without storing anything."""
    settings = settings or load_settings()
    raw = read_upload(data, file_name, max_mb=settings.upload_max_mb, sheet=sheet, period=period)
    checked = validate_monthly(raw, con, settings, today or dt.date.today(), previous=store.monthly(con))
    return Prepared.of(con, data, file_name, raw, checked, "monthly")


def apply(con, prepared: Prepared, *, user: User, confirm_warnings: bool = False, note: str = "",
          is_demo: bool = False, now: dt.datetime | None = None) -> int:
    """Store a prepared upload of its kind; refuses errors, unconfirmed warnings and a file already applied."""
    if prepared.errors:
        raise ValidationFailed(prepared.errors)
    if prepared.duplicate_of is not None:
        raise DuplicateUpload(
            f"Tệp này đã được tải lên (lần tải lên số {prepared.duplicate_of}); không áp dụng lần thứ hai."
        )
    if prepared.warnings and not confirm_warnings:
        raise WarningsNotConfirmed(f"Có {len(prepared.warnings)} cảnh báo cần xác nhận trước khi lưu.")
    return store.record_upload(
        con, prepared.checked.table, kind=prepared.kind, file_name=prepared.file_name, sha256=prepared.sha256,
        user=user, rows_read=len(prepared.raw.frame), note=note, is_demo=is_demo, now=now,
    )


def describe(problem: Problem) -> str:
    """'Dòng 5, cột «Tổng số»: ...' — where a person finds the problem in the file."""
    where = []
    if problem.row is not None:
        where.append(f"Dòng {problem.row}")
    if problem.column:
        where.append(f"cột «{problem.column}»")
    return (", ".join(where) + ": " if where else "") + problem.message

if __name__ == "__main__":
    from analytics.aliases import run_as

    run_as("ingest")
