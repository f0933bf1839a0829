"""The words that say what a header or a row is, compared without accents, case or punctuation.

Headers: the fields of a results or annual-target file, and the columns that are recognised
in order to be ignored (STT, percentages, ratios, notes, the province's own code). Rows: the
markers of grand totals, subtotals, group headers, notes and signature blocks. Each list is
what real report files use, in Vietnamese and English, and the code-list packages' field names.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz


def words(text) -> str:
    """'Tổng cộng (người)' -> 'tong cong nguoi': lower case, no accents, đ -> d, one space between words."""
    text = unicodedata.normalize("NFD", str(text).lower().replace("đ", "d").replace("Đ", "d"))
    text = "".join(c for c in text if not unicodedata.combining(c)).replace("%", " phan tram ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


# Measures and identity, then what is recognised to be ignored. Order matters: the first kind
# whose phrase appears wins, so "Tỷ lệ tự nguyện (%)" is a percentage, not the voluntary count,
# and "Mã tỉnh" is the province's code, not the commune's.
HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "percent": ("ty le", "ti le", "phan tram", "ty trong", "ti trong", "rate", "ratio", "percent", "share",
                "coverage", "bao phu"),
    "target": ("chi tieu", "ke hoach", "target", "plan"),
    "province": ("ma tinh", "ten tinh", "tinh thanh", "province", "province code", "province name", "district",
                 "huyen", "quan huyen"),
    "note": ("ghi chu", "note", "notes", "remark", "remarks", "comment", "comments", "chu thich"),
    "stt": ("stt", "tt", "so tt", "so thu tu", "thu tu", "no", "#", "order"),
    "code": ("ma", "ma xa", "ma so", "ma dvhc", "ma don vi", "ma xa phuong", "code", "ward code", "commune code",
             "unit code", "id", "ma hanh chinh"),
    "voluntary": ("tu nguyen", "bhxh tn", "voluntary", "voluntarily"),
    "compulsory": ("bat buoc", "bhxh bb", "compulsory", "mandatory", "bb"),
    "labour_force": ("luc luong lao dong", "lao dong", "llld", "labour", "labor", "labour force", "labor force",
                     "workforce", "work force"),
    "total": ("tong", "tong so", "tong cong", "cong", "total", "participants", "tong so nguoi tham gia",
              "so nguoi tham gia", "all", "sum"),
    "commune": ("ten", "xa", "phuong", "xa phuong", "don vi", "dvhc", "ten don vi", "dia ban", "dia phuong",
                "name", "ward", "commune", "ward name", "commune name", "unit", "unit name", "locality"),
    "period": ("ky", "ky bao cao", "thang", "thang nam", "thang bao cao", "thoi gian", "thoi diem", "period",
               "month", "date"),
}
ANNUAL_HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "percent": HEADER_WORDS["percent"],
    "province": HEADER_WORDS["province"],
    "note": HEADER_WORDS["note"],
    "stt": HEADER_WORDS["stt"],
    "code": HEADER_WORDS["code"],
    "voluntary_min": ("chi tieu tu nguyen", "tu nguyen toi thieu", "voluntary target", "voluntary minimum",
                      "tu nguyen"),
    "total_target": ("chi tieu chung", "chi tieu tong", "chi tieu", "target", "total target", "tong"),
    "commune": HEADER_WORDS["commune"],
    "year": ("nam", "year"),
}
LABOUR_HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "percent": HEADER_WORDS["percent"],
    "province": HEADER_WORDS["province"],
    "note": HEADER_WORDS["note"],
    "stt": HEADER_WORDS["stt"],
    "code": HEADER_WORDS["code"],
    "labour_force": HEADER_WORDS["labour_force"] + ("so nguoi trong do tuoi lao dong", "dan so trong do tuoi"),
    "commune": HEADER_WORDS["commune"],
    "year": ("nam", "year"),
}
ARREARS_HEADER_WORDS: dict[str, tuple[str, ...]] = {  # the measures first: "Số tiền nợ" is not an STT ("no")
    "employers_evading": ("so don vi tron dong", "don vi tron dong", "tron dong", "tron", "evading", "evasion"),
    "amount_owed": ("so tien no", "tien no", "so tien cham dong", "so tien", "no dong", "trieu dong", "amount owed",
                    "amount", "arrears"),
    "employers_late": ("so don vi cham dong", "don vi cham dong", "cham dong", "don vi no", "late", "employers late"),
    "workers_affected": ("so lao dong bi anh huong", "lao dong bi anh huong", "lao dong anh huong", "bi anh huong",
                         "so lao dong", "nguoi lao dong", "workers affected", "workers"),
    "percent": HEADER_WORDS["percent"],
    "province": HEADER_WORDS["province"],
    "note": HEADER_WORDS["note"],
    "stt": HEADER_WORDS["stt"],
    "code": HEADER_WORDS["code"],
    "commune": HEADER_WORDS["commune"],
    "period": HEADER_WORDS["period"],
}
EMPLOYER_HEADER_WORDS: dict[str, tuple[str, ...]] = {  # an employer's own codes before the commune's
    "tax_code": ("ma so thue", "mst", "tax code", "tax id", "ma so thue so dinh danh", "so dinh danh"),
    "unit_code": ("ma don vi bhxh", "ma dv bhxh", "ma bhxh", "ma don vi", "ma dv", "insurance code", "unit code"),
    "code": ("ma xa", "ma dvhc", "ma xa phuong", "ma hanh chinh", "ma dia ban", "ward code", "commune code"),
    "months_late": ("so thang cham dong", "so thang cham", "so thang no", "thang cham dong", "so thang",
                    "months late", "months"),
    "amount_owed": ARREARS_HEADER_WORDS["amount_owed"],
    "status": ("tinh trang", "trang thai", "hinh thuc vi pham", "loai vi pham", "vi pham", "hanh vi", "status"),
    "commune": ("xa phuong", "ten xa", "ten xa phuong", "xa", "phuong", "dia ban", "dia phuong", "ward", "commune",
                "ward name", "commune name", "locality"),
    "employer": ("ten don vi", "ten doanh nghiep", "doanh nghiep", "don vi su dung lao dong", "nguoi su dung lao dong",
                 "don vi", "ten", "employer", "employer name", "company", "name"),
    "percent": HEADER_WORDS["percent"],
    "province": HEADER_WORDS["province"],
    "note": HEADER_WORDS["note"],
    "stt": HEADER_WORDS["stt"],
    "period": ("ky", "ky bao cao", "thang bao cao", "thang nam", "thang", "period", "month"),
}
IGNORED = {"percent": "tỷ lệ", "target": "chỉ tiêu", "province": "mã/tên tỉnh, huyện", "note": "ghi chú",
           "stt": "số thứ tự"}
FUZZY_SCORE = 88  # rapidfuzz ratio at which a long header word with a typo still counts

def _has(text: str, phrase: str) -> bool:
    return f" {phrase} " in f" {text} "


def _near(text: str, phrase: str) -> bool:
    """A phrase of two or more long words written with a slip: 'bat buot', 'tu nguyn'."""
    if len(phrase) < 7 or " " not in phrase:
        return False
    return fuzz.partial_ratio(phrase, text) >= FUZZY_SCORE


def meaning(header, vocabulary: dict[str, tuple[str, ...]] = HEADER_WORDS) -> tuple[str, str] | None:
    """(kind, the phrase that decided it) of a header as written, or None when no word is known."""
    text = words(header or "")
    if not text:
        return None
    for kind, phrases in vocabulary.items():
        for phrase in phrases:
            if _has(text, phrase):
                return kind, phrase
    for kind, phrases in vocabulary.items():
        for phrase in phrases:
            if _near(text, phrase):
                return kind, phrase
    return None


# ---------------------------------------------------------------- rows that are not communes

GRAND_TOTAL = ("tong cong", "toan tinh", "tong toan tinh", "cong toan tinh", "tong so", "grand total", "cong chung",
               "tong chung", "total all", "all communes")
SUBTOTAL = ("cong", "tong", "subtotal", "sub total", "total")
SIGNATURE = ("nguoi lap bieu", "nguoi lap", "lap bieu", "giam doc", "pho giam doc", "thu truong", "ke toan",
             "truong phong", "ky ten", "ky ghi ro ho ten", "ky va ghi ro ho ten", "xac nhan", "noi nhan",
             "prepared by", "approved by", "director", "signature")
NOTE = ("ghi chu", "chu thich", "luu y", "note", "nguon", "source", "don vi tinh")
_NUMBERING = re.compile(r"\(?[A-Za-z0-9]{1,2}\)?")
_DATE_LINE = re.compile(r"\bngay\b.*\bthang\b.*\bnam\b")


def starts_with(text: str, phrases) -> str | None:
    """The phrase that ``text`` (already through ``words``) begins with, if any."""
    return next((p for p in phrases if text == p or text.startswith(p + " ")), None)


def is_signature(text: str) -> bool:
    """'Người lập biểu', 'GIÁM ĐỐC', '…, ngày 05 tháng 11 năm 2026'."""
    return bool(starts_with(text, SIGNATURE)) or bool(_DATE_LINE.search(text))


def is_numbering(cells: list) -> bool:
    """The '(1) (2) (3)' or 'A B C 1 2 3' row many reports put under the header."""
    written = [str(v).strip() for v in cells if v is not None and str(v).strip()]
    return len(written) >= 3 and all(_NUMBERING.fullmatch(v) for v in written)
