"""What every page shares: the cached connection, error display, the sidebar, the month preamble, upload widgets."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import streamlit as st

from analytics.errors import AnalyticsError
from analytics.figures import labour, metrics, spans
from analytics.settings import db_path, load_settings
from analytics.storage import db, store
from analytics.text import fmt, labels, usertext
from analytics.units import scopes
from analytics.units.build import ensure_database


@st.cache_resource(show_spinner=False)
def _connection(path: str):
    return ensure_database(path)


def connection():
    """A cursor of the process-wide connection: one per rerun, safe across sessions."""
    return _connection(str(db_path())).cursor()


@contextmanager
def shown_errors():
    """Expected failures become a Vietnamese message on the page, never a traceback.

    Analytics translates DuckDB's errors at its storage boundary; one that comes from elsewhere is translated
    the same way here.
    """
    try:
        yield
    except AnalyticsError as exc:
        show_error(exc)
        st.stop()
    except duckdb.Error as exc:
        show_error(db.translated(exc))
        st.stop()


_LOG = logging.getLogger("bhxh")


def incident(exc: BaseException) -> str:
    """The last line of defence: the trace goes to the server's log under a new incident number; the reader
    gets a Vietnamese message with that number and nothing of the trace."""
    number = f"{dt.datetime.now():%Y%m%d}-{secrets.token_hex(3).upper()}"
    _LOG.error("Sự cố %s", number, exc_info=exc)
    st.error(f"Đã xảy ra lỗi ngoài dự kiến nên trang chưa hiển thị đầy đủ. Mã sự cố: {number}. Hãy tải lại trang; "
             "nếu lỗi lặp lại, hãy báo quản trị hệ thống kèm mã này.")
    return number


def show_error(exc: Exception) -> None:
    """An error's message, which may quote a name, a file or a value someone typed, shown literally."""
    st.error(usertext.literal(str(exc)))


ALL = scopes.ALL

# On a phone the sidebar folds away behind a bare "»": it says what it opens. A map takes the wheel and a
# one-finger swipe from the page no more than any other picture does (two fingers still zoom and move it).


@dataclass(frozen=True)
class View:
    """The sidebar's choices, shared by every page and kept in the URL."""

    period: str | None  # the last month with figures of the chosen span
    scope: str  # ALL, "Huyện cũ: …", "Tỉnh cũ: …" or a commune name
    codes: list[str] | None  # None = every unit
    indicator: str
    granularity: str = spans.MONTH
    span: str | None = None  # "2026-10", "2026-Q4" or "2026"; None without figures
    complete: bool = True  # the span's last calendar month has figures

    @property
    def label(self) -> str:
        """The chosen span as reports name it: 'tháng 10/2026', 'quý IV/2026', 'năm 2026'."""
        return spans.label(self.span)

    @property
    def heading(self) -> str:
        """The label at the start of a sentence: 'Quý IV/2026'."""
        return spans.heading(self.span)


# The URL's word for each granularity; it also names the query key that holds the chosen span.
GRANULARITY_URL = {spans.MONTH: "thang", spans.QUARTER: "quy", spans.YEAR: "nam"}


LINK_CHARS = 64  # the longest value a link may carry; the app's own (a scope's name, a code, a month) are shorter


def link_value(key: str) -> str | None:
    """``key``'s value in the page's link, or None. Anyone can write a link, 100.000 characters long too: a value
    longer than LINK_CHARS is dropped from it, and a warning quotes its start literally."""
    value = st.query_params.get(key)
    if value is None or len(value) <= LINK_CHARS:
        return value
    st.query_params.pop(key, None)
    st.warning(usertext.literal(f"Đường liên kết có giá trị «{usertext.excerpt(value)}» ở mục «{key}» dài quá "
                                f"{LINK_CHARS} ký tự nên không được dùng."))
    return None


def _query(key: str, options: list[str], default: str) -> str:
    value = link_value(key)
    return value if value in options else default


SCOPE_REQUEST = "pham_vi_mo"  # a scope the app itself opens (the map's «Xem toàn tỉnh»), applied at the next run


