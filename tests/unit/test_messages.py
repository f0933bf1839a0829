"""Intake problems by code: each code's Vietnamese wording, checked by hand once here; every code a check or reader
declares has wording and every wording a declaring check; over every fixture, each check gives only the codes it
declares (as frictionless checks declare their errors).

Elsewhere the tests assert codes, rows and columns, never sentences.
"""

import datetime as dt
from pathlib import Path

import pytest

from analytics.intake import confined, pipeline, prepare, reading
from analytics.intake.arrears_checks import check_arrears, check_employers
from analytics.intake.checks import check_annual, check_labour, check_monthly
from analytics.intake.problem import BadValue, Problem, describe
from analytics.text.messages import MESSAGES

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TODAY = dt.date(2026, 11, 27)
ACCEPTED_CODE = "“Mã xã”, “Mã đơn vị”"
ACCEPTED_NAME = "“Tên xã/phường”, “Đơn vị”"
CHECKS = {"monthly": check_monthly, "annual": check_annual, "labour": check_labour, "arrears": check_arrears,
          "employers": check_employers}
READERS = (reading.read, confined.reader(20), pipeline.apply)

# code -> (parameters, the message as a person reads it)
RENDERED = {
    "empty_file": ({}, "Tệp rỗng; hãy chọn lại tệp có số liệu."),
    "xls_file": ({}, "Chưa đọc được tệp .xls (Excel 97–2003); hãy mở bằng Excel và lưu lại dạng .xlsx."),
    "unknown_file_type": ({"file": "bao-cao.pdf"},
                          "Không nhận dạng được loại tệp “bao-cao.pdf”; hãy tải lên tệp .xlsx hoặc .csv."),
    "no_such_sheet": ({"sheet": "Tháng 3", "sheets": ["Số liệu", "Ghi chú"]},
                      "Tệp không có trang tính “Tháng 3”; các trang có trong tệp: “Số liệu”, “Ghi chú”."),
    "csv_broken": ({"line": 7, "reason": "field larger than field limit (131072)"},
                   "Tệp CSV bị lỗi ở dòng 7: field larger than field limit (131072). Hãy mở bằng Excel và lưu lại."),
    "csv_encoding": ({}, "Không đọc được bảng mã của tệp CSV; hãy lưu lại dạng CSV UTF-8."),
    "excel_unopenable": ({}, "Không mở được tệp Excel (tệp hỏng hoặc không phải .xlsx); hãy mở bằng Excel và lưu "
                             "lại dạng .xlsx."),
    "csv_cell_too_long": ({"limit": 32767}, "Tệp CSV có một ô dài quá 32.767 ký tự hoặc bị hỏng. Hãy mở bằng Excel, "
                                            "kiểm tra lại các ô rồi lưu lại dạng CSV UTF-8."),
    "too_many_columns": ({"limit": 1000}, "Trang tính có hơn 1.000 cột, quá giới hạn. Hãy xoá các cột trống hoặc "
                                          "không cần thiết, hoặc chia thành nhiều tệp."),
    "read_timeout": ({"seconds": "60"}, "Đọc tệp mất quá 60 giây nên đã dừng: tệp quá lớn hoặc bất thường. Hãy chép "
                                        "riêng bảng số liệu sang một tệp mới, hoặc chia thành nhiều tệp."),
    "read_memory": ({"memory_mb": 1024}, "Đọc tệp cần quá 1.024 MB bộ nhớ nên đã dừng: tệp quá lớn hoặc bất thường. "
                                         "Hãy chép riêng bảng số liệu sang một tệp mới, hoặc chia thành nhiều tệp."),
    "read_failed": ({}, "Không đọc được tệp (tệp hỏng hoặc không đúng định dạng). Hãy mở bằng Excel và lưu lại."),
    "file_too_large": ({"size_mb": 21.26, "max_mb": 20},
                       "Tệp nặng 21,3 MB, quá giới hạn 20 MB. Hãy chỉ giữ bảng số liệu cần nộp (xoá các trang tính, "
                       "hình ảnh khác) hoặc chia thành nhiều tệp."),
    "csv_not_text": ({}, "Tệp có đuôi .csv nhưng không phải văn bản CSV (là tệp Excel, PDF hoặc tệp nén). Hãy mở tệp "
                         "bằng Excel và lưu lại dạng .xlsx (Excel Workbook) hoặc CSV UTF-8."),
    "too_many_lines": ({"limit": 250000}, "Tệp có hơn 250.000 dòng, quá giới hạn. Hãy chia thành nhiều tệp."),
    "encrypted_workbook": ({}, "Tệp Excel được đặt mật khẩu nên không đọc được. Hãy bỏ mật khẩu (Tệp → Thông tin → "
                               "Bảo vệ sổ làm việc → Mã hoá bằng mật khẩu, xoá mật khẩu) rồi lưu lại và tải lên lại."),
    "renamed_xls": ({}, "Tệp là Excel 97–2003 (.xls) được đổi tên. Hãy mở tệp bằng Excel và lưu lại dạng .xlsx "
                        "(Excel Workbook) hoặc CSV UTF-8."),
    "renamed_pdf": ({}, "Tệp là PDF được đổi tên, không phải bảng số liệu. Hãy mở tệp bằng Excel và lưu lại dạng .xlsx "
                        "(Excel Workbook) hoặc CSV UTF-8."),
    "renamed_ods": ({}, "Tệp là bảng tính OpenDocument (.ods) được đổi tên. Hãy mở tệp bằng Excel và lưu lại dạng "
                        ".xlsx (Excel Workbook) hoặc CSV UTF-8."),
    "zip_bomb": ({"unzipped_mb": 1024.0, "limit_mb": 200, "ratio": 100},
                 "Tệp Excel giải nén ra 1.024,0 MB (giới hạn 200 MB, mỗi phần nén không quá 100 lần): tệp bất thường, "
                 "có thể là tệp độc hại. Hãy chép riêng bảng số liệu sang một tệp Excel mới rồi tải lên."),
    "cell_too_long": ({"limit": 32767}, "Một ô trong tệp dài hơn 32.767 ký tự, giới hạn của chính Excel: tệp bất "
                                        "thường. Hãy chép riêng bảng số liệu sang một tệp Excel mới rồi tải lên."),
    "too_many_rows": ({"limit": 250000}, "Trang tính có hơn 250.000 dòng, quá giới hạn. Hãy xoá các dòng, cột trống "
                                         "hoặc không cần thiết, hoặc chia thành nhiều tệp."),
    "xml_entities": ({}, "Tệp Excel có khai báo thực thể XML (DTD), thứ mà Excel không bao giờ ghi: tệp bất thường, có "
                         "thể là tệp độc hại. Hãy chép riêng bảng số liệu sang một tệp Excel mới rồi tải lên."),
    "no_data": ({}, "Tệp không có dữ liệu; hãy chọn lại tệp có số liệu."),
    "no_header": ({"rows": 20, "code_label": "Mã xã", "code_accepted": ACCEPTED_CODE, "commune_label": "Tên xã/phường",
                   "commune_accepted": ACCEPTED_NAME, "measure_accepted": "“Tổng số”"},
                  "Không tìm thấy dòng tiêu đề trong 20 dòng đầu. Cần cột Mã xã (“Mã xã”, “Mã đơn vị”) hoặc Tên "
                  "xã/phường (“Tên xã/phường”, “Đơn vị”), và cột số liệu như “Tổng số”."),
    "no_rows": ({}, "Không có dòng số liệu nào dưới dòng tiêu đề."),
    "duplicate_column": ({"first": "Tổng số", "second": "Tổng số người tham gia", "field": "Tổng số người tham gia"},
                         "Cột “Tổng số” và cột “Tổng số người tham gia” cùng là Tổng số người tham gia; hãy xoá hoặc "
                         "đổi tên một cột, hoặc chọn «Bỏ qua» cho một cột ở bước đọc cột."),
    "missing_identity_column": ({"code_accepted": ACCEPTED_CODE, "commune_accepted": ACCEPTED_NAME},
                                "Thiếu cột mã xã hoặc tên xã/phường (cần ít nhất một). Tên cột được chấp nhận: "
                                "“Mã xã”, “Mã đơn vị”; hoặc “Tên xã/phường”, “Đơn vị”."),
    "missing_column": ({"field": "Lực lượng lao động trong độ tuổi", "accepted": "“Lực lượng lao động”"},
                       "Thiếu cột “Lực lượng lao động trong độ tuổi”. Tên cột được chấp nhận: “Lực lượng lao động”."),
    "missing_measure_columns": ({"columns": [("Số đơn vị chậm đóng", "“Số đơn vị chậm đóng”"),
                                             ("Số tiền nợ (triệu đồng)", "“Số tiền nợ”")]},
                                "Thiếu cột số liệu; cần ít nhất một trong các cột: “Số đơn vị chậm đóng” (“Số đơn vị "
                                "chậm đóng”); “Số tiền nợ (triệu đồng)” (“Số tiền nợ”)."),
    "period_and_month_columns": ({}, "Tệp vừa có cột kỳ báo cáo vừa có cột theo từng tháng; hãy giữ một cách ghi "
                                     "tháng."),
    "month_missing_total_column": ({"month": "Tháng 02/2026", "field": "Tổng số người tham gia",
                                    "accepted": "“Tổng số”"},
                                   "Tháng “Tháng 02/2026” thiếu cột “Tổng số người tham gia”. Tên cột được chấp nhận: "
                                   "“Tổng số”."),
    "totals_only": ({"months": ["2026-01", "2026-02"]},
                    "Tệp chỉ có tổng số người tham gia, không có số BHXH bắt buộc và tự nguyện: tháng 1/2026, tháng "
                    "2/2026 sẽ thiếu số tự nguyện và bắt buộc (các trang về tự nguyện để trống tháng này). Nếu tệp có "
                    "các cột đó, hãy chọn chúng ở bước đọc cột."),
    "typed_month_invalid": ({"reason": "“13/2026”: tháng 13 không có; tháng phải từ 1 đến 12"},
                            "Tháng đã chọn không hợp lệ: “13/2026”: tháng 13 không có; tháng phải từ 1 đến 12."),
    "periods_disagree": ({"said": "dòng 1 «SỐ LIỆU THÁNG 10/2026»: tháng 10/2026; tên tệp «bc_t09.xlsx»: tháng "
                                  "9/2026"},
                         "Tệp ghi kỳ báo cáo không thống nhất: dòng 1 «SỐ LIỆU THÁNG 10/2026»: tháng 10/2026; tên tệp "
                         "«bc_t09.xlsx»: tháng 9/2026. Hãy sửa tệp cho thống nhất, hoặc chọn tháng đúng ở ô Kỳ báo "
                         "cáo."),
    "periods_disagree_with_column": ({"said": "tên tệp «bc_t09.xlsx»: tháng 9/2026", "months": ["2026-10"]},
                                     "Tệp ghi kỳ báo cáo không thống nhất: tên tệp «bc_t09.xlsx»: tháng 9/2026; cột "
                                     "kỳ báo cáo: tháng 10/2026. Hãy sửa tệp cho thống nhất, hoặc chọn tháng đúng ở ô "
                                     "Kỳ báo cáo."),
    "typed_month_overrides": ({"typed": "2026-09", "said": "dòng 1 «SỐ LIỆU THÁNG 10/2026»: tháng 10/2026"},
                              "Dùng tháng đã chọn (tháng 9/2026) thay cho tháng ghi trong tệp (dòng 1 «SỐ LIỆU THÁNG "
                              "10/2026»: tháng 10/2026)."),
    "no_period": ({}, "Tệp không ghi kỳ báo cáo; hãy chọn tháng của số liệu rồi tải lên lại."),
    "no_number": ({}, "ô không có số"),
    "unreadable_number": ({}, "ô không đọc được thành số"),
    "not_whole": ({"value": 312.5}, "312.5 không phải số nguyên; số người phải là số nguyên"),
    "negative_count": ({"value": "-15"}, "“-15” là số âm; số người phải từ 0 trở lên"),
    "comma_in_count": ({"value": "12,5"}, "“12,5” có dấu phẩy; số người là số nguyên, tách nghìn bằng dấu chấm hoặc "
                                          "dấu phẩy: 12.345 hoặc 12,345"),
    "not_a_count": ({"value": "mười", "measure": "employers_late"},
                    "“mười” không phải là số nguyên; hãy ghi số, ví dụ 12345 hoặc 12.345"),
    "not_an_amount": ({"value": "abc"}, "“abc” không phải là số tiền; hãy ghi số triệu đồng, ví dụ 1.234,5 hoặc "
                                        "1234.5"),
    "negative_amount": ({"value": "-7,25"}, "-7,25 là số âm; số tiền nợ phải từ 0 trở lên"),
    "month_out_of_range": ({"value": "2026-13", "month": 13}, "“2026-13”: tháng 13 không có; tháng phải từ 1 đến 12"),
    "not_a_month": ({"value": "abc"}, "“abc” không phải là tháng; hãy ghi theo dạng 2026-01 hoặc 01/2026"),
    "not_a_year": ({"value": "năm nay"}, "“năm nay” không phải là năm; hãy ghi năm bằng bốn chữ số, ví dụ 2027"),
    "missing_tax_code": ({}, "Thiếu mã số thuế."),
    "tax_code_not_digits": ({"value": "MST0100109106"},
                            "Mã số thuế «MST0100109106» chỉ gồm chữ số, có thể thêm mã chi nhánh dạng -001."),
    "tax_code_length": ({"value": "230045678", "digits": 9},
                        "Mã số thuế «230045678» có 9 chữ số; cần 10 chữ số (doanh nghiệp, có thể thêm -001 cho chi "
                        "nhánh) hoặc 12 chữ số (số định danh cá nhân)."),
    "branch_code_invalid": ({"value": "0100109106-01", "branch": "01"},
                            "Mã chi nhánh «-01» của mã số thuế «0100109106-01» phải là ba chữ số từ 001 đến 999."),
    "tax_code_no_check_digit": ({"value": "3600112230"}, "Mã số thuế «3600112230» không hợp lệ: chín chữ số đầu không "
                                                         "cho chữ số kiểm tra nào."),
    "tax_code_check_digit": ({"value": "0800123458", "expected": 9, "found": "8"},
                             "Mã số thuế «0800123458» sai chữ số kiểm tra: chữ số thứ 10 phải là 9, không phải 8."),
    "unknown_code": ({"code": "99999"}, "Mã «99999» không có trong danh mục đơn vị hành chính của tỉnh."),
    "missing_commune": ({}, "Thiếu mã hoặc tên xã, phường."),
    "ambiguous_name": ({"name": "Xã Tiên L", "suggestions": ["Xã Tiên Lữ", "Xã Tiên La"], "rows": []},
                       "Tên «Xã Tiên L» khớp với nhiều đơn vị: Xã Tiên Lữ, Xã Tiên La. Hãy ghi mã xã."),
    "unknown_commune": ({"name": "Xã Bảo Khê", "suggestions": ["Xã Thần Khê"], "rows": [7, 9]},
                        "Không tìm thấy xã, phường «Xã Bảo Khê». Tên gần nhất: Xã Thần Khê. Tên này còn ở dòng 7, 9."),
    "fuzzy_match": ({"name": "Phuong Hong Chau", "unit": "Phường Hồng Châu", "code": "11980", "method": "fuzzy_folded",
                     "score": 96.55, "rows": []},
                    "Tên «Phuong Hong Chau» được khớp với Phường Hồng Châu (11980) theo cách gần đúng (bỏ dấu), điểm "
                    "96,6. Hãy kiểm tra."),
    "missing_value": ({"field": "voluntary"}, "Thiếu số tham gia tự nguyện."),
    "missing_source_value": ({"field": "compulsory", "measure": "total"},
                             "Thiếu số tham gia bắt buộc (cần để tính tổng số người tham gia)."),
    "missing_month": ({}, "Thiếu kỳ báo cáo (tháng)."),
    "missing_year": ({}, "Thiếu năm."),
    "before_baseline": ({"period": "2025-12", "baseline": "2026-01"},
                        "Kỳ tháng 12/2025 trước tháng gốc của kế hoạch (tháng 1/2026)."),
    "future_month": ({"period": "2027-01"}, "Kỳ tháng 1/2027 là tháng trong tương lai."),
    "year_outside_plan": ({"year": 2031, "first": 2026, "last": 2030},
                          "Năm 2031 nằm ngoài thời kỳ của kế hoạch (2026–2030)."),
    "compulsory_exceeds_total": ({"compulsory": 6500, "total": 6120}, "Số bắt buộc (6.500) lớn hơn tổng số (6.120)."),
    "voluntary_exceeds_total": ({"voluntary": 7260, "total": 6120}, "Số tự nguyện (7.260) lớn hơn tổng số (6.120)."),
    "parts_differ_from_total": ({"sum": 8210, "total": 8120}, "Bắt buộc + tự nguyện = 8.210, khác tổng số 8.120."),
    "total_exceeds_labour_force": ({"total": 8210, "labour_force": 7900},
                                   "Số tham gia (8.210) lớn hơn lực lượng lao động (7.900)."),
    "duplicate_commune_month": ({"unit": "Phường Phố Hiến", "period": "2026-03", "first": 2},
                                "Phường Phố Hiến kỳ tháng 3/2026 đã có ở dòng 2."),
    "duplicate_commune_year": ({"unit": "Phường Phố Hiến", "year": 2026, "first": 2},
                               "Phường Phố Hiến năm 2026 đã có ở dòng 2."),
    "stated_total_differs": ({"label": "Tổng cộng", "measure": "tự nguyện", "month": None, "stated": 1620,
                              "summed": 1610, "difference": 10},
                             "Dòng tổng cộng «Tổng cộng» ghi tự nguyện 1.620, cộng tất cả các xã, phường được 1.610 "
                             "(chênh +10). Số liệu trong tệp không được sửa; hãy kiểm tra lại dòng này hoặc các dòng "
                             "xã, phường."),
    "stated_subtotal_differs": ({"label": "Cộng khu vực 2", "measure": "tổng số", "month": "2026-10", "stated": 10499.9,
                                 "summed": 10500, "difference": -0.1, "first": 13, "last": 15},
                                "Dòng cộng nhóm «Cộng khu vực 2» ghi tổng số tháng 10/2026 10.499,9, cộng các xã, "
                                "phường từ dòng 13 đến dòng 15 được 10.500 (chênh -0,1). Số liệu trong tệp không được "
                                "sửa; hãy kiểm tra lại dòng này hoặc các dòng xã, phường."),
    "commune_not_reported": ({"unit": "Xã Vũ Tiên", "code": "13279", "period": "2026-03"},
                             "Xã Vũ Tiên (13279) không có số liệu tháng 3/2026 trong khi các xã khác có."),
    "communes_not_reported": ({"count": 2, "period": "2026-03", "units": [("Xã Vũ Tiên", "13279"),
                                                                          ("Xã Thư Vũ", "13264")]},
                              "2 xã, phường không có số liệu tháng 3/2026: Xã Vũ Tiên (13279), Xã Thư Vũ (13264)."),
    "total_jump": ({"unit": "Phường Hồng Châu", "period": "2026-03", "total": 10410, "before": 8150, "change": 2260,
                    "limit": 20.0},
                   "Phường Hồng Châu: tổng số tháng 3/2026 là 10.410, so với 8.150 tháng trước (+2.260, vượt ngưỡng "
                   "20 %)."),
    "no_targets": ({}, "Chưa có dòng nào ghi chỉ tiêu; hãy điền chỉ tiêu chung và chỉ tiêu tự nguyện tối thiểu."),
    "voluntary_target_exceeds_total": ({"voluntary_min": 1200, "total_target": 1100},
                                       "Chỉ tiêu tự nguyện (1.200) lớn hơn chỉ tiêu chung (1.100)."),
    "target_above_final": ({"unit": "Xã A", "measure": "chỉ tiêu chung", "year": 2027, "value": 5200,
                            "target_year": 2030, "final": 5000},
                           "Xã A: chỉ tiêu chung năm 2027 (5.200) cao hơn chỉ tiêu năm 2030 (5.000)."),
    "target_decreases": ({"unit": "Xã A", "measure": "chỉ tiêu tự nguyện tối thiểu", "year": 2028, "value": 900,
                          "prior_year": 2027, "prior": 1000},
                         "Xã A: chỉ tiêu tự nguyện tối thiểu năm 2028 (900) thấp hơn năm 2027 (1.000)."),
    "participants_exceed_labour_force": ({"unit": "Phường Hồng Châu", "period": "2026-02", "total": 8150, "year": 2026,
                                          "labour_force": 7900},
                                         "Phường Hồng Châu: số tham gia tháng 2/2026 (8.150) lớn hơn lực lượng lao "
                                         "động năm 2026 (7.900)."),
    "no_arrears_figures": ({}, "Chưa có dòng nào ghi số liệu nợ, chậm đóng; hãy điền ít nhất một cột số liệu."),
    "missing_employer": ({}, "Thiếu tên đơn vị."),
    "unknown_status": ({"value": "Đã nộp đủ"}, "Tình trạng «Đã nộp đủ» không rõ; hãy ghi «Chậm đóng», «Trốn đóng», "
                                               "«Nợ đọng»."),
    "missing_status": ({"value": None}, "Thiếu tình trạng (chậm đóng, trốn đóng hoặc nợ đọng)."),
    "duplicate_employer": ({"tax_code": "0100109106", "first": 2, "period": "2026-10", "row": 5},
                           "Mã số thuế 0100109106 đã có ở dòng 2 cùng kỳ tháng 10/2026; mỗi đơn vị chỉ ghi một dòng "
                           "mỗi tháng (dòng 2 và dòng 5)."),
    "mapping_unconfirmed": ({}, "Cần xác nhận cách đọc cột trước khi lưu."),
}


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_each_code_is_worded_once_as_written_here(code):
    params, text = RENDERED[code]
    assert Problem(None, None, code, params).message == text


