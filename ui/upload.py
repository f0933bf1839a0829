"""Nhập số liệu: choose a file, confirm how its columns are read, settle unknown names, see every problem, save."""

import streamlit as st

from analytics.access import accounts
from analytics.errors import AnalyticsError
from analytics.intake.catalogue import OFFERED
from analytics.intake.confined import sheet_names
from analytics.intake.fields import KINDS, SKIP
from analytics.intake.pipeline import apply, confirm_mapping, prepare
from analytics.settings import load_settings
from analytics.storage import reads, writes
from analytics.text import fmt, usertext
from analytics.units.communes import units
from ui import downloads
from ui.errors import show_error, shown_errors
from ui.state import connection
from ui.widgets import show_review, upload_history


def mapping_step(con, user, prepared, chosen_kind: str) -> None:
    """Each file column -> a field or «Bỏ qua»; confirming saves it for files of this shape."""
    kind = KINDS[chosen_kind]
    choices, words = [SKIP, *kind.fields], {SKIP: "Bỏ qua", **kind.labels}
    reading = prepared.reading
    st.subheader("Cách đọc cột")
    if prepared.needs_mapping:
        st.warning("Có cột được đoán theo nội dung, hoặc thiếu cột cần thiết. Hãy xem và sửa nếu cần, rồi bấm "
                   "«Xác nhận cách đọc cột»; số liệu chỉ được kiểm tra sau bước này.")
    chosen = {}
    cells = st.columns(2)
    for n, col in enumerate(c for c in reading.columns if c.header or c.field or c.how != "empty"):
        current = col.field or SKIP
        chosen[col.index] = cells[n % 2].selectbox(
            usertext.literal(col.name), choices, index=choices.index(current), format_func=words.get,
            key=f"map-{chosen_kind}-{prepared.sha256[:12]}-{col.index}", help=usertext.literal(col.evidence) or None)
    if st.button("Xác nhận cách đọc cột", type="primary" if prepared.needs_mapping else "secondary"):
        with shown_errors():
            confirm_mapping(con, prepared, chosen, user=user)
        st.rerun()


def name_step(con, user, prepared, official: dict) -> None:
    """Names that matched no unit, several, or only roughly: pick the official unit, stored for every later file."""
    unsettled = prepared.checked.unsettled
    if not unsettled:
        return
    st.subheader("Tên đơn vị cần xác nhận")
    st.caption("Tên được xác nhận ở đây dùng cho mọi lần tải lên sau và cho phụ lục kế hoạch; mỗi lần xác nhận "
               "được ghi nhật ký.")
    by_name = {name: code for code, name in official.items()}
    for n, (written, match) in enumerate(unsettled.items()):
        suggested = [match.code] if match.code else [by_name[s] for s in match.suggestions if s in by_name]
        options = list(dict.fromkeys([*suggested, *sorted(official, key=official.get)]))
        c1, c2 = st.columns([3, 1])
        code = c1.selectbox(f"«{usertext.literal(written)}» là", options, format_func=lambda c: f"{official[c]} ({c})",
                            key=f"name-{prepared.sha256[:12]}-{n}")
        c2.write("")
        if c2.button("Xác nhận tên", key=f"confirm-name-{prepared.sha256[:12]}-{n}"):
            with shown_errors():
                writes.confirm_name(con, user, written, code)
            st.rerun()


def page() -> None:
    """Nhập số liệu: the page's body, run by the navigation on every rerun (ui.routes)."""
    st.title("Nhập số liệu")
    with shown_errors():
        user = accounts.require(st.session_state.get("user"), "upload")
        con = connection()
        registry = units(con)
    official = dict(zip(registry["code"], registry["name"]))

    offered = {o.kind: o for o in OFFERED}
    chosen_kind = st.radio("Loại số liệu", list(offered), format_func=lambda k: offered[k].title, horizontal=True,
                           key="upload_kind") if len(offered) > 1 else OFFERED[0].kind
    offer, kind = offered[chosen_kind], KINDS[chosen_kind]
    st.caption(offer.about)

    with st.expander("Tải mẫu nhập liệu", expanded=False):
        st.write("Mẫu có sẵn mã và tên chính thức của mọi xã, phường; chỉ cần điền số liệu.")
        c1, c2 = st.columns(2)
        downloads.offer("Mẫu Excel (.xlsx)", offer.xlsx(registry), f"{offer.stem}.xlsx", downloads.XLSX, needs="upload",
                         where=c1)
        downloads.offer("Mẫu CSV (.csv)", offer.csv(registry), f"{offer.stem}.csv", downloads.CSV, needs="upload",
                        where=c2)

    # No type list: Streamlit checks a listed type against the file's name before the page runs, and a name it refuses
    # (a NUL in it) then fails every run of the session until a reload. The reading names a wrong type in Vietnamese.
    upload = st.file_uploader("Chọn tệp số liệu (CSV hoặc XLSX)")
    if upload is not None:
        data, file_name = upload.getvalue(), usertext.file_name(upload.name)
        names = sheet_names(data, file_name, load_settings().upload_max_mb)
        period = st.text_input("Kỳ báo cáo (YYYY-MM): để trống nếu tệp đã ghi tháng; tháng nhập ở đây thay cho tháng "
                               "ghi trong tệp", value="").strip() or None if offer.monthly else None
        sheet = None
        if len(names) > 1:
            picked = st.selectbox("Trang tính", ["Tự chọn trang có bảng xã, phường", *names])
            sheet = None if picked not in names else picked
        with shown_errors():
            prepared = prepare(con, data, file_name, kind=chosen_kind, sheet=sheet, period=period)
        if prepared.reading.columns:
            if prepared.needs_mapping:
                mapping_step(con, user, prepared, chosen_kind)
            else:
                with st.expander("Sửa cách đọc cột"):
                    mapping_step(con, user, prepared, chosen_kind)
        show_review(prepared)
        if prepared.needs_mapping:
            st.stop()
        name_step(con, user, prepared, official)
        errors, warnings = prepared.errors, prepared.warnings
        if not errors and prepared.duplicate_of is None:
            source = st.text_input("Nguồn số liệu (bắt buộc)", key="source",
                                   placeholder="Ví dụ: Cục Thống kê tỉnh, niên giám thống kê năm 2025",
                                   help="Mọi tỷ lệ bao phủ tính từ tệp này sẽ nêu nguồn và năm của số liệu.") \
                if kind.sourced else ""
            note = st.text_input("Ghi chú", key="note")
            confirmed = bool(warnings) and st.checkbox(f"Tôi đã xem {len(warnings)} cảnh báo và xác nhận lưu")
            if st.button("Lưu số liệu", type="primary"):
                try:
                    upload_id = apply(con, prepared, user=user, confirm_warnings=confirmed, note=note, source=source)
                except AnalyticsError as exc:
                    show_error(exc)
                else:
                    when = sorted(prepared.checked.table[kind.when].unique())
                    shown = ", ".join(fmt.month(w) if kind.when == "period" else str(w) for w in when)
                    st.success(f"Đã lưu lần tải lên số {upload_id}: {fmt.number(len(prepared.checked.table))} dòng, "
                               f"{'kỳ' if kind.when == 'period' else 'năm'} {shown}.")

    upload_history(con, chosen_kind)
    with shown_errors():
        has_demo = reads.has_demo(con)
    if has_demo and st.button("Xoá dữ liệu minh hoạ"):
        with shown_errors():
            writes.remove_demo(con, st.session_state.get("user"))
        st.rerun()
