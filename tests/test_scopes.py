"""Scopes by label and single sign-on identities, on the tiny plan (three communes of one former district)."""

from __future__ import annotations

from analytics import accounts, identity, metrics, scopes

PASSWORD = "mat-khau-dai-du-10"


def test_scope_labels_and_their_codes(tiny):
    units = metrics.communes(tiny)
    assert scopes.options(units) == ["Toàn tỉnh", "Tỉnh cũ: Tỉnh Hưng Yên", "Huyện cũ: Thành phố Hưng Yên",
                                     "Phường Phố Hiến", "Xã Tân Hưng", "Phường Hồng Châu"]
    assert scopes.codes(units, "Toàn tỉnh") is None
    assert scopes.codes(units, "Tỉnh cũ: Tỉnh Hưng Yên") == ["11953", "11977", "11980"]
    assert scopes.codes(units, "Huyện cũ: Thành phố Hưng Yên") == ["11953", "11977", "11980"]
    assert scopes.codes(units, "Xã Tân Hưng") == ["11977"]
    assert scopes.codes(units, "Huyện cũ: Huyện Không Có") == []


def test_an_identity_takes_the_role_of_its_enabled_account(tiny):
    accounts.create_user(tiny, accounts.SYSTEM, "an@so.gov.vn", "Nguyễn Văn An", "analyst", PASSWORD)
    accounts.create_user(tiny, accounts.SYSTEM, "binh@so.gov.vn", "Trần Bình", "admin", PASSWORD)
    accounts.set_disabled(tiny, accounts.SYSTEM, "binh@so.gov.vn", True)
    assert identity.sso_user(tiny, "An@So.gov.vn", "An") == accounts.User("An@So.gov.vn", "An", "analyst")
    assert identity.sso_user(tiny, "binh@so.gov.vn", "Bình").role == "viewer"  # disabled: no admin role
    assert identity.sso_user(tiny, "khach@example.com", None) == accounts.User(
        "khach@example.com", "khach@example.com", "viewer")
