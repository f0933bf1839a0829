"""The public results as plain files: worked by hand on the tiny plan, published once per data version and switched
whole, served at /ket-qua/ to anyone, and nothing else served from there.

January 2026: Phường Phố Hiến 17 000 (1 200 voluntary) of 34 845, Xã Tân Hưng 2 000 (400) of 2 428, Phường
Hồng Châu 1 000 (100) of 1 899: attainment 48,8 %, 82,4 % and 52,7 %, so Tân Hưng ranks first, Hồng Châu second.
Together 20 000 of 39 172 = 51,1 %; voluntary 1 700 of 3 494 = 48,7 %.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pandas as pd
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from analytics.access.accounts import User
from analytics.reports import public_site
from analytics.storage import writes
from tests.helpers import T0, record_monthly
from web import public_site as route

ADMIN = User("quantri", "Quản trị", "admin")
ANALYST = User("chuyen-vien", "Chuyên viên", "analyst")
JANUARY = [("2026-01", "11953", 17000, 1200), ("2026-01", "11977", 2000, 400), ("2026-01", "11980", 1000, 100)]
HOSTILE = '<script>alert("x")</script>'


@pytest.fixture
def january(tiny):
    record_monthly(tiny, JANUARY)
    return tiny


def _rows(page: str) -> list[list[str]]:
    """The cells of the results table as a reader sees them."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in body.split("</tr>")[:-1]]


def test_the_page_ranks_and_totals_as_worked_by_hand(january, tiny_settings):
    files = public_site.render(january, tiny_settings)
    page = files["index.html"].decode()
    assert _rows(page) == [
        ["1", "Xã Tân Hưng", "82,4 %", "2.000", "2.428", "400", "485"],
        ["2", "Phường Hồng Châu", "52,7 %", "1.000", "1.899", "100", "504"],
        ["3", "Phường Phố Hiến", "48,8 %", "17.000", "34.845", "1.200", "2.505"],
    ]
    assert "<li>Số người tham gia<b>20.000</b></li><li>Đạt chỉ tiêu 2030<b>51,1 %</b></li>" in page
    assert "<li>Tham gia tự nguyện<b>1.700</b></li><li>Đạt chỉ tiêu tự nguyện tối thiểu<b>48,7 %</b></li>" in page
    assert "Xếp hạng theo tỷ lệ đạt chỉ tiêu 2030" in page and "Kết quả tháng 1/2026" in page
    assert "<script" not in page and 'lang="vi"' in page and "DỮ LIỆU MINH HỌA" not in page
    table = list(csv.reader(io.StringIO(files["ket-qua.csv"].decode("utf-8-sig"))))
    assert table == [["Hạng", "Xã, phường", "Tỷ lệ đạt (%)", "Số người tham gia", "Chỉ tiêu 2030", "Tự nguyện",
                      "Chỉ tiêu tự nguyện tối thiểu"],
                     ["1", "Xã Tân Hưng", "82.4", "2000", "2428", "400", "485"],
                     ["2", "Phường Hồng Châu", "52.7", "1000", "1899", "100", "504"],
                     ["3", "Phường Phố Hiến", "48.8", "17000", "34845", "1200", "2505"]]


def test_before_any_figure_the_page_says_so(tiny, tiny_settings):
    files = public_site.render(tiny, tiny_settings)
    assert list(files) == ["index.html"] and "Chưa có kết quả để công khai." in files["index.html"].decode()


def test_a_published_list_is_there_escaped_and_neutralised(january, tiny_settings):
    frame = pd.DataFrame({"period": ["2026-09"], "code": ["11977"], "employer": [HOSTILE], "tax_code": ["0100109106"],
                          "months_late": [3], "amount_owed": [150.5], "status": ["late"], "taxpayer": ["enterprise"],
                          "unit_code": [None], "source_row": [None], "written_name": [None], "match_method": ["code"],
                          "match_score": [None]})
    writes.record_upload(january, frame, kind="employers", file_name="ds.csv", sha256="e", user=ANALYST, rows_read=1,
                         now=T0)
    assert "vi-pham-2026-09.csv" not in public_site.render(january, tiny_settings)  # nothing before it is published
    writes.publish(january, ADMIN, "2026-09", "=HYPERLINK(\"http://x\")", dt.date(2026, 10, 20), now=T0)
    files = public_site.render(january, tiny_settings)
    page = files["index.html"].decode()
    assert HOSTILE not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "Danh sách đơn vị vi phạm về đóng BHXH tháng 9/2026" in page and "150,5" in page
    listed = list(csv.reader(io.StringIO(files["vi-pham-2026-09.csv"].decode("utf-8-sig"))))
    assert listed[1] == [HOSTILE, "0100109106", "Xã Tân Hưng", "3", "150.5", "Chậm đóng"]
    assert 'Nguồn: =HYPERLINK(&quot;http://x&quot;).' in page  # quoted as text on the page, never a link


