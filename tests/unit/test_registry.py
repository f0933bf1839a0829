import re

from analytics.units.registry import load_registry


def test_province_registry_joins_both_packages():
    reg = load_registry("Hưng Yên", "vietnam-provinces")
    assert len(reg.units) == 104
    assert reg.units["code"].is_unique
    assert (reg.units["unit_type"] == "phường").sum() == 11
    assert reg.units[["lat", "lon", "area_km2"]].notna().all().all()
    nq = reg.units[reg.units["name"] == "Xã Như Quỳnh"].iloc[0]
    assert nq["code"] == "11986"
    assert reg.aliases.to_dict("records") == [
        {"alias": "12004", "code": "11986", "source": "vietnamadminunits"},
        {"alias": "12073", "code": "12052", "source": "vietnamadminunits"},
        {"alias": "12223", "code": "12220", "source": "vietnamadminunits"},
        {"alias": "12583", "code": "12478", "source": "vietnamadminunits"},
        {"alias": "12916", "code": "12841", "source": "vietnamadminunits"},
    ]
    # the double space one package writes is reported and not kept
    assert "Xã Bắc Đông Quan" in set(reg.units["name"])
    assert any("«Xã  Bắc Đông Quan»" in d for d in reg.disagreements)
    assert sum(bool(re.search(r": mã \d{5} \(vietnam-provinces\) khác", d)) for d in reg.disagreements) == 5


def test_primary_package_is_a_setting():
    reg = load_registry("Hưng Yên", "vietnamadminunits")
    assert reg.units.set_index("name").loc["Xã Như Quỳnh", "code"] == "12004"
    assert dict(zip(reg.aliases["alias"], reg.aliases["code"]))["11986"] == "12004"


def test_national_registry_has_every_unit():
    reg = load_registry(None)
    assert len(reg.units) == 3321
    code_disagreements = [d for d in reg.disagreements if re.search(r": mã \d{5} \(vietnam-provinces\) khác", d)]
    swapped = [d for d in reg.disagreements if "không dùng làm bí danh" in d]
    # 123 units disagree; in 9 the other code is another unit's primary code, so 114 aliases remain
    assert (len(code_disagreements), len(swapped), len(reg.aliases)) == (123, 9, 114)
    assert not reg.aliases["alias"].isin(reg.units["code"]).any()
