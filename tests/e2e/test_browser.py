"""The app in Chromium: log in, every page renders, the overview shows analytics' figures, a template upload
replaces the demo data, both briefing files download, anonymous visitors see only the public pages.

The tests share one server. Those that change its data (@changes_data) run after all others, the load
test included; every expectation is computed from the model copy that follows the server (see conftest).
"""

from __future__ import annotations

import io

import docx
import openpyxl
import pytest

from analytics.access import accounts
from analytics.intake import templates
from analytics.reports import briefing
from analytics.text import fmt
from tests.e2e.conftest import (
    ADMIN,
    ANALYST,
    BY_PATH,
    LOGIN,
    PAGES,
    ROOT,
    Expected,
    assert_clean,
    changes_data,
    demo_banner,
    login,
    nav_link,
    norm,
    open_page,
    read_cards,
    save_upload,
    settle_charts,
    shot,
    url_path,
    wait_idle,
    wait_rendered,
)

pytestmark = pytest.mark.browser


def check_overview(page, server, name: str) -> None:
    """The five cards and the caption show what analytics computes for the latest month."""
    expected = server.expected()
    shown = read_cards(page)
    assert shown == expected.cards, f"overview cards differ (screenshot {shot(page, name)})"
    caption = norm(page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first.inner_text())
    assert fmt.month(expected.period) in caption
    assert (demo_banner(page).count() > 0) == expected.has_demo


def test_every_page_renders_for_admin(admin_page, server):
    page = admin_page
    assert url_path(page) in ("/", f"/{LOGIN.url_path}")  # the login page's run ends on the default page
    for number, target in enumerate(PAGES, start=1):
        if target.default:
            wait_rendered(page, target.heading)  # where logging in lands
        else:
            open_page(page, server.url, target)
        assert_clean(page, target.url_path)
        settle_charts(page)
        shot(page, f"{number:02d}-{target.url_path}")
        if target.url_path == "tong-quan":
            check_overview(page, server, "overview-mismatch")
    # and back to the overview through its link, which is served at "/"
    open_page(page, server.url, BY_PATH["tong-quan"])
    check_overview(page, server, "overview-mismatch-2")


def test_briefing_files_download(admin_page, server, tmp_path):
    page = admin_page
    open_page(page, server.url, BY_PATH["bao-cao"])
    period = server.expected().period
    assert_clean(page, "bao-cao")
    files = {}
    for kind, label in (("docx", "Tải báo cáo (Word)"), ("xlsx", "Tải số liệu (Excel)")):
        with page.expect_download() as info:
            page.locator("a.tai-ve", has_text=label).click()
        download = info.value
        assert download.failure() is None
        assert download.suggested_filename == briefing.file_name(kind, period)
        assert period in download.suggested_filename
        files[kind] = tmp_path / download.suggested_filename
        download.save_as(files[kind])
        wait_idle(page)
    report = docx.Document(str(files["docx"]))
    assert fmt.month(period) in report.core_properties.title
    assert any(p.text.strip() for p in report.paragraphs)
    book = openpyxl.load_workbook(files["xlsx"])
    assert fmt.month(period) in (book.properties.title or "")
    assert book.sheetnames and book.worksheets[0].max_row > 1
    assert_clean(page, "bao-cao-after-download")


