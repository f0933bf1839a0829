"""The Vietnamese wording of every intake problem, once, by its code: checks and readers name a code and its
figures, never a sentence, so tests assert codes and a message is reworded in one place.

A template's fields are filled from the problem's parameters; ``{total:count}`` formats with the named
format below (analytics.text.fmt numbers and months), a bare ``{name}`` as written. A field a problem
does not give reads as None (``{measure:noun}`` outside a check: a count of people).
"""

from __future__ import annotations

import string

from analytics.text import fmt, labels

# Counts that are not of people: their messages say «số», not «số người».
NOUNS = dict.fromkeys(("employers_late", "employers_evading", "months_late"), "số")
REQUIRED = {"total": "tổng số người tham gia", "compulsory": "số tham gia bắt buộc",
            "voluntary": "số tham gia tự nguyện", "labour_force": "lực lượng lao động",
            "total_target": "chỉ tiêu chung", "voluntary_min": "chỉ tiêu tự nguyện tối thiểu",
            "amount_owed": "số tiền nợ"}


def _signed_decimal(value) -> str:
    shown = fmt.decimal(value)
    return shown if value < 0 else f"+{shown}"


FORMATS = {
    "count": fmt.number,
    "tenths": lambda v: fmt.number(v, 1),
    "signed": fmt.signed,
    "decimal": fmt.decimal,
    "signed_decimal": _signed_decimal,
    "month": fmt.month,
    "in_month": lambda v: f" {fmt.month(v)}" if v else "",
    "months": lambda v: ", ".join(fmt.month(m) for m in v) or "tháng của tệp",
    "list": lambda v: ", ".join(map(str, v)),
    "quoted_list": lambda v: ", ".join(f"“{n}”" for n in v),
    "units": lambda v: ", ".join(f"{name} ({code})" for name, code in v),
    "choices": lambda v: "; ".join(f"“{label}” ({accepted})" for label, accepted in v),
    "also": lambda v: f" Tên này còn ở dòng {', '.join(map(str, v))}." if v else "",
    "method": lambda v: labels.MATCH_METHOD[v],
    "noun": lambda v: NOUNS.get(v, "số người"),
    "required": lambda v: REQUIRED[v],
    "written": lambda v: f"“{v}”" if isinstance(v, str) else str(v),
}

_RESAVE = "Hãy mở tệp bằng Excel và lưu lại dạng .xlsx (Excel Workbook) hoặc CSV UTF-8."
_COPY = "Hãy chép riêng bảng số liệu sang một tệp Excel mới rồi tải lên."
_STATUSES = ", ".join(f"«{w}»" for w in labels.EMPLOYER_STATUS.values())

