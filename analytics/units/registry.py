"""The official registry of a province's 2025 units, from two maintained packages.

``vietnam-provinces`` gives code, name and type; ``vietnamadminunits`` gives the
centroid and area. They disagree on a few codes, and one writes some names with
a double space, so they are joined by normalised name within the province,
never by code alone. The secondary package's code becomes an alias.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import vietnam_provinces as vp

from analytics.errors import RegistryError
from analytics.units.groups import query
from analytics.units.names import fold, nfc, normalise

PACKAGES = ("vietnam-provinces", "vietnamadminunits")


@dataclass(frozen=True)
class Registry:
    units: pd.DataFrame  # code, name, unit_type, lat, lon, area_km2
    aliases: pd.DataFrame  # alias, code, source
    disagreements: list[str]


def _province_key(name: str) -> str:
    """'Thành phố Hà Nội', 'Hà Nội' and 'ha noi' are one province."""
    key = fold(name)
    for prefix in ("thanh pho ", "tinh "):
        key = key.removeprefix(prefix)
    return key


def _vp_units(province: str | None) -> pd.DataFrame:
    provinces = {p.code: p.name for p in vp.Province.iter_all()}
    wanted = [c for c, n in provinces.items() if province is None or _province_key(n) == _province_key(province)]
    if not wanted:
        raise RegistryError(f"Gói vietnam-provinces không có tỉnh/thành phố «{province}».")
    rows = [
        {"province": provinces[w.province_code], "code": f"{int(w.code):05d}", "name": w.name,
         "unit_type": w.division_type.value}
        for w in vp.Ward.iter_all() if w.province_code in wanted
    ]
    return pd.DataFrame(rows)


def _vau_units(province: str | None) -> pd.DataFrame:
    rows = query(
        "SELECT provinceShort AS province, ward AS name, wardCode AS code, wardLat AS lat, "
        "wardLon AS lon, wardAreaKm2 AS area_km2 FROM admin_units"
    )
    df = pd.DataFrame(rows)
    if province is not None:
        df = df[df["province"].map(_province_key) == _province_key(province)]
    if df.empty:
        raise RegistryError(f"Gói vietnamadminunits không có tỉnh/thành phố «{province}».")
    df["code"] = df["code"].map(lambda c: f"{int(c):05d}")
    return df


def load_registry(province: str | None, primary: str = "vietnam-provinces") -> Registry:
    """Units of ``province`` (every province when None), joined across both packages."""
    if primary not in PACKAGES:
        raise RegistryError(f"Nguồn danh mục chính phải là một trong {PACKAGES}, không phải «{primary}».")
    a, b = _vp_units(province), _vau_units(province)
    for df in (a, b):
        df["key"] = df["province"].map(_province_key) + "|" + df["name"].map(normalise)
    if a["key"].duplicated().any() or b["key"].duplicated().any():
        raise RegistryError("Danh mục có hai đơn vị trùng tên trong cùng một tỉnh.")
    joined = a.merge(b, on="key", how="outer", suffixes=("_vp", "_vau"), indicator=True)
    notes = []
    for _, r in joined.iterrows():
        if r["_merge"] != "both":
            only = r["name_vp"] if r["_merge"] == "left_only" else r["name_vau"]
            notes.append(f"«{only}» chỉ có trong gói "
                         f"{'vietnam-provinces' if r['_merge'] == 'left_only' else 'vietnamadminunits'}.")
            continue
        if r["code_vp"] != r["code_vau"]:
            notes.append(f"{nfc(r['name_vp'])}: mã {r['code_vp']} (vietnam-provinces) khác "
                         f"{r['code_vau']} (vietnamadminunits).")
        if r["name_vp"] != r["name_vau"]:
            notes.append(f"Tên viết khác nhau: «{r['name_vp']}» (vietnam-provinces) và "
                         f"«{r['name_vau']}» (vietnamadminunits).")
    both = joined[joined["_merge"] == "both"]
    main, other = ("vp", "vau") if primary == "vietnam-provinces" else ("vau", "vp")
    units = pd.DataFrame({
        "code": both[f"code_{main}"],
        "name": both[f"name_{main}"].map(nfc),
        "unit_type": both["unit_type"],
        "lat": both["lat"].astype(float),
        "lon": both["lon"].astype(float),
        "area_km2": both["area_km2"].astype(float),
    }).sort_values("code").reset_index(drop=True)
    differs = both[both[f"code_{main}"] != both[f"code_{other}"]]
    aliases = pd.DataFrame({
        "alias": differs[f"code_{other}"],
        "code": differs[f"code_{main}"],
        "source": PACKAGES[1] if main == "vp" else PACKAGES[0],
    }).sort_values("alias").reset_index(drop=True)
    clash = aliases["alias"].isin(units["code"])
    for _, r in aliases[clash].iterrows():  # a primary code always wins over an alias
        notes.append(f"Mã {r['alias']} ({r['source']}) là mã chính của đơn vị khác nên không dùng "
                     f"làm bí danh của mã {r['code']}.")
    return Registry(units, aliases[~clash].reset_index(drop=True), sorted(notes))
