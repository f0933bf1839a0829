"""Quản trị: accounts, confirmations of name matches, publication of the violators' lists, settings, backups and
the audit log."""

import datetime as dt

import streamlit as st

from analytics.access import accounts, audit
from analytics.errors import AnalyticsError
from analytics.figures import publication
from analytics.intake import layouts
from analytics.reports import exports
from analytics.settings import EDITABLE, load_settings
from analytics.storage import backup, reads, writes
from analytics.text import fmt, labels, usertext
from analytics.units import communes
from analytics.units.communes import units
from analytics.units.targets import appendix_view
from ui.access import NOTICE
from ui.downloads import CSV, XLSX, ZIP, offer
from ui.errors import show_error, shown_errors
from ui.state import connection
from ui.widgets import table


def page() -> None:
    """Quản trị: the page's body, run by the navigation on every rerun (ui.routes)."""
    st.title("Quản trị")
    user = st.session_state.get("user")
    with shown_errors():
        con, settings = connection(), load_settings()
        accounts.require(user, "accounts")

    tab_users, tab_overrides, tab_layouts, tab_publish, tab_settings, tab_backup, tab_audit = st.tabs(
        ["Tài khoản", "Xác nhận tên đơn vị", "Cách đọc cột đã lưu", "Công khai danh sách nợ", "Cấu hình", "Sao lưu",
         "Nhật ký"])
    with tab_users:
        if notice := st.session_state.pop("account_notice", None):
            st.success(notice)
        with shown_errors():
            people = accounts.users(con)
        people = people.assign(role=people["role"].map(accounts.ROLE_VI),
                               created_at=people["created_at"].dt.strftime("%d/%m/%Y"),
                               locked_until=people["locked_until"].dt.strftime("%d/%m/%Y %H:%M"))
        table(people, {"username": None, "display_name": None, "role": None, "created_at": "Ngày tạo",
                       "disabled": "Bị khoá", "locked_until": "Tạm khoá đến"},
              pinned=("username",))
        with st.form("new_user", clear_on_submit=True):
            st.subheader("Tạo tài khoản")
            c1, c2, c3 = st.columns(3)
            username, name = c1.text_input("Tên đăng nhập"), c2.text_input("Họ tên")
            role = c3.selectbox("Vai trò", accounts.ROLES, format_func=accounts.ROLE_VI.get)
            password = st.text_input("Mật khẩu (ít nhất 10 ký tự)", type="password")
            if st.form_submit_button("Tạo"):
                try:
                    created = writes.create_user(con, user, username, name, role, password)
                    st.success(f"Đã tạo tài khoản «{usertext.literal(created.username)}».")
                except (AnalyticsError, ValueError) as exc:
                    show_error(exc)
        with shown_errors():
            others = [u for u in accounts.users(con)["username"] if u != user.username]  # a new account included
        if others:
            c1, c2, c3 = st.columns([2, 1, 1])
            who = c1.selectbox("Tài khoản", others)
            for column, label, disabled in ((c2, "Khoá", True), (c3, "Mở khoá", False)):
                if column.button(label):
                    with shown_errors():
                        writes.set_disabled(con, user, who, disabled)
                    st.session_state["account_notice"] = (
                        f"Đã khoá tài khoản «{usertext.literal(who)}»; mọi phiên đăng nhập của tài khoản này đã kết "
                        "thúc."
                        if disabled else f"Đã mở khoá tài khoản «{usertext.literal(who)}».")
                    st.rerun()
        with st.form("new_password", clear_on_submit=True):
            st.subheader("Đặt mật khẩu mới")
            c1, c2 = st.columns(2)
            whose = c1.selectbox("Tài khoản cần đặt mật khẩu", accounts.users(con)["username"].tolist())
            password = c2.text_input("Mật khẩu mới (ít nhất 10 ký tự)", type="password")
            if st.form_submit_button("Đặt mật khẩu mới"):
                try:
                    writes.reset_password(con, user, whose, password)
                    st.success(f"Đã đặt mật khẩu mới cho «{usertext.literal(whose)}»; mọi phiên đăng nhập của tài "
                               "khoản "
                               "này đã kết thúc.")
                except (AnalyticsError, ValueError) as exc:
                    show_error(exc)
        st.subheader("Khóa phiên đăng nhập")
        if st.button("Đổi khóa phiên đăng nhập",
                     help="Khi nghi khóa, một cookie đăng nhập hay một bản sao lưu cũ đã lộ ra ngoài."):
            st.session_state["rotate_key_asked"] = True
        if st.session_state.get("rotate_key_asked"):
            st.warning("Đổi khóa làm mọi phiên đăng nhập kết thúc ngay: mọi người, kể cả bạn, bị đăng xuất và phải "
                       "đăng "
                       "nhập lại. Cookie đăng nhập cũ không còn mở được gì.")
            c1, c2 = st.columns(2)
            if c1.button("Đổi khóa và đăng xuất mọi người", type="primary"):
                st.session_state.pop("rotate_key_asked")
                with shown_errors():
                    ended = writes.rotate_session_key(con, user)
                st.session_state[NOTICE] = ("success", f"Đã đổi khóa phiên đăng nhập; {fmt.number(ended)} phiên đăng "
                                                       "nhập đã kết thúc. Hãy đăng nhập lại.")
                st.rerun()
            if c2.button("Không đổi", key="rotate_key_cancel"):
                st.session_state.pop("rotate_key_asked")
                st.rerun()

    with tab_overrides:
        with shown_errors():
            rows = appendix_view(con)
            registry = units(con).sort_values("name")
        pending = rows[rows["status"].isin(["open", "unmatched"])]
        if pending.empty:
            st.success("Mọi dòng phụ lục đã khớp chính xác hoặc đã được xác nhận.")
        else:
            names = dict(zip(registry["code"], registry["name"]))
            printed = st.selectbox("Dòng phụ lục", pending["name_as_printed"].tolist())
            suggested = pending.set_index("name_as_printed").loc[printed, "code"]
            codes = list(names)
            code = st.selectbox("Đơn vị chính thức", codes, format_func=lambda c: f"{names[c]} ({c})",
                                index=codes.index(suggested) if suggested in codes else 0)
            note = st.text_input("Ghi chú (ví dụ: lỗi in trong phụ lục)")
            if st.button("Xác nhận", type="primary"):
                with shown_errors():
                    writes.confirm_name(con, user, printed, code, note)
                st.success(f"Đã xác nhận «{usertext.literal(printed)}» là {usertext.literal(names[code])}.")
        st.subheader("Các tên đã xác nhận")
        st.caption("Dùng chung cho phụ lục kế hoạch và mọi lần tải lên số liệu: một tên viết như thế nào thì được hiểu "
                   "là đơn vị đã xác nhận.")
        with shown_errors():
            known = communes.listing(con)
        if known.empty:
            st.info("Chưa có tên nào được xác nhận.")
        else:
            st.dataframe(known.assign(confirmed_at=known["confirmed_at"].dt.strftime("%d/%m/%Y %H:%M").fillna("")),
                         hide_index=True, width="stretch", column_config={
                             "written_name": "Tên như được viết", "code": "Mã", "official_name": "Đơn vị chính thức",
                             "note": "Ghi chú", "confirmed_by": "Người xác nhận", "confirmed_at": "Thời điểm"})
            forget = st.selectbox("Bỏ xác nhận tên", known["written_name"].tolist(), key="forget_name")
            if st.button("Bỏ xác nhận"):
                with shown_errors():
                    writes.forget_name(con, user, forget)
                st.rerun()

    with tab_layouts:
        with shown_errors():
            saved = layouts.listing(con)
        if saved.empty:
            st.info("Chưa có cách đọc cột nào được lưu. Cách đọc được lưu khi chuyên viên xác nhận các cột của một tệp "
                    "ở trang Nhập số liệu; tệp sau cùng mẫu sẽ dùng lại.")
        else:
            when = saved["saved_at"].dt.strftime("%d/%m/%Y %H:%M")
            st.dataframe(saved.assign(saved_at=when).drop(columns="signature"),
                         hide_index=True, width="stretch", column_config={
                             "kind": "Loại", "file_name": "Từ tệp", "columns": "Các cột → trường",
                             "saved_by": "Người lưu", "saved_at": "Thời điểm"})
            choices = dict(zip(saved["signature"], saved["file_name"] + " · " + saved["saved_at"].astype(str)))
            gone = st.selectbox("Xoá cách đọc cột", list(choices), format_func=choices.get, key="drop_layout")
            if st.button("Xoá"):
                with shown_errors():
                    writes.delete_layout(con, user, gone)
                st.rerun()

    with tab_publish:
        st.caption("Không có thông tin nào về đơn vị được công khai cho đến khi quản trị viên công bố danh sách của "
                   "một tháng. Danh sách được công bố đúng như lúc bấm công bố: tải lên danh sách mới của tháng đó "
                   "không làm đổi danh sách đã công khai; muốn sửa, hãy rút lần công bố rồi công bố lại.")
        if notice := st.session_state.pop("publication_notice", None):
            st.success(notice)
        with shown_errors():
            listed = reads.employers(con)
            done = publication.publications(con)
        months = sorted(listed["period"].unique(), reverse=True)
        if not months:
            st.info("Chưa có danh sách đơn vị nợ, chậm đóng nào. Chuyên viên tải danh sách ở trang «Nhập số liệu».")
        else:
            with st.form("publish"):
                c1, c2 = st.columns(2)
                month = c1.selectbox("Danh sách tháng", months, format_func=fmt.month)
                day = c2.date_input("Ngày công bố", value=dt.date.today(), format="DD/MM/YYYY")
                source = st.text_input("Nguồn", placeholder="Bảo hiểm xã hội tỉnh, công văn số …")
                if st.form_submit_button("Công bố danh sách", type="primary"):
                    with shown_errors():
                        writes.publish(con, user, month, source, day)
                    count = publication.publications(con)["employers"].iloc[0]
                    st.session_state["publication_notice"] = (
                        f"Đã công bố danh sách {fmt.month(month)} ({fmt.number(count)} đơn vị) trên trang «Công khai "
                        "kết quả».")
                    st.rerun()
        if not done.empty:
            st.subheader("Các lần công bố")
            table(done.assign(state=done["withdrawn_at"].isna().map({True: "Đang công khai", False: "Đã rút"}),
                              period=done["period"].map(fmt.month), published_on=done["published_on"].map(fmt.date)),
                  {"id": "Số", "period": "Tháng", "published_on": "Ngày công bố", "source": "Nguồn",
                   "employers": "Số đơn vị", "published_by": "Người công bố", "state": "Trạng thái"},
                  {"id": "plain"}, pinned=("id",), wide=("source",))
            active = done[done["withdrawn_at"].isna()]
            if not active.empty:
                c1, c2 = st.columns([2, 1])
                period_of = active.set_index("id")["period"]
                gone = c1.selectbox("Rút lần công bố", active["id"].tolist(), key="withdraw_publication",
                                    format_func=lambda i: f"Số {i}: {fmt.month(period_of.at[i])}")
                c2.write("")
                if c2.button("Rút khỏi trang công khai"):
                    with shown_errors():
                        writes.withdraw_publication(con, user, int(gone))
                    st.session_state["publication_notice"] = f"Đã rút lần công bố số {gone} khỏi trang công khai."
                    st.rerun()

    with tab_settings:
        current = {("thresholds", k): v for k, v in settings.thresholds.items()}
        current |= {("reporting", "monthly_due_day"): settings.monthly_due_day,
                    ("access", "idle_minutes"): settings.idle_minutes,
                    ("access", "viewing_requires_login"): settings.viewing_requires_login,
                    ("backup", "keep"): settings.backup_keep}
        with st.form("settings"):
            chosen = {}
            for key, (kind, low, high, label) in EDITABLE.items():
                if kind is bool:
                    chosen[key] = st.checkbox(label, value=bool(current[key]))
                else:
                    chosen[key] = st.number_input(label, min_value=kind(low), max_value=kind(high),
                                                  value=kind(current[key]), step=kind(1))
            if st.form_submit_button("Lưu cấu hình"):
                with shown_errors():
                    done = writes.change_settings(con, user, chosen)
                st.success("Đã lưu: " + "; ".join(done) if done else "Không có thay đổi.")

    with tab_backup:
        if settings.backup_daily_at:
            daily = (f"Mỗi ngày lúc {settings.backup_daily_at} máy chủ tự sao lưu, giữ {settings.backup_keep} bản gần "
                     "nhất")
        else:
            daily = "Chưa bật sao lưu hằng ngày (daily_at trong mục [backup] của tệp cấu hình)"
        st.caption(usertext.literal(
            f"{daily}; bản sao lưu bấm tay được giữ cho đến khi xoá. Thư mục: {backup.folder(settings)}. Khôi phục "
            "khi máy chủ đã dừng: python -m analytics backup restore THƯ_MỤC (hoặc tệp ZIP tải về)."))
        if st.button("Sao lưu ngay", type="primary", help="Máy chủ vẫn chạy; mọi người vẫn làm việc bình thường."):
            with shown_errors():
                st.session_state["backup_made"] = writes.make_backup(con, user, settings)
        # Kept for the tab's session, so that ticking the box below does not lose the download it changes.
        if (made := st.session_state.get("backup_made")) and made.directory.is_dir():
            st.success(f"Đã sao lưu vào {usertext.literal(made.directory.name)}: {fmt.number(made.tables)} bảng, "
                       f"{fmt.number(made.rows)} dòng, {fmt.number(made.size_bytes / 2**20, 1)} MB, "
                       f"{fmt.number(made.seconds, 1)} giây.")
            with_accounts = st.checkbox("Kèm tài khoản (mã băm mật khẩu)", key="backup_with_accounts")
            st.caption("Khi chọn, tệp tải về chứa mã băm mật khẩu của mọi tài khoản: ai có tệp có thể dò mật khẩu, "
                       "nên hãy giữ tệp như giữ một mật khẩu. Khi không chọn, khôi phục từ tệp giữ nguyên các tài "
                       "khoản "
                       "đang có. Tệp không bao giờ chứa khóa hay phiên đăng nhập: sau khi khôi phục, mọi người đăng "
                       "nhập lại.")
            offer("Tải bản sao lưu kèm tài khoản (.zip)" if with_accounts else "Tải bản sao lưu (.zip)",
                  lambda d=made.directory, a=with_accounts: backup.zipped(d, with_accounts=a),
                  f"{made.directory.name}{'-kem-tai-khoan' if with_accounts else ''}.zip", ZIP, needs="backup")
        with shown_errors():
            kept = backup.overview(settings)
        if kept.empty:
            st.info("Chưa có bản sao lưu nào trong thư mục.")
        else:
            st.dataframe(kept.assign(kind=kept["kind"].map(labels.BACKUP_KIND),
                                     made_at=kept["made_at"].dt.strftime("%d/%m/%Y %H:%M:%S")),
                         hide_index=True, width="stretch", column_config={
                             "name": "Bản sao lưu", "kind": "Loại", "made_at": "Thời điểm",
                             "size_mb": st.column_config.NumberColumn("Dung lượng (MB)", format="localized")})

    with tab_audit:
        with shown_errors():
            log = audit.entries(con)
        table(log.assign(happened_at=log["happened_at"].dt.strftime("%d/%m/%Y %H:%M:%S")),
              ["id", "happened_at", "actor", "action", "detail"], {"id": "plain"}, pinned=("id",))
        c1, c2 = st.columns(2)
        offer("Tải CSV", exports.to_csv(log), "nhat-ky.csv", CSV, needs="audit", where=c1)
        offer("Tải Excel", exports.to_xlsx(log, "Nhật ký"), "nhat-ky.xlsx", XLSX, needs="audit", where=c2)
        st.caption(f"{fmt.number(len(log))} mục gần nhất.")