MESSAGES = {
    # the file as cells (analytics.intake.grid, confined)
    "empty_file": "Tệp rỗng; hãy chọn lại tệp có số liệu.",
    "xls_file": "Chưa đọc được tệp .xls (Excel 97–2003); hãy mở bằng Excel và lưu lại dạng .xlsx.",
    "unknown_file_type": "Không nhận dạng được loại tệp “{file}”; hãy tải lên tệp .xlsx hoặc .csv.",
    "no_such_sheet": "Tệp không có trang tính “{sheet}”; các trang có trong tệp: {sheets:quoted_list}.",
    "csv_broken": "Tệp CSV bị lỗi ở dòng {line}: {reason}. Hãy mở bằng Excel và lưu lại.",
    "csv_encoding": "Không đọc được bảng mã của tệp CSV; hãy lưu lại dạng CSV UTF-8.",
    "excel_unopenable": "Không mở được tệp Excel (tệp hỏng hoặc không phải .xlsx); hãy mở bằng Excel và lưu lại "
                        "dạng .xlsx.",
    "csv_cell_too_long": "Tệp CSV có một ô dài quá {limit:count} ký tự hoặc bị hỏng. Hãy mở bằng Excel, kiểm tra "
                         "lại các ô rồi lưu lại dạng CSV UTF-8.",
    "too_many_columns": "Trang tính có hơn {limit:count} cột, quá giới hạn. Hãy xoá các cột trống hoặc không cần "
                        "thiết, hoặc chia thành nhiều tệp.",
    "read_timeout": "Đọc tệp mất quá {seconds} giây nên đã dừng: tệp quá lớn hoặc bất thường. Hãy chép riêng bảng "
                    "số liệu sang một tệp mới, hoặc chia thành nhiều tệp.",
    "read_memory": "Đọc tệp cần quá {memory_mb:count} MB bộ nhớ nên đã dừng: tệp quá lớn hoặc bất thường. Hãy chép "
                   "riêng bảng số liệu sang một tệp mới, hoặc chia thành nhiều tệp.",
    "read_failed": "Không đọc được tệp (tệp hỏng hoặc không đúng định dạng). Hãy mở bằng Excel và lưu lại.",
    # the limits before and while reading (analytics.intake.confined)
    "file_too_large": "Tệp nặng {size_mb:tenths} MB, quá giới hạn {max_mb:count} MB. Hãy chỉ giữ bảng số liệu cần nộp "
                      "(xoá các trang tính, hình ảnh khác) hoặc chia thành nhiều tệp.",
    "csv_not_text": "Tệp có đuôi .csv nhưng không phải văn bản CSV (là tệp Excel, PDF hoặc tệp nén). " + _RESAVE,
    "too_many_lines": "Tệp có hơn {limit:count} dòng, quá giới hạn. Hãy chia thành nhiều tệp.",
    "encrypted_workbook": "Tệp Excel được đặt mật khẩu nên không đọc được. Hãy bỏ mật khẩu (Tệp → Thông tin → Bảo vệ "
                          "sổ làm việc → Mã hoá bằng mật khẩu, xoá mật khẩu) rồi lưu lại và tải lên lại.",
    "renamed_xls": "Tệp là Excel 97–2003 (.xls) được đổi tên. " + _RESAVE,
    "renamed_pdf": "Tệp là PDF được đổi tên, không phải bảng số liệu. " + _RESAVE,
    "renamed_ods": "Tệp là bảng tính OpenDocument (.ods) được đổi tên. " + _RESAVE,
    "zip_bomb": "Tệp Excel giải nén ra {unzipped_mb:tenths} MB (giới hạn {limit_mb:count} MB, mỗi phần nén không quá "
                "{ratio} lần): tệp bất thường, có thể là tệp độc hại. " + _COPY,
    "cell_too_long": "Một ô trong tệp dài hơn {limit:count} ký tự, giới hạn của chính Excel: tệp bất thường. " + _COPY,
    "too_many_rows": "Trang tính có hơn {limit:count} dòng, quá giới hạn. Hãy xoá các dòng, cột trống hoặc không cần "
                     "thiết, hoặc chia thành nhiều tệp.",
    "xml_entities": "Tệp Excel có khai báo thực thể XML (DTD), thứ mà Excel không bao giờ ghi: tệp bất thường, có thể "
                    "là tệp độc hại. " + _COPY,
    # the header and columns (analytics.intake.reading)
    "no_data": "Tệp không có dữ liệu; hãy chọn lại tệp có số liệu.",
    "no_header": "Không tìm thấy dòng tiêu đề trong {rows} dòng đầu. Cần cột {code_label} ({code_accepted}) hoặc "
                 "{commune_label} ({commune_accepted}), và cột số liệu như {measure_accepted}.",
    "no_rows": "Không có dòng số liệu nào dưới dòng tiêu đề.",
    "duplicate_column": "Cột “{first}” và cột “{second}” cùng là {field}; hãy xoá hoặc đổi tên một cột, hoặc chọn "
                        "«Bỏ qua» cho một cột ở bước đọc cột.",
    "missing_identity_column": "Thiếu cột mã xã hoặc tên xã/phường (cần ít nhất một). Tên cột được chấp nhận: "
                               "{code_accepted}; hoặc {commune_accepted}.",
    "missing_column": "Thiếu cột “{field}”. Tên cột được chấp nhận: {accepted}.",
    "missing_measure_columns": "Thiếu cột số liệu; cần ít nhất một trong các cột: {columns:choices}.",
    "period_and_month_columns": "Tệp vừa có cột kỳ báo cáo vừa có cột theo từng tháng; hãy giữ một cách ghi tháng.",
    "month_missing_total_column": "Tháng “{month}” thiếu cột “{field}”. Tên cột được chấp nhận: {accepted}.",
    "totals_only": "Tệp chỉ có tổng số người tham gia, không có số BHXH bắt buộc và tự nguyện: {months:months} sẽ "
                   "thiếu số tự nguyện và bắt buộc (các trang về tự nguyện để trống tháng này). Nếu tệp có các cột "
                   "đó, hãy chọn chúng ở bước đọc cột.",
    # the month of the file (analytics.intake.period, reading)
    "typed_month_invalid": "Tháng đã chọn không hợp lệ: {reason}.",
    "periods_disagree": "Tệp ghi kỳ báo cáo không thống nhất: {said}. Hãy sửa tệp cho thống nhất, hoặc chọn tháng "
                        "đúng ở ô Kỳ báo cáo.",
    "periods_disagree_with_column": "Tệp ghi kỳ báo cáo không thống nhất: {said}; cột kỳ báo cáo: {months:months}. "
                                    "Hãy sửa tệp cho thống nhất, hoặc chọn tháng đúng ở ô Kỳ báo cáo.",
    "typed_month_overrides": "Dùng tháng đã chọn ({typed:month}) thay cho tháng ghi trong tệp ({said}).",
    "no_period": "Tệp không ghi kỳ báo cáo; hãy chọn tháng của số liệu rồi tải lên lại.",
    # one cell (analytics.intake.values, taxcode)
    "no_number": "ô không có số",
    "unreadable_number": "ô không đọc được thành số",
    "not_whole": "{value} không phải số nguyên; {measure:noun} phải là số nguyên",
    "negative_count": "{value:written} là số âm; {measure:noun} phải từ 0 trở lên",
    "comma_in_count": "“{value}” có dấu phẩy; {measure:noun} là số nguyên, tách nghìn bằng dấu chấm hoặc dấu phẩy: "
                      "12.345 hoặc 12,345",
    "not_a_count": "“{value}” không phải là số nguyên; hãy ghi {measure:noun}, ví dụ 12345 hoặc 12.345",
    "not_an_amount": "“{value}” không phải là số tiền; hãy ghi số triệu đồng, ví dụ 1.234,5 hoặc 1234.5",
    "negative_amount": "{value} là số âm; số tiền nợ phải từ 0 trở lên",
    "month_out_of_range": "“{value}”: tháng {month} không có; tháng phải từ 1 đến 12",
    "not_a_month": "“{value}” không phải là tháng; hãy ghi theo dạng 2026-01 hoặc 01/2026",
    "not_a_year": "“{value}” không phải là năm; hãy ghi năm bằng bốn chữ số, ví dụ 2027",
    "missing_tax_code": "Thiếu mã số thuế.",
    "tax_code_not_digits": "Mã số thuế «{value}» chỉ gồm chữ số, có thể thêm mã chi nhánh dạng -001.",
    "tax_code_length": "Mã số thuế «{value}» có {digits} chữ số; cần 10 chữ số (doanh nghiệp, có thể thêm -001 cho "
                       "chi nhánh) hoặc 12 chữ số (số định danh cá nhân).",
    "branch_code_invalid": "Mã chi nhánh «-{branch}» của mã số thuế «{value}» phải là ba chữ số từ 001 đến 999.",
    "tax_code_no_check_digit": "Mã số thuế «{value}» không hợp lệ: chín chữ số đầu không cho chữ số kiểm tra nào.",
    "tax_code_check_digit": "Mã số thuế «{value}» sai chữ số kiểm tra: chữ số thứ 10 phải là {expected}, không "
                            "phải {found}.",
    # the commune rows (analytics.intake.check_base, checks, arrears_checks)
    "unknown_code": "Mã «{code}» không có trong danh mục đơn vị hành chính của tỉnh.",
    "missing_commune": "Thiếu mã hoặc tên xã, phường.",
    "ambiguous_name": "Tên «{name}» khớp với nhiều đơn vị: {suggestions:list}. Hãy ghi mã xã.{rows:also}",
    "unknown_commune": "Không tìm thấy xã, phường «{name}». Tên gần nhất: {suggestions:list}.{rows:also}",
    "fuzzy_match": "Tên «{name}» được khớp với {unit} ({code}) theo cách {method:method}, điểm {score:tenths}. Hãy "
                   "kiểm tra.{rows:also}",
    "missing_value": "Thiếu {field:required}.",
    "missing_source_value": "Thiếu {field:required} (cần để tính {measure:required}).",
    "missing_month": "Thiếu kỳ báo cáo (tháng).",
    "missing_year": "Thiếu năm.",
    "before_baseline": "Kỳ {period:month} trước tháng gốc của kế hoạch ({baseline:month}).",
    "future_month": "Kỳ {period:month} là tháng trong tương lai.",
    "year_outside_plan": "Năm {year} nằm ngoài thời kỳ của kế hoạch ({first}–{last}).",
    "compulsory_exceeds_total": "Số bắt buộc ({compulsory:count}) lớn hơn tổng số ({total:count}).",
    "voluntary_exceeds_total": "Số tự nguyện ({voluntary:count}) lớn hơn tổng số ({total:count}).",
    "parts_differ_from_total": "Bắt buộc + tự nguyện = {sum:count}, khác tổng số {total:count}.",
    "total_exceeds_labour_force": "Số tham gia ({total:count}) lớn hơn lực lượng lao động ({labour_force:count}).",
    "duplicate_commune_month": "{unit} kỳ {period:month} đã có ở dòng {first}.",
    "duplicate_commune_year": "{unit} năm {year} đã có ở dòng {first}.",
    "stated_total_differs": "Dòng tổng cộng «{label}» ghi {measure}{month:in_month} {stated:decimal}, cộng tất cả "
                            "các xã, phường được {summed:decimal} (chênh {difference:signed_decimal}). Số liệu trong "
                            "tệp không được sửa; hãy kiểm tra lại dòng này hoặc các dòng xã, phường.",
    "stated_subtotal_differs": "Dòng cộng nhóm «{label}» ghi {measure}{month:in_month} {stated:decimal}, cộng các "
                               "xã, phường từ dòng {first} đến dòng {last} được {summed:decimal} (chênh "
                               "{difference:signed_decimal}). Số liệu trong tệp không được sửa; hãy kiểm tra lại "
                               "dòng này hoặc các dòng xã, phường.",
    "commune_not_reported": "{unit} ({code}) không có số liệu {period:month} trong khi các xã khác có.",
    "communes_not_reported": "{count:count} xã, phường không có số liệu {period:month}: {units:units}.",
    "total_jump": "{unit}: tổng số {period:month} là {total:count}, so với {before:count} tháng trước "
                  "({change:signed}, vượt ngưỡng {limit:count} %).",
    "no_targets": "Chưa có dòng nào ghi chỉ tiêu; hãy điền chỉ tiêu chung và chỉ tiêu tự nguyện tối thiểu.",
    "voluntary_target_exceeds_total": "Chỉ tiêu tự nguyện ({voluntary_min:count}) lớn hơn chỉ tiêu chung "
                                      "({total_target:count}).",
    "target_above_final": "{unit}: {measure} năm {year} ({value:count}) cao hơn chỉ tiêu năm {target_year} "
                          "({final:count}).",
    "target_decreases": "{unit}: {measure} năm {year} ({value:count}) thấp hơn năm {prior_year} ({prior:count}).",
    "participants_exceed_labour_force": "{unit}: số tham gia {period:month} ({total:count}) lớn hơn lực lượng lao "
                                        "động năm {year} ({labour_force:count}).",
    "no_arrears_figures": "Chưa có dòng nào ghi số liệu nợ, chậm đóng; hãy điền ít nhất một cột số liệu.",
    "missing_employer": "Thiếu tên đơn vị.",
    "unknown_status": "Tình trạng «{value}» không rõ; hãy ghi " + _STATUSES + ".",
    "missing_status": "Thiếu tình trạng (chậm đóng, trốn đóng hoặc nợ đọng).",
    "duplicate_employer": "Mã số thuế {tax_code} đã có ở dòng {first} cùng kỳ {period:month}; mỗi đơn vị chỉ ghi "
                          "một dòng mỗi tháng (dòng {first} và dòng {row}).",
    # saving (analytics.intake.pipeline)
    "mapping_unconfirmed": "Cần xác nhận cách đọc cột trước khi lưu.",
}


class _Formatter(string.Formatter):
    def get_value(self, key, args, kwargs):
        return kwargs.get(key) if isinstance(key, str) else super().get_value(key, args, kwargs)

    def format_field(self, value, format_spec):
        return FORMATS[format_spec](value) if format_spec else format(value)


_FORMATTER = _Formatter()


def render(code: str, params: dict) -> str:
    """The Vietnamese message of a problem's code with its parameters."""
    return _FORMATTER.format(MESSAGES[code], **params)