def _choice(key: str, options: list[str], default: str) -> None:
    """The keyed choice's value before its widget is drawn: from the URL at a session's start (or when its
    value is no longer offered), else as the reader left it."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = _query(key, options, default)


def _span_choice(months: list[str]) -> tuple[str, str | None]:
    """Tháng / quý / năm and the span, from and back to the URL; a new granularity starts at the span
    holding the month chosen before."""
    words = {word: g for g, word in GRANULARITY_URL.items()}
    chosen = words[_query("theo", list(words), GRANULARITY_URL[spans.MONTH])]
    granularity = st.segmented_control("Xem theo", list(spans.GRANULARITIES), default=chosen, key="theo",
                                       format_func=labels.GRANULARITY.get) or chosen
    url_key = GRANULARITY_URL[granularity]
    if not months:
        return granularity, None
    options = spans.keys(months, granularity)[::-1]
    month = _query("thang", months, months[-1])
    span = st.selectbox(labels.GRANULARITY[granularity], options, format_func=spans.label, key=f"ky_{url_key}",
                        index=options.index(_query(url_key, options, spans.key(month, granularity))))
    for other in set(GRANULARITY_URL.values()) - {url_key}:
        st.query_params.pop(other, None)
    st.query_params.update({"theo": url_key, url_key: span})
    return granularity, span


def sidebar(con) -> View:
    """Granularity and span, commune or group, indicator: read from and written back to the URL query.

    The scope and the indicator have a key: without one, the widget's identity would include its index,
    which the URL changes after every choice, and every second choice would be lost. Their values
    therefore come from the session, and a scope the app opens goes through ``open_scope``.
    """
    months = metrics.periods(con)
    units = metrics.communes(con)
    choices = scopes.options(units)
    keys = list(labels.INDICATOR)
    if st.session_state.get(SCOPE_REQUEST) in choices:
        st.session_state["pham_vi"] = st.session_state[SCOPE_REQUEST]
    st.session_state.pop(SCOPE_REQUEST, None)
    for key, options, default in (("pham_vi", choices, ALL), ("chi_so", keys, keys[0])):
        _choice(key, options, default)
    with st.sidebar:
        st.header("Bộ lọc")
        granularity, span = _span_choice(months)
        scope = st.selectbox("Phạm vi", choices, key="pham_vi")
        indicator = st.selectbox("Chỉ số", keys, format_func=labels.INDICATOR.get, key="chi_so")
    st.query_params.update({"pham_vi": scope, "chi_so": indicator})
    reported = [m for m in months if span is not None and m in set(spans.months(span))]
    return View(reported[-1] if reported else None, scope, scopes.codes(units, scope), indicator, granularity, span,
                span is None or spans.is_complete(span, reported))


PROFILE = "ui/profile.py"


def open_profile(code: str) -> None:
    """What choosing one commune opens (a click on the map, its name beside the map, a row of a table): its
    profile (``?ma=CODE``), keeping the sidebar's choices in the URL."""
    st.switch_page(PROFILE, query_params={**st.query_params.to_dict(), "ma": code})


def profile_on_select(event, frame) -> None:
    """A table row chosen (``on_select``) opens the profile of that row's commune (``frame``'s code)."""
    rows = event.selection.rows if event is not None else []
    if rows:
        open_profile(str(frame["code"].iloc[rows[0]]))


def open_scope(scope: str) -> None:
    """Show every page for ``scope`` (a commune's name or ALL) from the next run on."""
    st.session_state[SCOPE_REQUEST] = scope
    st.query_params["pham_vi"] = scope
    st.rerun()


def on_phone() -> bool:
    """Whether the page is open on a phone, as its browser says ("Mobi" in the user agent, as browsers agree)."""
    return "Mobi" in (st.context.headers.get("User-Agent") or "")


def no_data_notice() -> None:
    st.info("Chưa có số liệu hằng tháng. Vào trang «Nhập số liệu» để tải tệp số liệu lên, "
            "hoặc chạy `python -m analytics build --demo` để xem thử với dữ liệu minh hoạ.")


def show_review(prepared) -> None:
    """A prepared upload (monthly or annual) before saving: what was read, each problem at its row and column,
    the rows."""
    import analytics.intake.review as review

    errors, warnings = prepared.errors, prepared.warnings
    c1, c2, c3 = st.columns(3)
    c1.metric("Dòng hợp lệ", fmt.number(len(prepared.checked.table)))
    c2.metric("Lỗi", fmt.number(len(errors)))
    c3.metric("Cảnh báo", fmt.number(len(warnings)))
    if prepared.duplicate_of is not None:
        st.info(f"Tệp này đã được tải lên (lần tải lên số {prepared.duplicate_of}); sẽ không áp dụng lần thứ hai.")
    reading = prepared.reading
    with st.expander("Đã đọc được gì từ tệp", expanded=True):
        for line in (review.sheet_line(reading), review.layout_line(reading), review.period_line(reading),
                     review.communes_line(reading, prepared.checked)):
            if line:
                st.markdown(usertext.literal(line))
        if reading.columns:
            st.dataframe(review.columns_frame(reading), hide_index=True, width="stretch")
        if reading.aside:
            st.markdown("Các dòng không phải xã, phường, được để riêng:")
            st.dataframe(review.aside_frame(reading), hide_index=True, width="stretch")
        totals = review.totals_frame(reading, prepared.checked)
        if not totals.empty:
            st.markdown("Tổng số, bắt buộc, tự nguyện: cộng từ các xã, phường và như tệp ghi")
            st.dataframe(totals, hide_index=True, width="stretch")
    whole_file = [p for p in errors if p.row is None]
    if whole_file and any("Thiếu cột" in p.message for p in whole_file):
        st.error("Tệp thiếu cột cần thiết (xem các vấn đề dưới đây): hãy chọn cột ở phần «Cách đọc cột», hoặc sửa "
                 "tiêu đề cột trong tệp rồi tải lại.")
    elif whole_file and len(whole_file) == len(errors):
        st.error(usertext.literal("Chưa đọc được tệp: " + " ".join(p.message for p in whole_file)))
    elif errors:
        st.error("Tệp có lỗi nên chưa thể lưu. Sửa các dòng dưới đây rồi tải lại.")
    problems = prepared.problem_table()
    if not problems.empty:
        st.subheader("Các vấn đề")
        error = labels.SEVERITY["error"]
        st.dataframe(fmt.table(problems).apply(
            lambda r: ["background-color: #fde2e1" if r["Mức"] == error else "background-color: #fff4d6"] * len(r),
            axis=1), hide_index=True, width="stretch")
    st.subheader("Xem trước")
    st.dataframe(fmt.table(prepared.preview(), {"Dòng": "plain"}, keep_empty=True), hide_index=True, width="stretch")


