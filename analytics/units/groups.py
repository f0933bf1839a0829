"""Grouping of 2025 units by the district and province they came from.

The official conversion of pre-2025 wards to 2025 units (vietnamadminunits'
converter data) says which old wards each unit absorbed; a unit belongs to the
former district that gave it most of its wards.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import pandas as pd

from analytics.units.names import fold


def query(sql: str) -> list[dict]:
    """A query of vietnamadminunits' database, imported only when the registry or polygons are built:
    importing the package loads its whole database (~60 MiB) into memory."""
    from vietnamadminunits.database import query as run

    return run(sql)


@lru_cache(maxsize=1)
def conversion() -> dict:
    path = resources.files("vietnamadminunits") / "data" / "converter_2025.json"
    return json.loads(path.read_text(encoding="utf-8"))


def package_province_key(province: str) -> str | None:
    wanted = fold(province)
    for row in query("SELECT DISTINCT provinceKey, province, provinceShort FROM admin_units"):
        if wanted in (fold(row["province"]), fold(row["provinceShort"])):
            return row["provinceKey"]
    return None


def legacy_wards(province: str) -> pd.DataFrame:
    """Pre-2025 wards of the province with the 2025 unit (package key) each became."""
    key = package_province_key(province)
    if key is None:
        return pd.DataFrame(columns=["old_key", "new_key", "district", "province", "lat", "lon"])
    conv = conversion()
    target = {old: new for new, olds in conv["DICT_PROVINCE_WARD_NO_DIVIDED"][key].items() for old in olds}
    for old, news in conv["DICT_PROVINCE_WARD_DIVIDED"].get(key, {}).items():
        target[old] = next(n["newWardKey"] for n in news if n["isDefaultNewWard"])
    old_provinces = conv["DICT_PROVINCE"][key]
    rows = query(
        "SELECT provinceKey || '_' || districtKey || '_' || wardKey AS old_key, district, province, "
        "wardLat AS lat, wardLon AS lon, provinceKey FROM admin_units_legacy"
    )
    frame = pd.DataFrame([r for r in rows if r["provinceKey"] in old_provinces]).drop(columns="provinceKey")
    frame["new_key"] = frame["old_key"].map(target)
    return frame.dropna(subset=["new_key"]).reset_index(drop=True)


def former_units(province: str, units: pd.DataFrame) -> pd.DataFrame:
    """code, former_district, former_province for every unit in ``units`` (None where unknown)."""
    key = package_province_key(province)
    package = pd.DataFrame(query(
        "SELECT wardKey AS new_key, ward AS name, provinceKey FROM admin_units"
    ))
    package = package[package["provinceKey"] == key]
    by_name = {fold(n): k for n, k in zip(package["name"], package["new_key"])}
    wards = legacy_wards(province)
    majority = (wards.groupby(["new_key", "district", "province"]).size().rename("n").reset_index()
                .sort_values(["new_key", "n", "district"], ascending=[True, False, True])
                .drop_duplicates("new_key").set_index("new_key"))
    out = []
    for code, name in zip(units["code"], units["name"]):
        key_of = by_name.get(fold(name))
        found = majority.loc[key_of] if key_of in majority.index else None
        out.append({"code": code,
                    "former_district": None if found is None else found["district"],
                    "former_province": None if found is None else found["province"]})
    return pd.DataFrame(out)
