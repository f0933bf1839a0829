"""Commune reports returned for the 15/12 deadline: stored with their checksum, audited, counted on time or late."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from analytics.access import audit
from analytics.access.accounts import User
from analytics.errors import DuplicateUpload, NotAuthorised, ReportFileRefused, UnknownCommune
from analytics.figures import commune_reports
from analytics.storage import db, writes
from tests.helpers import ANALYST, docx_bytes

A, B, C = "11953", "11977", "11980"


def test_a_returned_report_is_stored_with_its_checksum_and_audited(tiny, tiny_settings):
    data = docx_bytes("Kết quả đạt được: …")
    report_id = writes.record_commune_report(tiny, ANALYST, tiny_settings, A, 2026, "bao-cao-pho-hien.docx", data,
                                       note="bản ký", now=dt.datetime(2026, 12, 14, 9))
    stored = commune_reports.returned(tiny, 2026)
    assert stored.drop(columns="uploaded_at").to_dict("records") == [{
        "id": report_id, "code": A, "name": "Phường Phố Hiến", "year": 2026, "file_name": "bao-cao-pho-hien.docx",
        "sha256": hashlib.sha256(data).hexdigest(), "size_bytes": len(data), "uploaded_by": ANALYST.username,
        "note": "bản ký"}]
    assert commune_reports.content(tiny, report_id) == ("bao-cao-pho-hien.docx", data)
    entry = audit.entries(tiny).iloc[0]
    assert (entry["actor"], entry["action"]) == (ANALYST.username, "commune_report")
    assert entry["detail"].startswith(f"#{report_id} {A} năm 2026: bao-cao-pho-hien.docx (SHA-256 ")


def test_on_time_late_missing_and_pending(tiny, tiny_settings):
    for code, name, data, now in ((A, "a.docx", docx_bytes("A"), dt.datetime(2026, 12, 15, 23, 59)),
                                  (B, "b.pdf", b"%PDF-1.7 signed copy", dt.datetime(2026, 12, 16, 8)),
                                  (B, "b2.docx", docx_bytes("B"), dt.datetime(2026, 12, 17, 8))):
        writes.record_commune_report(tiny, ANALYST, tiny_settings, code, 2026, name, data, now=now)
    after = commune_reports.status(tiny, tiny_settings, 2026, dt.date(2026, 12, 20)).set_index("code")
    assert after["status"].to_dict() == {A: "on_time", B: "late", C: "missing"}
    assert after["files"].to_dict() == {A: 1, B: 2, C: 0}
    assert commune_reports.counts(after) == {"on_time": 1, "late": 1, "missing": 1, "pending": 0}
    before = commune_reports.status(tiny, tiny_settings, 2026, dt.date(2026, 12, 1))
    assert before.set_index("code").loc[C, "status"] == "pending"
    assert commune_reports.deadline(tiny_settings, 2026) == dt.date(2026, 12, 15)


def test_wrong_files_and_people_are_refused_and_nothing_is_stored(tiny, tiny_settings):
    before = db.checksums(tiny)
    data = docx_bytes("x")
    for user, code, name, content, error in [
        (ANALYST, A, "bao-cao.xlsx", b"PK\x03\x04not a word file", ReportFileRefused),
        (ANALYST, A, "anh.jpg", b"\xff\xd8\xff\xe0 jpeg", ReportFileRefused),
        (ANALYST, A, "rong.docx", b"", ReportFileRefused),
        (ANALYST, A, "qua-lon.pdf", b"%PDF-" + b"0" * (tiny_settings.upload_max_mb * 2**20), ReportFileRefused),
        (ANALYST, "99999", "x.docx", data, UnknownCommune),
        (User("ld", "Lãnh đạo", "viewer"), A, "x.docx", data, NotAuthorised),
        (None, A, "x.docx", data, NotAuthorised),
    ]:
        with pytest.raises(error):
            writes.record_commune_report(tiny, user, tiny_settings, code, 2026, name, content)
    assert db.checksums(tiny) == before
    writes.record_commune_report(tiny, ANALYST, tiny_settings, A, 2026, "x.docx", data)
    with pytest.raises(DuplicateUpload, match="đã được lưu"):
        writes.record_commune_report(tiny, ANALYST, tiny_settings, A, 2026, "x-lan-hai.docx", data)
    writes.record_commune_report(tiny, ANALYST, tiny_settings, A, 2027, "x.docx", data)  # another year, another report
    assert len(commune_reports.returned(tiny, code=A)) == 2
