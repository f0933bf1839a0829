"""The yearly reports communes return, stored with their checksum (analytics.figures.commune_reports reads them)."""

from __future__ import annotations

import datetime as dt
import hashlib

from analytics.access.accounts import User
from analytics.errors import DuplicateUpload, ReportFileRefused
from analytics.figures.commune_reports import file_kind
from analytics.settings import Settings
from analytics.storage.db import Connection
from analytics.storage.writes.catalogue import Done, write
from analytics.text import usertext
from analytics.units.communes import resolve_code


@write("commune_report", needs="commune_reports", figures=True)
def record_commune_report(con: Connection, user: User | None, settings: Settings, code: str, year: int,
                          file_name: str, data: bytes, *, note: str = "", now: dt.datetime | None = None) -> Done[int]:
    """Store a commune's returned report for ``year`` (it changes the reporting counts and the evaluation); its id.
    Refuses other files, files over the plan's upload limit, and the same file twice."""
    assert user is not None  # write() has required the permission of a signed-in user
    file_name, note = usertext.clean(file_name), usertext.clean(note)
    if not data:
        raise ReportFileRefused(f"Tệp «{file_name}» rỗng.")
    if len(data) > settings.upload_max_mb * 2**20:
        raise ReportFileRefused(f"Tệp «{file_name}» lớn hơn {settings.upload_max_mb} MB; hãy nén ảnh hoặc "
                                "xuất lại PDF với độ phân giải thấp hơn.")
    file_kind(data, file_name)
    code = resolve_code(con, code)
    sha = hashlib.sha256(data).hexdigest()
    same = con.execute("SELECT id FROM commune_reports WHERE code = ? AND year = ? AND sha256 = ?",
                       [code, int(year), sha]).fetchone()
    if same:
        raise DuplicateUpload(f"Tệp này đã được lưu cho đơn vị {code}, năm {year} (lần lưu số {same[0]}).")
    inserted = con.execute(
        "INSERT INTO commune_reports (code, year, file_name, sha256, size_bytes, content, uploaded_by, "
        "uploaded_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [code, int(year), file_name, sha, len(data), data, user.username, now or dt.datetime.now(), note],
    ).fetchone()
    assert inserted is not None  # RETURNING gives the inserted row
    report_id = inserted[0]
    return Done((f"#{report_id} {code} năm {year}: {file_name} (SHA-256 {sha[:12]}…)",), report_id)