# kind -> (heading, what its periods are called, what to say when there is none, what withdrawing does)
_HISTORY = {
    "monthly": ("Lịch sử tải lên", "Kỳ", "Chưa có lần tải lên nào.", None),
    "annual": ("Lịch sử tải lên chỉ tiêu năm", "Các năm", None, "Chỉ tiêu mà lần này thay thế có hiệu lực trở lại."),
    "labour": ("Lịch sử tải lên lực lượng lao động", "Các năm", "Chưa có số lực lượng lao động nào được tải lên.",
               "Số lực lượng lao động mà lần này thay thế có hiệu lực trở lại."),
    "arrears": ("Lịch sử tải lên nợ, chậm đóng", "Kỳ", None, "Số liệu mà lần này thay thế có hiệu lực trở lại."),
    "employers": ("Lịch sử tải lên danh sách đơn vị", "Kỳ", None,
                  "Danh sách của tháng mà lần này thay thế có hiệu lực trở lại; danh sách đã công bố không đổi."),
}


def upload_history(con, kind: str) -> None:
    """The uploads of one kind, newest last, and a withdrawal of one in force (demo data is removed, not withdrawn)."""
    heading, periods, empty, effect = _HISTORY[kind]
    with shown_errors():
        history = store.uploads(con, kind)
    if history.empty:
        if empty:
            st.subheader(heading)
            st.info(empty)
        return
    st.subheader(heading)
    shown = history.assign(status=history["withdrawn_at"].isna().map(labels.UPLOAD_STATE),
                           uploaded_at=history["uploaded_at"].dt.strftime("%d/%m/%Y %H:%M"))
    columns = {"id": "Số", "file_name": "Tệp", "uploaded_by": "Người tải", "uploaded_at": "Thời điểm",
               "periods": periods, "rows_stored": "Số dòng", "status": "Trạng thái", "note": "Ghi chú"}
    if kind == "labour":
        with shown_errors():
            shown["source"] = shown["id"].map(labour.upload_sources(con))
        columns = {**columns, "source": "Nguồn số liệu"}
    table(shown, columns, {"id": "plain"}, pinned=("id",))
    active = history[history["withdrawn_at"].isna() & ~history["is_demo"]]["id"].tolist()
    if active:
        c1, c2 = st.columns([1, 3])
        chosen = c1.selectbox("Rút lần tải lên", active, key=f"withdraw_{kind}")
        if c2.button("Rút lần tải lên này", help=effect, key=f"withdraw_{kind}_button"):
            with shown_errors():
                store.withdraw(con, int(chosen), st.session_state.get("user"))
            st.rerun()


def month_page(title, intro=None):
    """The preamble of every page that shows a month: its title (text, or made from the settings), then the view,
    connection and settings; ``intro(settings)`` draws what the page shows even before any monthly data, and
    with no monthly data the page explains what to do and stops."""
    view = st.session_state["view"]
    with shown_errors():
        con, settings = connection(), load_settings()
    st.title(title(settings) if callable(title) else title)
    if intro is not None:
        with shown_errors():
            intro(settings)
    if view.period is None:
        no_data_notice()
        st.stop()
    if not view.complete:
        st.info(f"{view.heading} chưa trọn: mới có số liệu đến hết {fmt.month(view.period)}. "
                "Số của kỳ là số tháng cuối có báo cáo của từng xã, phường; tăng ròng tính đến tháng đó.")
    return view, con, settings


def table(frame, labels: dict, kinds: dict | None = None, *, pinned=("rank", "name"), wide=(), **options):
    """``frame``'s ``labels`` columns, in that order, under those headers, as ``fmt.table`` writes them: the same
    in every browser. On a phone the columns that say which row it is (``pinned``) stay in view when the table
    scrolls sideways (on a computer the table fits, and pinned columns would only be greyed); ``wide`` columns
    (long text) get the most room; ``options`` go to st.dataframe."""
    pin = on_phone()
    config = {c: st.column_config.Column(label, pinned=pin and c in pinned, width="large" if c in wide else None)
              for c, label in labels.items()}
    return st.dataframe(fmt.table(frame[list(labels)], kinds), hide_index=True, width="stretch",
                        column_config=config, **options)


def in_scope(frame, view: View):
    """The rows of the sidebar's scope (every unit when no scope is chosen)."""
    return frame if view.codes is None else frame[frame["code"].isin(view.codes)]