def test_every_worded_code_has_its_hand_checked_text():
    assert set(RENDERED) == set(MESSAGES)


def test_a_problem_says_where_and_a_bad_value_says_why():
    assert describe(Problem(4, "Tự nguyện", "missing_value", {"field": "voluntary"})) == (
        "Dòng 4, cột «Tự nguyện»: Thiếu số tham gia tự nguyện.")
    assert str(BadValue("not_a_year", value="2O27")) == (
        "“2O27” không phải là năm; hãy ghi năm bằng bốn chữ số, ví dụ 2027")


def test_declared_codes_are_the_worded_ones():
    """No wording without a check or reader that gives it, no declared code without wording."""
    declared = set().union(*(f.raises for f in (*CHECKS.values(), *READERS)))
    assert declared == set(MESSAGES)


def _fixtures():
    """(folder, file, kind, prepare's options) for every fixture file."""
    arrears = {"dn": "employers", "no": "arrears"}
    typed = {"khong-co-ky.csv": "2026-12", "tieu-de-gop-hai-dong.xlsx": "2026-03",
             "tieu-de-co-dong-ky-bao-cao.xlsx": "2026-03", "thang-nhap-tay-thay-tieu-de.xlsx": "2026-09"}
    for folder, kind in (("malformed", "monthly"), ("reports", "monthly"), ("labour", "labour"),
                         ("arrears", None)):
        for path in sorted((FIXTURES / folder).iterdir()):
            options = {"period": typed[path.name]} if path.name in typed else {}
            yield folder, path.name, kind or arrears[path.name.split("-")[0]], options


@pytest.mark.parametrize(("folder", "name", "kind", "options"), list(_fixtures()), ids=lambda v: str(v))
def test_each_check_gives_only_the_codes_it_declares(con, folder, name, kind, options):
    prepared = prepare(con, (FIXTURES / folder / name).read_bytes(), name, kind=kind, today=TODAY, **options)
    read = {p.code for p in prepared.reading.problems}
    assert read <= reading.read.raises | confined.reader(20).raises
    checked = {p.code for p in prepared.checked.problems if p not in prepared.reading.problems}
    assert checked <= CHECKS[kind].raises