def test_published_once_per_version_and_switched_whole(january, tiny_settings, tmp_path):
    root = tmp_path / "cong-khai"
    first = public_site.publish(january, tiny_settings, root)
    assert public_site.current(root) == first and sorted(p.name for p in first.iterdir()) == ["index.html",
                                                                                             "ket-qua.csv"]
    stamp = (first / "index.html").stat().st_mtime_ns
    assert public_site.publish(january, tiny_settings, root) == first  # the same version: nothing rendered again
    assert (first / "index.html").stat().st_mtime_ns == stamp
    record_monthly(january, [("2026-02", "11977", 2100, 420)], sha="feb")
    second = public_site.publish(january, tiny_settings, root)
    assert second != first and public_site.current(root) == second and first.exists()  # the one before stays
    assert "Kết quả tháng 2/2026" in (second / "index.html").read_text()
    record_monthly(january, [("2026-03", "11977", 2200, 440)], sha="mar")
    third = public_site.publish(january, tiny_settings, root)
    assert sorted(p.name for p in root.iterdir()) == sorted(["current", second.name, third.name])


@pytest.fixture
def site(january, tiny_settings, tmp_path):
    root = tmp_path / "cong-khai"
    app = Starlette(routes=route.routes(lambda: public_site.publish(january, tiny_settings, root),
                                        lambda name: public_site.FILE_NAME.fullmatch(name) is not None))
    return TestClient(app, base_url="http://127.0.0.1")


def test_anyone_reads_the_page_and_its_csv_without_a_session(site):
    page = site.get("/ket-qua/")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert "Xã Tân Hưng" in page.text and "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    # A signed-in reader of any role gets the same file: the page holds nothing private.
    assert site.get("/ket-qua/", cookies={"bhxh_phien": "not-a-session"}).content == page.content
    data = site.get("/ket-qua/ket-qua.csv")
    assert data.status_code == 200 and data.headers["content-disposition"] == 'attachment; filename="ket-qua.csv"'
    assert site.get("/ket-qua", follow_redirects=False).headers["location"] == "/ket-qua/"


@pytest.mark.parametrize("path", ["/ket-qua/..%2f..%2fetc%2fpasswd", "/ket-qua/%2e%2e", "/ket-qua/.rendering-x",
                                  "/ket-qua/current", "/ket-qua/index.html.bak", "/ket-qua/INDEX.HTML",
                                  "/ket-qua/vi-pham-2026-09.csv", "/ket-qua/..%5cserve.py"])
def test_nothing_else_is_served_from_there(site, path):
    answer = site.get(path)
    assert answer.status_code == 404 and "root:" not in answer.text


def test_only_reading_is_allowed(site):
    assert site.post("/ket-qua/", content=b"x").status_code == 405
    assert site.head("/ket-qua/").status_code == 200


def test_when_publishing_fails_the_reader_is_told_in_vietnamese():
    def broken():
        raise OSError("disk full")
    client = TestClient(Starlette(routes=route.routes(broken, lambda name: True)))
    answer = client.get("/ket-qua/")
    assert answer.status_code == 503 and answer.text.startswith("Trang công khai kết quả tạm thời chưa xem được")


def test_a_replica_serves_what_the_writer_rendered_and_renders_nothing(january, tiny_settings, tmp_path, monkeypatch):
    import serve

    database = tmp_path / "bhxh.duckdb"
    monkeypatch.setenv("BHXH_DB", str(database))
    monkeypatch.setenv("BHXH_READ_SNAPSHOTS", "1")
    with pytest.raises(FileNotFoundError):
        serve._public_folder()
    assert not public_site.root_for(database).exists()
    rendered = public_site.publish(january, tiny_settings, public_site.root_for(database))
    assert serve._public_folder() == rendered
