"""Who a single sign-on identity is here: the enabled local account of the same e-mail address, with its own
role; any other identity only when the settings name its domain, and then with the default role."""

from __future__ import annotations

from analytics.access import accounts
from analytics.errors import IdentityRefused
from analytics.settings import Settings
from analytics.storage.db import Connection
from analytics.text import usertext


def sso_user(con: Connection, settings: Settings, email: str | None, name: str | None = None) -> accounts.User:
    """The identity as a user, checked against the accounts as they are now; IdentityRefused otherwise."""
    address = str(email or "").strip().lower()
    local = accounts.users(con)
    local = local[local["username"] == address]
    if len(local) and not local.iloc[0]["disabled"]:
        found = local.iloc[0]
        return accounts.User(address, str(found["display_name"]), str(found["role"]))
    domain = settings.sso_allowed_domain
    if address and not len(local) and domain and address.endswith("@" + domain):
        return accounts.User(address, usertext.clean(name or address), settings.sso_default_role)
    raise IdentityRefused(f"Tài khoản «{address or '?'}» của tổ chức chưa được cấp quyền vào ứng dụng này"
                          + (" hoặc đã bị khoá" if len(local) else "")
                          + ". Hãy đề nghị quản trị tạo tài khoản trùng với địa chỉ thư điện tử này.")
