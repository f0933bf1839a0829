"""Accounts: argon2 hashes, roles enforced in analytics, throttled wrong passwords, audited logins."""

import datetime as dt

import pytest

from analytics.access import accounts, audit
from analytics.cli import main
from analytics.errors import LoginFailed, NotAuthorised, SettingsError, UserExists
from analytics.storage import db, writes

NOW = dt.datetime(2026, 11, 27, 8, 0)
PASSWORD = "mat-khau-dai-du-10"


@pytest.fixture
def people(con):
    writes.create_user(con, accounts.SYSTEM, "admin", "Quản trị", "admin", PASSWORD, NOW)
    admin = writes.authenticate(con, "admin", PASSWORD, NOW)
    writes.create_user(con, admin, "chuyenvien", "Chuyên viên", "analyst", PASSWORD, NOW)
    writes.create_user(con, admin, "lanhdao", "Lãnh đạo", "viewer", PASSWORD, NOW)
    return con


def test_roles_allow_what_they_should(people):
    viewer = writes.authenticate(people, "lanhdao", PASSWORD, NOW)
    analyst = writes.authenticate(people, "chuyenvien", PASSWORD, NOW)
    assert viewer == accounts.User("lanhdao", "Lãnh đạo", "viewer")
    assert [viewer.can(a) for a in ("view", "upload", "explore", "accounts")] == [True, False, False, False]
    assert [analyst.can(a) for a in ("view", "upload", "explore", "accounts")] == [True, True, True, False]
    with pytest.raises(NotAuthorised, match="lanhdao"):
        accounts.require(viewer, "upload")
    with pytest.raises(NotAuthorised, match="chưa đăng nhập"):
        accounts.require(None, "view")


def test_only_admins_create_accounts(people):
    analyst = writes.authenticate(people, "chuyenvien", PASSWORD, NOW)
    before = db.checksums(people)
    with pytest.raises(NotAuthorised):
        writes.create_user(people, analyst, "x", "X", "admin", PASSWORD)
    with pytest.raises(UserExists):
        writes.create_user(people, accounts.SYSTEM, "Admin", "X", "admin", PASSWORD)
    assert db.checksums(people) == before


def test_password_is_hashed_and_never_logged(people):
    stored = people.execute("SELECT password_hash FROM users WHERE username = 'admin'").fetchone()[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    with pytest.raises(LoginFailed):
        writes.authenticate(people, "admin", "sai-mat-khau-roi", NOW)
    log = audit.entries(people).to_string()
    assert PASSWORD not in log and "sai-mat-khau-roi" not in log and "$argon2" not in log
    assert "hash" not in " ".join(accounts.users(people).columns)


def test_wrong_passwords_hold_back_their_address_not_the_account(people):
    for _ in range(accounts.FREE_FAILURES):
        with pytest.raises(LoginFailed):
            writes.authenticate(people, "chuyenvien", "khong-dung-dau", NOW, client="203.0.113.7")
    with pytest.raises(LoginFailed, match="tạm thời phải chờ"):  # even the right password waits, same message
        writes.authenticate(people, "chuyenvien", PASSWORD, NOW + dt.timedelta(seconds=29), client="203.0.113.7")
    assert writes.authenticate(people, "chuyenvien", PASSWORD, NOW, client="198.51.100.2").role == "analyst"
    later = NOW + accounts.FIRST_WAIT
    assert writes.authenticate(people, "chuyenvien", PASSWORD, later, client="203.0.113.7").role == "analyst"
    log = audit.entries(people)
    failed = log[log["action"] == "login_failed"]["detail"].tolist()[::-1]
    assert failed == [f"sai mật khẩu lần thứ {n} từ 203.0.113.7" for n in range(1, 6)] + [
        "tạm chặn 203.0.113.7 đến 27/11/2026 08:00:30 sau 5 lần sai"]
    assert db.rows(people, "SELECT client, failures FROM login_failures ORDER BY client") == [("", 5)]


def test_disabled_account_cannot_log_in(people):
    admin = writes.authenticate(people, "admin", PASSWORD, NOW)
    writes.set_disabled(people, admin, "lanhdao", True, NOW)
    with pytest.raises(LoginFailed):
        writes.authenticate(people, "lanhdao", PASSWORD, NOW)


def test_create_admin_command_reads_password_from_environment(db_file, monkeypatch, capsys):
    monkeypatch.setenv("BHXH_ADMIN_PASSWORD", PASSWORD)
    assert main(["users", "create-admin", "Root"]) == 0
    assert "Đã tạo tài khoản quản trị «root»." in capsys.readouterr().out
    con = db.connect(db_file)
    assert writes.authenticate(con, "root", PASSWORD).role == "admin"
    monkeypatch.setenv("BHXH_ADMIN_PASSWORD", "ngan")
    assert main(["users", "create-admin", "other"]) == 1


def test_only_admins_change_settings_and_each_change_is_audited(people, plan_dir):
    from analytics.settings import load_settings

    plan = plan_dir / "plan.toml"
    analyst = writes.authenticate(people, "chuyenvien", PASSWORD, NOW)
    admin = writes.authenticate(people, "admin", PASSWORD, NOW)
    with pytest.raises(NotAuthorised):
        writes.change_settings(people, analyst, {("thresholds", "on_track_pct"): 95}, plan)
    done = writes.change_settings(people, admin, {("thresholds", "on_track_pct"): 95.0,
                                                    ("access", "viewing_requires_login"): True}, plan)
    assert done == ["Ngưỡng đạt tiến độ (%): 98 → 95.0",
                    "Phải đăng nhập mới xem được các trang theo dõi: false → true"]
    changed = load_settings(plan)
    assert changed.thresholds["on_track_pct"] == 95 and changed.viewing_requires_login
    assert "# Status against the trajectory" in plan.read_text(encoding="utf-8")  # comments kept
    log = audit.entries(people)
    assert log[log["action"] == "settings"]["detail"].tolist() == list(reversed(done))
    with pytest.raises(SettingsError):
        writes.change_settings(people, admin, {("reporting", "monthly_due_day"): 40}, plan)
