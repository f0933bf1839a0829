"""Scopes by label and single sign-on identities, on the tiny plan (three communes of one former district)."""

from __future__ import annotations

import dataclasses

import pytest

from analytics.access import accounts, identity
from analytics.errors import IdentityRefused
from analytics.figures import standing
from analytics.storage import writes
from analytics.units import scopes

PASSWORD = "mat-khau-dai-du-10"


def test_scope_labels_and_their_codes(tiny):
    units = standing.commune_units(tiny)
    assert scopes.options(units) == ["Toàn tỉnh", "Tỉnh cũ: Tỉnh Hưng Yên", "Huyện cũ: Thành phố Hưng Yên",
                                     "Phường Phố Hiến", "Xã Tân Hưng", "Phường Hồng Châu"]
    assert scopes.codes(units, "Toàn tỉnh") is None
    assert scopes.codes(units, "Tỉnh cũ: Tỉnh Hưng Yên") == ["11953", "11977", "11980"]
    assert scopes.codes(units, "Huyện cũ: Thành phố Hưng Yên") == ["11953", "11977", "11980"]
    assert scopes.codes(units, "Xã Tân Hưng") == ["11977"]
    assert scopes.codes(units, "Huyện cũ: Huyện Không Có") == []


def test_an_identity_gets_in_only_as_its_enabled_local_account(tiny, tiny_settings):
    writes.create_user(tiny, accounts.SYSTEM, "an@so.gov.vn", "Nguyễn Văn An", "analyst", PASSWORD)
    writes.create_user(tiny, accounts.SYSTEM, "binh@so.gov.vn", "Trần Bình", "admin", PASSWORD)
    writes.set_disabled(tiny, accounts.SYSTEM, "binh@so.gov.vn", True)
    assert identity.sso_user(tiny, tiny_settings, "An@So.gov.vn", "An") == accounts.User(
        "an@so.gov.vn", "Nguyễn Văn An", "analyst")
    with pytest.raises(IdentityRefused, match="«binh@so.gov.vn».*đã bị khoá"):
        identity.sso_user(tiny, tiny_settings, "binh@so.gov.vn", "Bình")
    with pytest.raises(IdentityRefused, match="«khach@example.com» của tổ chức chưa được cấp quyền"):
        identity.sso_user(tiny, tiny_settings, "khach@example.com", None)
    tiny.execute("UPDATE users SET role = 'viewer' WHERE username = 'an@so.gov.vn'")  # a role change applies at once
    assert identity.sso_user(tiny, tiny_settings, "an@so.gov.vn").role == "viewer"


def test_a_named_domain_lets_its_other_identities_in_with_the_default_role(tiny, tiny_settings):
    writes.create_user(tiny, accounts.SYSTEM, "binh@so.gov.vn", "Trần Bình", "admin", PASSWORD)
    writes.set_disabled(tiny, accounts.SYSTEM, "binh@so.gov.vn", True)
    allowed = dataclasses.replace(tiny_settings, sso_allowed_domain="so.gov.vn", sso_default_role="viewer")
    assert identity.sso_user(tiny, allowed, "Khach@So.gov.vn", "Khách") == accounts.User(
        "khach@so.gov.vn", "Khách", "viewer")
    for refused in ("binh@so.gov.vn", "khach@example.com", "khach@so.gov.vn.example.com", ""):
        with pytest.raises(IdentityRefused):  # a disabled account stays out, whatever its domain
            identity.sso_user(tiny, allowed, refused)
