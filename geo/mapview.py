"""What the map draws: commune polygons, a colour class per commune, the legend and tooltip texts.

Classes have fixed breaks, not quantiles, so a colour means the same figure every month and in
every scope. Sequential indicators use viridis and ``progress`` a diverging PuOr scale centred on
100 % with the status thresholds as breaks; both stay distinguishable with colour-vision deficiency.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analytics import communes, db, fmt, labels
from analytics.settings import Settings
from geo.boundaries import attribution, find_boundary_file, load_boundaries

GEO_DIR = Path(__file__).resolve().parent

RGB = tuple[int, int, int]

# Display only: about 11 m, far below a pixel at province zoom; cuts the shipped file's vertices by 4/5.
SIMPLIFY_DEGREES = 0.0001
COORD_DIGITS = 5  # about 1 m

NO_DATA_LABEL = labels.STATUS["no_data"]
NO_DATA_RGB: RGB = (189, 189, 189)

# viridis at 0, 0.1, ..., 1 (matplotlib); intermediate colours are interpolated.
_VIRIDIS = ["#440154", "#482475", "#414487", "#355f8d", "#2a788e", "#21918c",
            "#22a884", "#44bf70", "#7ad151", "#bddf26", "#fde725"]
# ColorBrewer PuOr, 6 classes: orange below the centre, purple above.
_PUOR_6 = ["#b35806", "#f1a340", "#fee0b6", "#d8daeb", "#998ec3", "#542788"]

# Upper bounds of every class but the last, as ratios.
SEQUENTIAL_BREAKS = {
    "attainment": (0.6, 0.7, 0.8, 0.9, 1.0),
    "voluntary_attainment": (0.25, 0.5, 0.75, 1.0),
    "voluntary_share": (0.02, 0.05, 0.1, 0.2),
    "labour_coverage": (0.4, 0.45, 0.5, 0.55, 0.6),
}


@dataclass(frozen=True)
class Boundaries:
    frame: gpd.GeoDataFrame  # code, name, source, geometry (simplified for display)
    attribution: str
    issues: tuple[dict, ...]  # features tied to a unit other than by exact code
    derived: bool  # no boundary file: approximate polygons


def _hex(colour: str) -> RGB:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def _viridis(n: int) -> list[RGB]:
    stops = np.array([_hex(c) for c in _VIRIDIS], dtype=float)
    at = np.linspace(0, len(stops) - 1, n)
    low = np.floor(at).astype(int)
    high = np.minimum(low + 1, len(stops) - 1)
    mix = (at - low)[:, None]
    return [tuple(int(round(v)) for v in row) for row in stops[low] * (1 - mix) + stops[high] * mix]


def scale(indicator: str, thresholds: dict) -> tuple[tuple[float, ...], list[RGB]]:
    """Class breaks and one colour per class (one more colour than breaks); ``thresholds`` as in settings."""
    if indicator == "progress":
        very_late = thresholds["very_late_pct"] / 100
        on_track = thresholds["on_track_pct"] / 100
        breaks = (very_late, on_track, 1.0, 2 - on_track, 2 - very_late)  # mirrored around 100 %
        return tuple(round(b, 6) for b in breaks), [_hex(c) for c in _PUOR_6]
    breaks = SEQUENTIAL_BREAKS[indicator]
    return breaks, _viridis(len(breaks) + 1)


def _digits(breaks) -> int:
    return 0 if all(math.isclose(b * 100, round(b * 100), abs_tol=1e-9) for b in breaks) else 1


def legend(indicator: str, thresholds: dict) -> list[tuple[str, RGB]]:
    """(label, colour) per class, e.g. "< 90 %", "90–98 %", …, "≥ 110 %", then the no-data grey."""
    breaks, colours = scale(indicator, thresholds)
    d = _digits(breaks)
    labels = [f"< {fmt.percent(breaks[0], d)}"]
    labels += [f"{fmt.number(lo * 100, d)}–{fmt.percent(hi, d)}" for lo, hi in zip(breaks, breaks[1:])]
    labels.append(f"≥ {fmt.percent(breaks[-1], d)}")
    return [*zip(labels, colours), (NO_DATA_LABEL, NO_DATA_RGB)]


def classify(values, indicator: str, thresholds: dict) -> list[int | None]:
    """Class index of each value (a break belongs to the class above it); None when missing."""
    breaks, _ = scale(indicator, thresholds)
    values = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    found = np.digitize(values, breaks, right=False)
    return [None if math.isnan(v) else int(i) for v, i in zip(values, found)]


def _rings(polygon) -> list[list[list[float]]]:
    return [np.round(np.asarray(ring.coords)[:, :2], COORD_DIGITS).tolist()
            for ring in (polygon.exterior, *polygon.interiors)]


def map_frame(geometry_gdf: gpd.GeoDataFrame, table: pd.DataFrame, indicator: str, thresholds: dict, *,
              highlight: list[str] | None = None) -> pd.DataFrame:
    """One row per polygon part (a PolygonLayer draws no multipolygons) with colours and tooltip texts.

    ``table`` is `metrics.commune_table`; ``highlight`` the codes of the chosen scope (None: all).
    """
    classes = legend(indicator, thresholds)
    figures = table.set_index("code")
    rows = []
    for code, name, geom in zip(geometry_gdf["code"], geometry_gdf["name"], geometry_gdf.geometry):
        row = figures.loc[code] if code in figures.index else pd.Series(dtype=object)
        value = row.get(indicator, math.nan)
        band = classify([value], indicator, thresholds)[0]
        label, rgb = classes[-1] if band is None else classes[band]
        chosen = highlight is None or code in highlight
        alpha = 230 if chosen else 70
        outline = [30, 30, 30, 255] if highlight is not None and chosen else [110, 110, 110, 160]
        width = 3 if highlight is not None and chosen else 1
        texts = {
            "tip_name": name,
            "tip_value": fmt.percent(value),
            "tip_total": fmt.number(row.get("total", math.nan)),
            "tip_target": fmt.number(row.get("target", math.nan)),
            "tip_status": labels.STATUS.get(row.get("status"), NO_DATA_LABEL),
        }
        for part in shapely.get_parts(geom):
            rows.append({"code": code, "name": name, "band": label, "selected": chosen,
                         "polygon": _rings(part), "fill": [*rgb, alpha], "line": outline, "line_width": width,
                         **texts})
    return pd.DataFrame(rows)


def fit_view(geometry_gdf: gpd.GeoDataFrame, codes: list[str] | None = None,
             width_px: int = 700, height_px: int = 600) -> dict:
    """latitude, longitude, zoom showing ``codes`` (or every unit) in a viewport of about this size."""
    shown = geometry_gdf if not codes else geometry_gdf[geometry_gdf["code"].isin(codes)]
    if shown.empty:
        shown = geometry_gdf
    west, south, east, north = shown.total_bounds
    lat = (south + north) / 2
    # Web Mercator: a degree of latitude spans 1/cos(lat) times the pixels of a degree of longitude.
    dlon = max(east - west, 1e-3)
    dlat = max(north - south, 1e-3) / math.cos(math.radians(lat))
    zoom = math.log2(min(width_px / dlon, height_px / dlat) * 360 / 256) - 0.8
    return {"latitude": float(lat), "longitude": float((west + east) / 2), "zoom": round(min(zoom, 12.0), 2)}


@lru_cache(maxsize=8)
def _boundaries(province: str, path: str | None, mtime: float, columns: tuple, units: tuple, aliases: tuple,
                fuzzy_accept: float, ambiguity_margin: float) -> Boundaries:
    """``mtime`` is only part of the key: a replaced boundary file is read again."""
    unit_frame = pd.DataFrame(list(units), columns=list(columns))
    alias_frame = pd.DataFrame(list(aliases), columns=["alias", "code"])
    file = Path(path) if path else None
    frame, issues = load_boundaries(unit_frame, alias_frame, file, province, fuzzy_accept, ambiguity_margin)
    frame = frame.set_geometry(frame.geometry.simplify(SIMPLIFY_DEGREES, preserve_topology=True))
    return Boundaries(frame, attribution(file), tuple(issues), file is None)


def geometry(con, settings: Settings, geo_dir: Path = GEO_DIR) -> Boundaries:
    """Polygons for every unit from the shipped boundary file, else derived; read once per process."""
    path = find_boundary_file(geo_dir)
    units = communes.units(con)
    records = tuple(tuple(None if pd.isna(v) else v for v in row) for row in units.itertuples(index=False))
    aliases = db.rows(con, "SELECT alias, code FROM commune_aliases ORDER BY alias")
    return _boundaries(
        settings.province, str(path) if path else None, path.stat().st_mtime if path else 0.0,
        tuple(units.columns), records, tuple(aliases), settings.fuzzy_accept, settings.ambiguity_margin,
    )
