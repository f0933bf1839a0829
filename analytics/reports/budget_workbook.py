"""The support budget as a workbook for the Department of Finance: years, groups, the sensitivity over a provincial
top-up, and the assumptions (rates, poverty lines, their legal sources, mix, basis, date) it was computed on."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics.figures.support_budget import Budget, explained, method_lines, support_of
from analytics.reports import blocks
from analytics.reports.blocks import DEMO_NOTICE, Workbook
from analytics.settings import Settings
from analytics.text import fmt, labels

YEAR_COLUMNS = {
    "year": "Năm", "person_months": "Người-tháng", "reported_months": "Số tháng theo báo cáo",
    "basis_months": "Số tháng theo cơ sở tính", "poverty_line": "Chuẩn nghèo nông thôn (đồng/tháng)",
    "contribution": "Mức đóng tối thiểu (đồng/tháng)", "central": "Ngân sách trung ương (đồng)",
    "provincial": "Ngân sách tỉnh (đồng)", "total": "Tổng kinh phí (đồng)", "formula": "Cách tính",
}
GROUP_COLUMNS = {
    "year": "Năm", "group": "Nhóm đối tượng", "person_months": "Người-tháng", "contribution": "Mức đóng (đồng/tháng)",
    "rate_pct": "Nhà nước hỗ trợ (%)", "topup_pct": "Tỉnh hỗ trợ thêm (%)", "support": "Nhà nước hỗ trợ (đồng)",
    "topup": "Tỉnh hỗ trợ thêm (đồng)", "formula": "Cách tính",
}
KINDS = {"year": "text", "person_months": "whole", "reported_months": "whole", "basis_months": "whole",
         "poverty_line": "whole", "contribution": "whole", "central": "whole", "provincial": "whole", "total": "whole",
         "support": "whole", "topup": "whole", "rate_pct": "percent", "topup_pct": "percent"}


def file_name(plan: Budget) -> str:
    return f"kinh-phi-ho-tro-bhxh-tu-nguyen-{plan.until}.xlsx"


def assumptions(settings: Settings, plan: Budget, scope: str, demo: bool) -> list[tuple[str, str]]:
    """(item, content): everything the figures rest on, each with its source."""
    support = support_of(settings)
    rows = [
        ("Phạm vi", scope),
        ("Cơ sở tính các tháng chưa có báo cáo", labels.SUPPORT_BASIS[plan.basis]),
        ("Số liệu báo cáo đến", fmt.month(plan.until)),
        ("Tỷ lệ đóng trên mức thu nhập tối thiểu",
         f"{fmt.decimal(support.contribution_rate_pct)} % ({support.contribution_source})"),
        *[(f"Chuẩn nghèo khu vực nông thôn từ năm {year}", f"{fmt.number(line)} đồng/tháng "
           f"({support.poverty_line_source})") for year, line in support.poverty_line.items()],
        *[(f"Nhà nước hỗ trợ: {labels.SUPPORT_GROUP[g].lower()}",
           f"{fmt.decimal(rate)} % mức đóng, tối đa {fmt.number(support.max_years)} năm ({support.rates_source})")
          for g, rate in support.rates_pct.items()],
        ("Ngân sách chi phần Nhà nước hỗ trợ", labels.BUDGET[support.support_paid_by]),
        *[(f"Cơ cấu: {labels.SUPPORT_GROUP[g].lower()}", f"{fmt.decimal(share)} %")
          for g, share in plan.mix_pct.items()],
        ("Nguồn cơ cấu nhóm", support.mix_source if plan.mix_pct == support.mix_pct else "Kịch bản nhập trên trang"),
        *[(f"Tỉnh hỗ trợ thêm: {labels.SUPPORT_GROUP[g].lower()}", f"{fmt.decimal(t)} % mức đóng (kịch bản)")
          for g, t in plan.topup_pct.items()],
        *[(f"Cách tính {i}", line) for i, line in enumerate(method_lines(settings, plan), 1)],
        ("Ngày lập", fmt.date(dt.date.today())),
    ]
    return rows + ([("Lưu ý", DEMO_NOTICE)] if demo else [])


def workbook(settings: Settings, plan: Budget, sensitivity: pd.DataFrame, scope: str, demo: bool) -> bytes:
    book = Workbook("Kinh phí hỗ trợ đóng BHXH tự nguyện")
    worded = explained(settings, plan)
    book.sheet("Theo năm", worded.years.assign(year=worded.years["year"].astype(str)), YEAR_COLUMNS, KINDS, 1)
    book.sheet("Theo nhóm", worded.groups.assign(year=worded.groups["year"].astype(str),
                                                 group=worded.groups["group"].map(labels.SUPPORT_GROUP)),
               GROUP_COLUMNS, KINDS, 2)
    year_names = [c for c in sensitivity.columns if c.isdigit()]
    book.sheet("Độ nhạy", sensitivity, {"topup_pct": "Tỉnh hỗ trợ thêm mọi nhóm (%)",
                                        **{y: f"Ngân sách tỉnh năm {y} (đồng)" for y in year_names},
                                        "total": "Cộng (đồng)", "formula": "Cách tính"},
               {**KINDS, **dict.fromkeys(year_names, "whole")}, 1)
    ws = book.sheet("Giả định", pd.DataFrame(assumptions(settings, plan, scope, demo), columns=["item", "content"]),
                    {"item": "Mục", "content": "Nội dung"}, {})
    ws.set_column(0, 0, 40)
    ws.set_column(1, 1, 100)
    return book.close()


def briefing_section(doc, heading: str, settings: Settings, plan: Budget) -> None:
    """The briefing's short section: the State's support year by year at the default scenario (no top-up)."""
    doc.add_heading(heading, level=1)
    support = support_of(settings)
    years = plan.years
    first, last = years["year"].iloc[0], years["year"].iloc[-1]
    mix = ", ".join(f"{labels.SUPPORT_GROUP[g].lower()} {fmt.decimal(v)} %" for g, v in plan.mix_pct.items())
    blocks.para(doc, f"Theo {labels.SUPPORT_BASIS[plan.basis].lower()} năm {settings.target_year} (các tháng đã có "
                     f"báo cáo lấy số thực hiện đến {fmt.month(plan.until)}) và cơ cấu nhóm đối tượng {mix} "
                     f"({support.mix_source.lower()}), kinh phí Nhà nước hỗ trợ tiền đóng BHXH tự nguyện giai đoạn "
                     f"{first}–{last} ước khoảng {fmt.number(years['support'].sum() / 1e9, 1)} tỷ đồng "
                     f"({labels.BUDGET[support.support_paid_by].lower()}), chưa tính phần tỉnh hỗ trợ thêm.")
    rows = [[str(r.year), fmt.number(r.person_months), fmt.number(r.contribution), fmt.number(r.support / 1e6, 1)]
            for r in years.itertuples()]
    blocks.grid(doc, ["Năm", "Người-tháng", "Mức đóng (đồng/tháng)", "Nhà nước hỗ trợ (triệu đồng)"], rows,
                [2.0, 4.0, 4.5, 5.5], {1, 2, 3})
    blocks.para(doc, f"Mức đóng bằng {fmt.decimal(support.contribution_rate_pct)} % chuẩn nghèo khu vực nông thôn "
                     f"({support.poverty_line_source}); mức hỗ trợ theo {support.rates_source}.")
