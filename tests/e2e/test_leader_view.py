"""What a leader meets opening a link: the same numbers in any browser language, a phone without sideways
scrolling, a map that shows the whole province and opens a commune's profile on a click.

The pages are opened as an anonymous visitor (the demo plan lets anyone view them), each at its own URL.
Screenshots of the overview, map, scorecard and public page at 1440×900, 1280×720 and 390×844 go to
screenshots/ (git-ignored) to be looked at.
"""

from __future__ import annotations

import io
import json
import math
import re

import pytest
from PIL import Image, ImageChops
from playwright.sync_api import expect

from analytics.settings import load_settings
from analytics.storage import db
from geo import mapview
from tests.e2e.conftest import BY_PATH, POLL_MS, SCREENSHOTS, TIMEOUT_MS, assert_clean, settle_charts, wait_rendered

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# A phone's browser says so in its user agent; the map sizes itself by it.
PHONE_AGENT = ("Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
               "Chrome/140.0.0.0 Mobile Safari/537.36")
SHOWN = ("tong-quan", "ban-do", "bang-diem", "cong-khai")
VIEW_STATE = re.compile(rb'"initialViewState":\s*(\{[^{}]*\})')
DECK_CANVAS = '[data-testid="stDeckGlJsonChart"] canvas'


def new_page(browser, viewport: dict, locale: str = "vi-VN", phone: bool = False):
    context = browser.new_context(viewport=viewport, locale=locale, is_mobile=phone, has_touch=phone,
                                  **({"user_agent": PHONE_AGENT} if phone else {}))
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


def open_at(page, base_url: str, url_path: str) -> None:
    target = BY_PATH[url_path]
    page.goto(f"{base_url}{target.path}")
    wait_rendered(page, target.heading)
    assert_clean(page, url_path)
    settle_charts(page)


def map_views(page) -> list[dict]:
    """Every view state the server sends for a deck, in order, read from the app's websocket messages."""
    views = []

    def read(frame):
        data = frame if isinstance(frame, bytes) else frame.encode()
        views.extend(json.loads(found) for found in VIEW_STATE.findall(data))

    page.on("websocket", lambda socket: socket.on("framereceived", read))
    return views


def drawn_size(page) -> tuple[float, float]:
    box = page.locator(DECK_CANVAS).first.bounding_box()
    return box["width"], box["height"]


@pytest.fixture(scope="module")
def geometry(warm_server):
    """The communes as the map draws them, from the model copy of the server's database."""
    con = db.connect(warm_server.model, read_only=True)
    try:
        return mapview.geometry(con, load_settings()).frame
    finally:
        con.close()


def table_image(browser, base_url: str, locale: str) -> Image.Image:
    context, page = new_page(browser, {"width": 1280, "height": 720}, locale)
    try:
        open_at(page, base_url, "cong-khai")
        table = page.locator('[data-testid="stDataFrame"]').first
        page.wait_for_function("document.fonts.status === 'loaded'", polling=POLL_MS)
        shots = [table.screenshot(animations="disabled")]
        while len(shots) < 10 and (len(shots) < 2 or shots[-1] != shots[-2]):  # until the grid has settled
            page.wait_for_timeout(300)
            shots.append(table.screenshot(animations="disabled"))
        (SCREENSHOTS / f"e2e-table-{locale}.png").write_bytes(shots[-1])
        return Image.open(io.BytesIO(shots[-1])).convert("L")
    finally:
        context.close()


def test_a_table_reads_the_same_in_an_english_and_a_vietnamese_browser(chromium_browser, warm_server):
    """Streamlit would write 1,702 and 82.3% for an English browser: the app writes 1.702 and 82,3 % for all."""
    english = table_image(chromium_browser, warm_server.url, "en-US")
    vietnamese = table_image(chromium_browser, warm_server.url, "vi-VN")
    assert english.size == vietnamese.size
    # Anti-aliasing may shift a grey level here and there; one different character changes dozens of pixels
    # by far more than a quarter of the range.
    changed = sum(ImageChops.difference(english, vietnamese).histogram()[64:])
    assert changed == 0, f"{changed} pixels differ between en-US and vi-VN (screenshots/e2e-table-*.png)"


@pytest.mark.parametrize("viewport", [{"width": 1440, "height": 900}, {"width": 1280, "height": 720}],
                         ids=["1440x900", "1280x720"])
def test_pages_on_a_computer_and_the_map_fits(chromium_browser, warm_server, geometry, viewport):
    context, page = new_page(chromium_browser, viewport)
    views = map_views(page)
    try:
        for url_path in SHOWN:
            open_at(page, warm_server.url, url_path)
            page.screenshot(path=str(SCREENSHOTS / f"e2e-{viewport['width']}x{viewport['height']}-{url_path}.png"))
            if url_path == "ban-do":
                assert_whole_province_in_view(views[-1], *drawn_size(page), geometry)
    finally:
        context.close()