def fill_template(data: bytes, period: str, latest: dict[str, tuple[int, int]]) -> tuple[bytes, int]:
    """Every commune a little above its last demo figure, so no month-on-month jump is flagged."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book[templates.SHEET]
    header = next(r for r in range(1, 20) if ws.cell(r, 1).value == templates.HEADERS["code"])
    column = {ws.cell(header, c).value: c for c in range(1, ws.max_column + 1)}
    col = {name: column[templates.HEADERS[name]] for name in ("code", "period", "total", "compulsory", "voluntary")}
    rows = 0
    for r in range(header + 1, ws.max_row + 1):
        code = ws.cell(r, col["code"]).value
        if not code:
            continue
        total, voluntary = latest.get(str(code), (1000, 100))
        total, voluntary = total + 11, voluntary + 3
        ws.cell(r, col["period"]).value = period
        ws.cell(r, col["total"]).value = total
        ws.cell(r, col["compulsory"]).value = total - voluntary
        ws.cell(r, col["voluntary"]).value = voluntary
        rows += 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), rows


def upload_template(page, server, tmp_path) -> tuple[Expected, int]:
    """The analyst's monthly routine in the browser: download the template, fill it in, upload, save.

    Returns what the overview showed before and the number of rows saved; the model copy follows.
    """
    before = server.expected()
    open_page(page, server.url, BY_PATH["nhap-so-lieu"])
    page.get_by_text("Tải mẫu nhập liệu", exact=True).click()
    with page.expect_download() as info:
        page.locator("a.tai-ve", has_text="Mẫu Excel (.xlsx)").click()
    template = info.value
    assert template.suggested_filename.endswith(".xlsx")
    wait_idle(page)
    filled, rows = fill_template(template.path().read_bytes(), before.period, server.latest_values())
    upload = tmp_path / "so-lieu-e2e.xlsx"
    upload.write_bytes(filled)

    review, saved = save_upload(page, upload, "upload")
    assert review["Dòng hợp lệ"] == fmt.number(rows)
    assert f"{fmt.number(rows)} dòng" in saved
    assert fmt.month(before.period) in saved

    server.uploaded = True
    prepared = server.mirror_upload(filled, upload.name, accounts.User(ADMIN.username, ADMIN.display_name, "admin"))
    assert review["Cảnh báo"] == fmt.number(len(prepared.warnings))
    return before, rows


@changes_data
def test_template_upload_replaces_demo_data(admin_page, server, tmp_path):
    page = admin_page
    before, _ = upload_template(page, server, tmp_path)
    after = server.expected()
    assert before.has_demo and not after.has_demo and after.period == before.period
    assert after.summary.total != before.summary.total
    open_page(page, server.url, BY_PATH["tong-quan"])
    assert demo_banner(page).count() == 0
    check_overview(page, server, "overview-after-upload")
    settle_charts(page)
    shot(page, "overview-after-upload")


@changes_data
def test_every_page_renders_after_the_first_real_upload(admin_page, server, tmp_path):
    """Only one month of real figures, no earlier month: every page still renders."""
    page = admin_page
    if not server.uploaded:
        upload_template(page, server, tmp_path)
    for target in PAGES:
        if target.url_path == "bao-cao":
            continue
        if url_path(page) != target.path:
            open_page(page, server.url, target)
        assert_clean(page, f"after-upload-{target.url_path}")
        settle_charts(page)
        shot(page, f"after-upload-{target.url_path}")


@changes_data
def test_briefing_renders_after_the_first_real_upload(admin_page, server, tmp_path):
    page = admin_page
    if not server.uploaded:
        upload_template(page, server, tmp_path)
    open_page(page, server.url, BY_PATH["bao-cao"])
    shot(page, "after-upload-bao-cao")
    assert_clean(page, "after-upload-bao-cao")


def test_anonymous_sees_public_page_and_login(context, server):
    page = context.new_page()
    public = BY_PATH["cong-khai"]
    page.goto(f"{server.url}/{public.url_path}")
    wait_rendered(page, public.heading)
    assert_clean(page, "anon-cong-khai")
    page.locator('[data-testid="stDataFrame"]').first.wait_for(state="visible")
    caption = page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first
    assert fmt.month(server.expected().period) in norm(caption.inner_text())
    nav = page.locator('[data-testid="stSidebarNav"]')
    for hidden in ("nhap-so-lieu", "chi-tieu-nam", "kham-pha", "quan-tri"):
        assert nav.locator(f'a[href="{server.url}/{hidden}"]').count() == 0
    assert page.get_by_role("button", name="Đăng xuất").count() == 0
    shot(page, "anon-cong-khai")

    page.goto(f"{server.url}/{LOGIN.url_path}")
    wait_rendered(page, LOGIN.heading)
    page.get_by_label("Tên đăng nhập", exact=True).wait_for(state="visible")
    page.get_by_label("Mật khẩu", exact=True).wait_for(state="visible")
    page.get_by_label("Tên đăng nhập", exact=True).fill("khong-co-tai-khoan")
    page.get_by_label("Mật khẩu", exact=True).fill("sai-mat-khau-123")
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.locator('[data-testid="stAlertContentError"]').filter(has_text=accounts.REFUSED).wait_for(state="visible")
    wait_idle(page)
    shot(page, "anon-dang-nhap")

    # an admin page's URL, opened without logging in, asks for a login at that URL
    page.goto(f"{server.url}/quan-tri")
    wait_rendered(page, LOGIN.heading)
    assert "Trang «Quản trị» chỉ mở cho người đã đăng nhập." in page.locator('[data-testid="stMain"]').inner_text()
    assert url_path(page) == "/quan-tri"


def test_analyst_may_upload_but_not_administer(context, server):
    page = context.new_page()
    login(page, server.url, ANALYST)
    assert ANALYST.display_name in page.locator('[data-testid="stSidebar"]').inner_text()
    nav_link(page, server.url, BY_PATH["nhap-so-lieu"]).wait_for(state="visible")
    nav = page.locator('[data-testid="stSidebarNav"]')
    assert nav.locator(f'a[href="{server.url}/quan-tri"]').count() == 0
    open_page(page, server.url, BY_PATH["nhap-so-lieu"])
    assert_clean(page, "analyst-nhap-so-lieu")


def test_admin_account_is_shown_as_admin(admin_page):
    assert f"{ADMIN.display_name} · Quản trị" in norm(admin_page.locator('[data-testid="stSidebar"]').inner_text())


GROUPED = ROOT / "tests" / "fixtures" / "reports" / "nhom-theo-co-quan-co-cong-nhom.xlsx"


@changes_data
def test_grouped_report_with_subtotals_and_signature_goes_in_through_the_page(admin_page, server):
    """An office's report as it is printed: titles, two groups with subtotals, a grand total, a signature block.

    The page sets those rows aside and says so, checks the file's own sums, and after saving the overview
    shows the figures summed from the seven communes (computed again from the model copy).
    """
    page = admin_page
    open_page(page, server.url, BY_PATH["nhap-so-lieu"])
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(GROUPED))
    page.locator('[data-testid="stDataFrame"]').filter(has_text="Cộng khu vực 1").wait_for(state="visible")
    assert "tháng 10/2026" in norm(page.locator('[data-testid="stMain"]').inner_text())
    review, saved = save_upload(page, GROUPED, "grouped")
    assert review["Dòng hợp lệ"] == "7"
    assert "7 dòng, kỳ tháng 10/2026" in saved

    server.uploaded = True
    prepared = server.mirror_upload(GROUPED.read_bytes(), GROUPED.name,
                                    accounts.User(ADMIN.username, ADMIN.display_name, "admin"))
    assert [a.kind for a in prepared.reading.aside if a.kind != "signature"] == [
        "group", "subtotal", "group", "subtotal", "grand_total"]
    latest = server.latest_values("2026-10")  # the report's month; a later month may already be in
    table = prepared.checked.table
    assert {code: latest[code] for code in table["code"]} == {
        r.code: (r.total, r.voluntary) for r in table.itertuples()}
    assert int(table["total"].sum()) == 23100 and int(table["voluntary"].sum()) == 1610
    open_page(page, server.url, BY_PATH["tong-quan"])
    check_overview(page, server, "overview-after-grouped-report")
    settle_charts(page)
    shot(page, "overview-after-grouped-report")
