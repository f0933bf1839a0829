"""Limits an uploaded file must meet before anything reads it in full.

Communes send files an attacker may have made, and a reader that trusts them can be made to
allocate gigabytes: a 1 MB XLSX whose shared strings unzip to a 1 GB string, a whitespace
bomb, a billion-laughs entity, a million rows. What can be judged from the bytes and the
zip directory alone is judged here in the server (size, real type behind the suffix,
password protection, unzipped size and ratio); what needs the XML is judged by
``xml_refusal`` in the confined child that then parses the file (analytics.intake.upload_worker),
streaming with defusedxml so that no entity is ever expanded. Each refusal is a Vietnamese
sentence saying what to do.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import PurePath

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring, iterparse

from analytics.text import fmt

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
MAX_ROWS = 250_000  # a five-year national file in long shape has 200,000
MAX_COLUMNS = 1_000
MAX_CELL = 32_767  # Excel's own limit on the characters of one cell
MAX_UNZIPPED_MB = 200
MAX_RATIO = 100  # a real workbook part compresses 5-30 times
MAX_PARTS = 1_000
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file of .xls and of password-protected .xlsx
_ENCRYPTED = "EncryptionInfo".encode("utf-16-le")
_ODS = b"application/vnd.oasis.opendocument"
_RESAVE = "Hãy mở tệp bằng Excel và lưu lại dạng .xlsx (Excel Workbook) hoặc CSV UTF-8."


def _megabytes(size: int) -> str:
    return fmt.number(size / 2**20, 1)


def _disguise(data: bytes) -> str | None:
    """What the bytes really are when they are not what either suffix promises."""
    if data.startswith(_OLE):
        return "encrypted" if _ENCRYPTED in data else "xls"
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04") and _ODS in data[:200]:
        return "ods"
    return None


_DISGUISES = {
    "encrypted": "Tệp Excel được đặt mật khẩu nên không đọc được. Hãy bỏ mật khẩu (Tệp → Thông tin → Bảo vệ "
                 "sổ làm việc → Mã hoá bằng mật khẩu, xoá mật khẩu) rồi lưu lại và tải lên lại.",
    "xls": "Tệp là Excel 97–2003 (.xls) được đổi tên. " + _RESAVE,
    "pdf": "Tệp là PDF được đổi tên, không phải bảng số liệu. " + _RESAVE,
    "ods": "Tệp là bảng tính OpenDocument (.ods) được đổi tên. " + _RESAVE,
}


def refusal(data: bytes, filename: str, max_mb: int) -> str | None:
    """Why the file is refused before any reading, or None; judged from its size, first bytes and zip directory."""
    if len(data) > max_mb * 2**20:
        return (f"Tệp nặng {_megabytes(len(data))} MB, quá giới hạn {fmt.number(max_mb)} MB. Hãy chỉ giữ bảng số "
                "liệu cần nộp (xoá các trang tính, hình ảnh khác) hoặc chia thành nhiều tệp.")
    suffix = PurePath(filename).suffix.lower()
    if suffix in TEXT_SUFFIXES and (data.startswith((_OLE, b"PK\x03\x04", b"%PDF"))):
        return "Tệp có đuôi .csv nhưng không phải văn bản CSV (là tệp Excel, PDF hoặc tệp nén). " + _RESAVE
    if suffix in TEXT_SUFFIXES and data.count(b"\n") > MAX_ROWS:
        return f"Tệp có hơn {fmt.number(MAX_ROWS)} dòng, quá giới hạn. Hãy chia thành nhiều tệp."
    if suffix not in EXCEL_SUFFIXES:
        return None
    if kind := _disguise(data):
        return _DISGUISES[kind]
    return _zip_refusal(data)


def _zip_refusal(data: bytes) -> str | None:
    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None  # the reader says the file is damaged, in its own words
    unzipped = sum(p.file_size for p in parts)
    swollen = [p for p in parts if p.file_size > 2**20 and p.file_size > MAX_RATIO * max(p.compress_size, 1)]
    if len(parts) > MAX_PARTS or unzipped > MAX_UNZIPPED_MB * 2**20 or swollen:
        return (f"Tệp Excel giải nén ra {_megabytes(unzipped)} MB (giới hạn {fmt.number(MAX_UNZIPPED_MB)} MB, "
                f"mỗi phần nén không quá {MAX_RATIO} lần): tệp bất thường, có thể là tệp độc hại. "
                "Hãy chép riêng bảng số liệu sang một tệp Excel mới rồi tải lên.")
    return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _column_number(ref: str) -> int:
    number = 0
    letters = re.match(r"[A-Z]*", ref)
    assert letters is not None  # "*" matches, if only the empty text
    for letter in letters.group():
        number = number * 26 + ord(letter) - 64
    return number


def xml_refusal(data: bytes) -> str | None:
    """Why the workbook's XML is refused, or None: entities, an over-long cell, too many rows or columns.

    Streams each part with defusedxml (a DTD is refused before any entity exists), clearing
    what it has read. A damaged zip or malformed XML is left for the reader to name in its own words.
    """
    try:
        return _scan(zipfile.ZipFile(io.BytesIO(data)))
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError, SyntaxError):
        return None


def _scan(book: zipfile.ZipFile) -> str | None:
    for part in book.namelist():
        if not part.endswith(".xml") or not part.startswith("xl/"):
            continue
        rows = 0
        try:
            with book.open(part) as stream:
                for _, element in iterparse(stream, forbid_dtd=True):
                    tag = _local(element.tag)
                    if tag in ("t", "v", "f") and element.text and len(element.text) > MAX_CELL:
                        return (f"Một ô trong tệp dài hơn {fmt.number(MAX_CELL)} ký tự, giới hạn của chính Excel: "
                                "tệp bất thường. Hãy chép riêng bảng số liệu sang một tệp Excel mới rồi tải lên.")
                    if tag == "c" and _column_number(element.get("r") or "") > MAX_COLUMNS:
                        return f"Trang tính có hơn {fmt.number(MAX_COLUMNS)} cột, quá giới hạn. {_TRIM}"
                    rows += tag == "row"
                    if tag in ("row", "si"):
                        element.clear()
                    if rows > MAX_ROWS:
                        return f"Trang tính có hơn {fmt.number(MAX_ROWS)} dòng, quá giới hạn. {_TRIM}"
        except DefusedXmlException:
            return ("Tệp Excel có khai báo thực thể XML (DTD), thứ mà Excel không bao giờ ghi: tệp bất thường, có thể "
                    "là tệp độc hại. Hãy chép riêng bảng số liệu sang một tệp Excel mới rồi tải lên.")
    return None


_TRIM = "Hãy xoá các dòng, cột trống hoặc không cần thiết, hoặc chia thành nhiều tệp."


def sheet_names(data: bytes, filename: str, max_mb: int) -> list[str]:
    """The sheets to offer for choosing, from the workbook part alone; none for CSV or a refused file."""
    if PurePath(filename).suffix.lower() not in EXCEL_SUFFIXES or refusal(data, filename, max_mb):
        return []
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        if book.getinfo("xl/workbook.xml").file_size > 2**20:
            return []
        root = fromstring(book.read("xl/workbook.xml"), forbid_dtd=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError, DefusedXmlException):
        return []
    return [name for e in root.iter() if _local(e.tag) == "sheet" and (name := e.get("name")) is not None]
