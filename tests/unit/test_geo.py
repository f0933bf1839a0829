"""Commune polygons: the derived tiling, the shipped boundary file, and files written differently."""

from __future__ import annotations

import unicodedata

import geopandas as gpd
import pytest
import shapely

from analytics.units.registry import load_registry
from geo import GEO_DIR, attribution, derive_polygons, find_boundary_file, load_boundaries, province_outline
from geo.boundaries import DERIVED_ATTRIBUTION
from geo.derive import metric_crs

PROVINCE = "Hưng Yên"
SHIPPED = GEO_DIR / "hung_yen_communes_2025.geojson"


@pytest.fixture(scope="module")
def registry():
    return load_registry(PROVINCE, "vietnam-provinces")


@pytest.fixture(scope="module")
def crs(registry):
    return metric_crs(registry.units["lon"], registry.units["lat"])


@pytest.fixture(scope="module")
def derived(registry):
    polygons, issues = load_boundaries(registry.units, registry.aliases, None, PROVINCE)
    assert issues == []
    return polygons


@pytest.fixture(scope="module")
def shipped():
    return gpd.read_file(SHIPPED)


@pytest.fixture(scope="module")
def expected_codes(registry, shipped):
    """The registry code of each shipped feature: its own code, or the unit it is an alias of."""
    alias_of = dict(zip(registry.aliases["alias"], registry.aliases["code"]))
    return [alias_of.get(c, c) for c in shipped["code"]]


def test_derived_polygons_one_valid_polygon_per_unit(derived, registry):
    assert len(derived) == 104
    assert derived["code"].tolist() == registry.units["code"].tolist()
    assert derived["name"].tolist() == registry.units["name"].tolist()
    assert set(derived["source"]) == {"derived"}
    assert derived.crs.to_epsg() == 4326
    assert derived.is_valid.all()
    assert not derived.is_empty.any()
    assert (derived.geom_type == "Polygon").all()  # detached pieces were handed to neighbours


def test_derived_polygons_tile_the_outline(derived, crs):
    cells = derived.to_crs(crs).geometry.to_numpy()
    union = shapely.union_all(cells)
    left, right = shapely.STRtree(cells).query(cells, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(cells[left[pairs]], cells[right[pairs]])).sum()
    assert pairs.sum() > 200  # neighbours touch: the check below is not vacuous
    assert overlap < 1e-4 * union.area
    outline = gpd.GeoSeries([province_outline(PROVINCE)], crs=4326).to_crs(crs).iloc[0]
    assert outline.area > 2000e6  # the province is about 2 500 km²
    assert union.symmetric_difference(outline).area < 5e-3 * outline.area


def test_derived_polygons_are_deterministic(derived, registry):
    again = derive_polygons(PROVINCE, registry.units)
    assert (again.geometry.to_wkb() == derived.geometry.to_wkb()).all()


def test_shipped_file_is_found_and_credited():
    assert find_boundary_file(GEO_DIR) == SHIPPED
    assert attribution(SHIPPED) == ("Ranh giới hành chính: sapnhap.bando.com.vn, "
                                    "qua vietnamese-provinces-database (MIT)")
    assert attribution(None) == DERIVED_ATTRIBUTION


def test_no_boundary_file_in_an_empty_folder(tmp_path):
    assert find_boundary_file(tmp_path) is None
    assert find_boundary_file(tmp_path / "missing") is None


def test_shipped_file_matches_every_unit_five_by_alias(registry, shipped, expected_codes):
    polygons, issues = load_boundaries(registry.units, registry.aliases, SHIPPED, PROVINCE)
    assert (polygons["source"] == "file").all()
    assert polygons["code"].tolist() == registry.units["code"].tolist()
    assert polygons.is_valid.all()
    assert sorted((i["code"], i["method"]) for i in issues) == [
        ("11986", "alias"), ("12052", "alias"), ("12220", "alias"), ("12478", "alias"), ("12841", "alias"),
    ]
    by_code = polygons.set_index("code").geometry
    for code, geometry in zip(expected_codes, shipped.geometry):
        assert by_code[code].equals(geometry)


def _no_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
                   if not unicodedata.combining(c))


def _no_prefix(text: str) -> str:
    return text.removeprefix("Xã ").removeprefix("Phường ")


ALTERATIONS = (
    _no_prefix,
    str.upper,
    _no_accents,
    lambda name: _no_accents(_no_prefix(name)).upper(),
    lambda name: unicodedata.normalize("NFD", name),
)


def test_differently_written_file_matches_every_unit(registry, shipped, expected_codes, tmp_path):
    written = [name if "Thuỵ" in name else ALTERATIONS[i % len(ALTERATIONS)](name)
               for i, name in enumerate(shipped["fullName"])]
    assert written[:4] == ["Phố Hiến", "XÃ TÂN HƯNG", "Phuong Hong Chau", "SON NAM"]
    assert written[4] != "Xã Lạc Đạo" and unicodedata.normalize("NFC", written[4]) == "Xã Lạc Đạo"
    assert "Xã Thái Thuỵ" in written  # old-style tone mark; the registry writes "Thụy"
    bogus = shapely.Point(106.0, 20.5).buffer(0.01)
    frame = gpd.GeoDataFrame({"ten_xa": written + ["Xã Không Có Thật"]},
                             geometry=[*shipped.geometry, bogus], crs=4326)
    path = tmp_path / "renamed.geojson"
    frame.to_file(path)
    polygons, issues = load_boundaries(registry.units, registry.aliases, path, PROVINCE)
    assert (polygons["source"] == "file").all()
    by_code = polygons.set_index("code").geometry
    for code, geometry in zip(expected_codes, shipped.geometry):
        assert by_code[code].equals(geometry)
    matched = {i["label"]: i["code"] for i in issues if i["code"]}
    assert matched == dict(zip(written, expected_codes))  # every renamed feature is reported
    methods = {i["method"] for i in issues if i["code"]}
    assert {"normalised", "fuzzy_folded"} <= methods <= {"normalised", "fuzzy", "fuzzy_folded"}
    unmatched = [i for i in issues if i["code"] is None]
    assert [(i["label"], i["method"]) for i in unmatched] == [("Xã Không Có Thật", "none")]


def test_units_missing_from_the_file_become_circles(registry, shipped, crs, tmp_path):
    dropped = ["11953", "12841", "13279"]  # 12841 is shipped under its alias 12916
    keep = ~shipped["code"].isin(["11953", "12916", "13279"])
    path = tmp_path / "partial.shp"
    shipped[keep][["code", "name", "geometry"]].to_file(path)
    polygons, issues = load_boundaries(registry.units, registry.aliases, path, PROVINCE)
    assert (polygons["source"] == "file").sum() == 101
    circles = polygons[polygons["source"] == "circle"]
    assert sorted(circles["code"]) == dropped
    units = registry.units.set_index("code").loc[circles["code"]]
    metric = circles.to_crs(crs).geometry.to_numpy()
    area_km2 = shapely.area(metric) / 1e6
    assert area_km2 == pytest.approx(units["area_km2"].to_numpy(), rel=0.01)
    centres = gpd.GeoSeries(gpd.points_from_xy(units["lon"], units["lat"]), crs=4326).to_crs(crs)
    assert shapely.distance(shapely.centroid(metric), centres.to_numpy()).max() < 1.0
    assert [i["method"] for i in issues] == ["alias"] * 4
