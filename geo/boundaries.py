"""Commune polygons for the map: from a boundary file when one ships, else derived.

Boundary files come from many hands, with codes from one package or another and
names written every which way, so each feature is tied to an official unit by
code (or alias code) first and by name second, and every tie that is not exact
is reported for the app to show. A unit the file lacks is drawn as a circle of
its official area at its official centroid, so the map never silently drops one.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from analytics.errors import SourceFileError
from analytics.units.names import NameMatcher
from geo.derive import derive_polygons, metric_crs

SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")
CODE_FIELDS = ("code", "ma", "ma_xa", "maxa", "ma_dvhc", "wardcode", "commune_code")
NAME_FIELDS = ("fullname", "name", "ten", "ten_xa", "tenxa", "ten_dvhc", "ward", "name_3", "varname_3")
NAME_NOTES = {
    "normalised": "Khớp theo tên sau khi chuẩn hoá (dấu, chữ hoa, tiền tố Xã/Phường).",
    "fuzzy": "Khớp gần đúng theo tên.",
    "fuzzy_folded": "Khớp gần đúng theo tên không dấu.",
}
DERIVED_ATTRIBUTION = "Ranh giới gần đúng, suy ra từ toạ độ trung tâm các xã cũ (vietnamadminunits)"


def find_boundary_file(geo_dir: Path) -> Path | None:
    """The boundary file shipped in ``geo_dir``, if any (GeoJSON first, then GeoPackage, Shapefile)."""
    if not geo_dir.is_dir():
        return None
    files = [p for p in geo_dir.iterdir() if p.suffix.lower() in SUFFIXES]
    return min(files, key=lambda p: (SUFFIXES.index(p.suffix.lower()), p.name), default=None)


def attribution(path: Path | None) -> str:
    """Credit line for the map: the file's sidecar ``<stem>.attribution.txt``, else a plain description."""
    if path is None:
        return DERIVED_ATTRIBUTION
    sidecar = path.with_name(f"{path.stem}.attribution.txt")
    if sidecar.exists():
        return sidecar.read_text(encoding="utf-8").strip()
    return f"Ranh giới hành chính: tệp {path.name}"


def _code(value) -> str | None:
    text = str(value).strip().removesuffix(".0")
    return text.zfill(5) if text.isdigit() else None


def _text(value) -> str:
    return "" if value is None or pd.isna(value) else str(value).strip()


def _fields(columns, wanted) -> list[str]:
    by_lower = {str(c).lower(): c for c in columns}
    return [by_lower[w] for w in wanted if w in by_lower]


def _read(path: Path) -> gpd.GeoDataFrame:
    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except (DataSourceError, DataLayerError) as exc:
        raise SourceFileError(f"Không đọc được tệp ranh giới {path.name}: {exc}") from exc
    frame = frame.set_crs(4326) if frame.crs is None else frame.to_crs(4326)
    geometry = shapely.make_valid(shapely.force_2d(frame.geometry.to_numpy()), method="structure")
    return frame.set_geometry(gpd.GeoSeries(geometry, index=frame.index, crs=4326))


def _circles(units: pd.DataFrame) -> gpd.GeoSeries:
    """A disc of each unit's official area around its official centroid."""
    crs = metric_crs(units["lon"], units["lat"])
    centres = gpd.GeoSeries(gpd.points_from_xy(units["lon"], units["lat"]), index=units["code"], crs=4326)
    radii = (units["area_km2"].to_numpy() * 1e6 / math.pi) ** 0.5
    return centres.to_crs(crs).buffer(radii).to_crs(4326)


def _match_feature(codes, written, names, alias_of, matcher) -> tuple[str | None, str, float, str | None]:
    """(code, method, score, note) for one feature; the note is None for an exact tie."""
    for c in codes:
        if c in names:
            return c, "code", 100.0, None
    for c in codes:
        if c in alias_of:
            return alias_of[c], "alias", 100.0, f"Khớp theo mã phụ {c}."
    matches = [matcher.match(w) for w in written]
    m = next((m for m in matches if m.code), None)
    if m is not None:
        return m.code, m.method, m.score, NAME_NOTES.get(m.method)
    if not matches:
        return None, "none", 0.0, "Không có mã hay tên nào khớp danh mục."
    m = matches[0]
    if m.ambiguous:
        return None, "ambiguous", m.score, f"Tên khớp với nhiều đơn vị: {', '.join(m.suggestions)}."
    return None, "none", m.score, f"Không khớp đơn vị nào; gần nhất: {', '.join(m.suggestions)}."


def _match_file(frame, units, aliases, fuzzy_accept, ambiguity_margin):
    """Feature geometries per official code, and the issues met on the way."""
    names = dict(zip(units["code"], units["name"]))
    alias_of = dict(zip(aliases["alias"], aliases["code"]))
    matcher = NameMatcher(names.items(), fuzzy_accept, ambiguity_margin)
    code_fields, name_fields = _fields(frame.columns, CODE_FIELDS), _fields(frame.columns, NAME_FIELDS)
    found, issues = {}, []
    for i, values in enumerate(frame.to_dict("records")):
        written = [t for t in (_text(values[f]) for f in name_fields) if t]
        codes = [c for c in (_code(values[f]) for f in code_fields) if c]
        label = written[0] if written else codes[0] if codes else f"đối tượng số {i + 1}"
        geom = values[frame.geometry.name]
        if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            code, method, score, note = None, "none", 0.0, "Đối tượng không có vùng (đa giác); bỏ qua."
        else:
            code, method, score, note = _match_feature(codes, written, names, alias_of, matcher)
        if code in found:
            note = "Nhiều đối tượng cùng khớp đơn vị này; đã gộp chung."
            found[code] = found[code].union(geom)
        elif code is not None:
            found[code] = geom
        if note:
            issues.append({"label": label, "code": code, "name": names.get(code), "method": method,
                           "score": score, "note": note})
    return found, issues


def load_boundaries(
    units: pd.DataFrame, aliases: pd.DataFrame, path: Path | None, province: str,
    fuzzy_accept: float = 90, ambiguity_margin: float = 3,
) -> tuple[gpd.GeoDataFrame, list[dict]]:
    """Polygons (code, name, geometry, source) for every unit, and the matches worth a look.

    ``source`` is "file", "circle" (missing from the file) or "derived" (no file). Each issue is a
    dict of label, code (None when nothing matched), name, method, score and a note to show.
    """
    if path is None:
        return derive_polygons(province, units), []
    found, issues = _match_file(_read(Path(path)), units, aliases, fuzzy_accept, ambiguity_margin)
    missing = units[~units["code"].isin(found)]
    geometry = gpd.GeoSeries(found, crs=4326)
    if not missing.empty:
        geometry = pd.concat([geometry, _circles(missing)])
    return gpd.GeoDataFrame(
        {"code": units["code"].to_numpy(), "name": units["name"].to_numpy(),
         "source": ["file" if c in found else "circle" for c in units["code"]]},
        geometry=geometry.reindex(units["code"]).to_numpy(), crs=4326,
    ), issues