def test_pages_on_a_phone(chromium_browser, warm_server, geometry):
    context, page = new_page(chromium_browser, PHONE, phone=True)
    views = map_views(page)
    try:
        for url_path in SHOWN:
            open_at(page, warm_server.url, url_path)
            page.screenshot(path=str(SCREENSHOTS / f"e2e-390x844-{url_path}.png"))
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{url_path}: the page scrolls sideways ({width} px)"
            button = page.locator('[data-testid="stExpandSidebarButton"]')
            assert "Trang và bộ lọc" in page.evaluate(
                "b => getComputedStyle(b, '::after').content", button.element_handle())
            if url_path == "ban-do":
                map_width, map_height = drawn_size(page)
                assert map_height < PHONE["height"] / 2  # a shorter map: the page goes on below it
                assert_whole_province_in_view(views[-1], map_width, map_height, geometry)
                # A finger on the map scrolls the page; two fingers still zoom and move the map.
                assert page.locator(DECK_CANVAS).first.evaluate("c => getComputedStyle(c).touchAction") == \
                    "pan-x pan-y"
            if url_path == "cong-khai":
                assert_rate_in_sight(page)
    finally:
        context.close()


def assert_rate_in_sight(page) -> None:
    """The public table's rate is on screen without scrolling sideways: moving the grid's cursor to it from the
    first column leaves the grid where it is (the grid scrolls only to bring a cell into sight)."""
    grid = page.locator('[data-testid="stDataFrame"]').first
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 20, box["y"] + 55)  # the first row's rank
    cell = grid.locator('td[aria-selected="true"]')
    cell.wait_for(state="attached")
    column = int(cell.get_attribute("aria-colindex"))
    assert grid.locator(f'th[aria-colindex="{column}"]').inner_text() == "Hạng"
    for step in (1, 2):  # each key waits for the cursor to land: a key pressed too early is lost
        page.keyboard.press("ArrowRight")
        expect(cell).to_have_attribute("aria-colindex", str(column + step))
    assert grid.locator(f'th[aria-colindex="{column + 2}"]').inner_text() == "Tỷ lệ đạt"
    scrolled = grid.locator(".dvn-scroller").first.evaluate("s => s.scrollLeft")
    assert scrolled == 0, f"the rate is off-screen on a phone: the grid scrolled {scrolled} px to show it"


def assert_whole_province_in_view(view: dict, width: float, height: float, geometry) -> None:
    """Every commune's centroid, and the province's outer bounds, lie inside what the map shows."""
    west, south, east, north = mapview.visible_bounds(view, width, height)
    points = geometry.geometry.to_crs(3857).centroid.to_crs(4326)
    outside = geometry["name"][~((points.x > west) & (points.x < east) & (points.y > south) & (points.y < north))]
    assert outside.empty, f"cut off at {width:.0f}×{height:.0f} px: {outside.tolist()}"
    p_west, p_south, p_east, p_north = geometry.total_bounds
    assert west < p_west and east > p_east and south < p_south and north > p_north


def pixel(view: dict, width: float, height: float, lon: float, lat: float) -> tuple[float, float]:
    """Where a point falls on a map ``width`` × ``height`` px showing ``view`` (Web Mercator, 512 px tiles)."""
    world = mapview.TILE_PX * 2 ** view["zoom"]
    x = width / 2 + (lon - view["longitude"]) * world / 360

    def y_of(latitude):
        return math.log(math.tan(math.pi / 4 + math.radians(latitude) / 2))

    y = height / 2 - (y_of(lat) - y_of(view["latitude"])) * world / (2 * math.pi)
    return x, y


def test_a_click_on_a_commune_opens_its_profile(chromium_browser, warm_server, geometry):
    context, page = new_page(chromium_browser, {"width": 1440, "height": 900})
    views = map_views(page)
    try:
        open_at(page, warm_server.url, "ban-do")
        chosen = geometry[geometry["name"] == "Xã Tiên La"].iloc[0]
        inside = chosen.geometry.representative_point()
        x, y = pixel(views[-1], *drawn_size(page), inside.x, inside.y)
        page.locator(DECK_CANVAS).first.click(position={"x": x, "y": y})
        page.locator("h2").filter(has_text=re.compile(r"^\s*Xã Tiên La\s*$")).wait_for(state="visible")
        wait_rendered(page, BY_PATH["ho-so-xa"].heading)
        assert f"ma={chosen['code']}" in page.url and "/ho-so-xa" in page.url
        assert_clean(page, "ho-so-xa-after-map-click")
        page.screenshot(path=str(SCREENSHOTS / "e2e-1440x900-ho-so-xa-tien-la.png"))
    finally:
        context.close()
