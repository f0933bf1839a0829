"""The yearly reports communes return to the province before the plan's deadline (15/12), and who is late.

A returned report is a file (the completed Word form, or a PDF of the signed copy) stored with its
SHA-256 against one unit and one year (analytics.storage.writes.record_commune_report); the same file
twice for the same unit and year is stored once. A report first returned on or before the deadline
is on time, later is late; none once the deadline has passed is missing, before it pending.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pandas as pd

from analytics.errors import ReportFileRefused
from analytics.figures.completeness import LATE, MISSING, PENDING, PRESENT
from analytics.settings import Settings
from analytics.storage import db
from analytics.storage.db import Connection

STATUSES = (PRESENT, LATE, MISSING, PENDING)


def deadline(settings: Settings, year: int) -> dt.date:
    """The day the year's report is due (the plan's ``commune_report_deadline``, 15/12 by default)."""
    month, day = (int(x) for x in settings.commune_report_deadline.split("-"))
    return dt.date(int(year), month, day)


def file_kind(data: bytes, file_name: str) -> str:
    """'docx' or 'pdf' by content, not by name; anything else is refused with what to send instead."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            pass
    raise ReportFileRefused(f"Tệp «{file_name}» không phải báo cáo Word (.docx) hoặc PDF. Hãy gửi báo cáo đã "
                            "điền theo mẫu (.docx) hoặc bản chụp có chữ ký, đóng dấu dạng PDF.")


def returned(con: Connection, year: int | None = None, code: str | None = None) -> pd.DataFrame:
    """The stored reports (of a year, of a unit, or all), oldest first, without their content."""
    return db.query(con, """
        SELECT r.id, r.code, c.name, r.year, r.file_name, r.sha256, r.size_bytes, r.uploaded_by, r.uploaded_at,
               r.note
        FROM commune_reports r LEFT JOIN communes c USING (code)
        WHERE r.year = coalesce(?, r.year) AND r.code = coalesce(?, r.code)
        ORDER BY r.uploaded_at, r.id""", [year, code])


def content(con: Connection, report_id: int) -> tuple[str, bytes]:
    """A stored report's file name and bytes, exactly as uploaded."""
    found = db.rows(con, "SELECT file_name, content FROM commune_reports WHERE id = ?", [int(report_id)])
    if not found:
        raise ReportFileRefused(f"Không có báo cáo số {report_id}.")
    return found[0][0], bytes(found[0][1])


def status(con: Connection, settings: Settings, year: int, today: dt.date) -> pd.DataFrame:
    """One row per unit: code, name, first_returned, files, due and status (on_time, late, missing, pending)."""
    frame = db.query(con, """
        SELECT c.code, c.name, min(r.uploaded_at) AS first_returned, count(r.id) AS files
        FROM communes c LEFT JOIN commune_reports r ON r.code = c.code AND r.year = ?
        GROUP BY c.code, c.name ORDER BY c.code""", [int(year)])
    due = deadline(settings, year)
    returned_on = frame["first_returned"].dt.date
    frame["due"] = due
    frame["status"] = [(LATE if day > due else PRESENT) if pd.notna(day) else (MISSING if today > due else PENDING)
                       for day in returned_on]
    return frame


def counts(frame: pd.DataFrame) -> dict[str, int]:
    """status -> how many units, every status present."""
    found = frame["status"].value_counts()
    return {s: int(found.get(s, 0)) for s in STATUSES}
