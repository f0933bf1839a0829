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
import pydeck as pdk
import shapely

from analytics.figures import indicators, standing
from analytics.settings import Settings
from analytics.storage import cache, db
from analytics.storage.db import Connection
from analytics.text import fmt, labels
from analytics.units import communes
from geo.boundaries import attribution, find_boundary_file, load_boundaries

GEO_DIR = Path(__file__).resolve().parent

RGB = tuple[int, int, int]

# Display only: about 50 m, below a pixel at province zoom; keeps 1 vertex in 6 of the shipped file's. Units that
# tile the province are simplified as a coverage: neighbours keep one shared border, without gaps or overlaps.
SIMPLIFY_DEGREES = 0.0005
COORD_DIGITS = 4  # about 10 m

NO_DATA_LABEL = labels.STATUS["no_data"]
NO_DATA_RGB: RGB = (189, 189, 189)

# viridis at 0, 0.1, ..., 1 (matplotlib); intermediate colours are interpolated.
_VIRIDIS = ["#440154", "#482475", "#414487", "#355f8d", "#2a788e", "#21918c",
            "#22a884", "#44bf70", "#7ad151", "#bddf26", "#fde725"]
# ColorBrewer PuOr, 6 classes: orange below the centre, purple above.
_PUOR_6 = ["#b35806", "#f1a340", "#fee0b6", "#d8daeb", "#998ec3", "#542788"]

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
    """Class breaks (``indicators``' map breaks) and one colour per class (one more colour than breaks);
    ``thresholds`` as in settings. Progress is diverging around 100 %, the others sequential."""
    shown = indicators.get(indicator)
    breaks = shown.map_breaks(thresholds)
    if shown.breaks is None:  # around the status thresholds
        return breaks, [_hex(c) for c in _PUOR_6]
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

    ``table`` is `standing.commune_table`; ``highlight`` the codes of the chosen scope (None: all).
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
        alpha = 230 if chosen else 140
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


def outlines(frame: pd.DataFrame) -> pd.DataFrame:
    """polygon, line, line_width of `map_frame`'s rows, the scope's bold outlines last so that no neighbour's
    thin grey line is drawn over them."""
    return frame[["polygon", "line", "line_width"]].sort_values("line_width", kind="stable")


TILE_PX = 512  # deck.gl's Web Mercator: the whole world is 512 px wide at zoom 0
PADDING_PX = 12  # kept free around what a view must show
CONTEXT = 0.4  # a scope's view spans at least this share of the province each way: its neighbours stay readable
MAX_ZOOM = 13.0


@dataclass(frozen=True)
class Canvas:
    """The map's drawn size: its height as set, its width the narrowest the page can give it."""

    width: int
    height: int


# A phone's map is full width (at least 328 px, on a 360 px screen) and short enough to scroll past; a
# computer's sits in a column at least 560 px wide. The province is fitted to these, so it is never cut off.
PHONE, DESKTOP = Canvas(328, 360), Canvas(560, 540)


def _mercator_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _latitude(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)


def fit_view(geometry_gdf: gpd.GeoDataFrame, codes: list[str] | None = None, canvas: Canvas = DESKTOP) -> dict:
    """latitude, longitude, zoom that show ``codes`` (or every unit) whole on ``canvas``.

    A scope smaller than `CONTEXT` of the province is shown with its surroundings up to that share,
    so one commune is seen among its neighbours rather than filling the map.
    """
    shown = geometry_gdf if not codes else geometry_gdf[geometry_gdf["code"].isin(codes)]
    if shown.empty:
        shown = geometry_gdf
    west, south, east, north = shown.total_bounds
    p_west, p_south, p_east, p_north = geometry_gdf.total_bounds
    x0, x1 = west, east
    y0, y1 = _mercator_y(south), _mercator_y(north)
    need_x = CONTEXT * (p_east - p_west) if codes else 0.0
    need_y = CONTEXT * (_mercator_y(p_north) - _mercator_y(p_south)) if codes else 0.0
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    dx, dy = max(x1 - x0, need_x, 1e-4), max(y1 - y0, need_y, 1e-6)
    scale = min((canvas.width - 2 * PADDING_PX) * 360 / (TILE_PX * dx),
                (canvas.height - 2 * PADDING_PX) * 2 * math.pi / (TILE_PX * dy))
    return {"latitude": _latitude(cy), "longitude": float(cx), "zoom": min(math.log2(scale), MAX_ZOOM)}


class SerialisedDeck(pdk.Deck):
    """A map whose JSON was made once (``deck``): ``st.pydeck_chart`` sends it as it is."""

    def __init__(self, spec: str, tooltip: dict | None):
        super().__init__(layers=[], map_provider=None, tooltip=tooltip)
        self.spec = spec

    def to_json(self) -> str:
        return self.spec


@dataclass(frozen=True)
class MapLayer:
    spec: str  # the deck's JSON
    bands: dict  # legend label -> how many units it holds


LAYER = "communes"  # the layer a click picks a commune from


@cache.shared(max_entries=16)
def deck(con: Connection, settings: Settings, span: str, indicator: str, codes: list[str] | None, tooltip: dict,
         canvas: Canvas) -> MapLayer:
    """The map of ``indicator`` over ``span`` (a month, quarter or year) fitted to ``canvas``, the scope ``codes``
    outlined and its neighbours named, serialised once per data version."""
    bounds = geometry(con, settings)
    frame = map_frame(bounds.frame, standing.commune_table(con, settings, span), indicator, settings.thresholds,
                      highlight=codes)
    # Fills take the clicks, outlines are drawn on top by a layer of their own that is not pickable: picking
    # thousands of outline segments made a click on a slow device outlast a tap and go unnoticed.
    layers = [
        pdk.Layer("PolygonLayer", frame.drop(columns=["line", "line_width"]).to_dict(orient="records"), id=LAYER,
                  get_polygon="polygon", get_fill_color="fill", stroked=False, filled=True, pickable=True),
        pdk.Layer("PolygonLayer", outlines(frame).to_dict(orient="records"), id="outlines", get_polygon="polygon",
                  get_line_color="line",
                  # Widths in metres with a one-pixel floor: pixel-unit accessors draw nothing on some WebGL back ends.
                  get_line_width="line_width * 60", line_width_min_pixels=1, stroked=True, filled=False,
                  pickable=False),
    ]
    if codes is not None:  # zoomed in: the scope's communes and their neighbours by name
        layers.append(pdk.Layer(
            "TextLayer", place_names(bounds.frame, codes).to_dict(orient="records"), id="names",
            get_position="position", get_text="name", get_size=13, size_units="'pixels'", get_color=[20, 20, 20],
            outline_width=3, outline_color=[255, 255, 255], font_settings={"sdf": True}, character_set="'auto'",
            font_family="'sans-serif'", font_weight=600, get_text_anchor="'middle'",
            get_alignment_baseline="'center'", pickable=False,
        ))
    # map_provider=None: no basemap tiles, so nothing is fetched from the internet. No wheel zoom: the wheel
    # scrolls the page; a double click or two fingers zoom.
    controller = {"scrollZoom": False, "dragRotate": False, "touchRotate": False, "doubleClickZoom": True,
                  "touchZoom": True, "keyboard": True}
    spec = pdk.Deck(layers=layers, initial_view_state=pdk.ViewState(**fit_view(bounds.frame, codes, canvas)),
                    map_provider=None, tooltip=tooltip, views=[pdk.View("MapView", controller=controller)]).to_json()
    return MapLayer(spec, frame.drop_duplicates("code")["band"].value_counts().to_dict())


def visible_bounds(view: dict, width: float, height: float) -> tuple[float, float, float, float]:
    """west, south, east, north of what a map ``width`` × ``height`` px shows at ``view`` (pitch and bearing 0)."""
    world = TILE_PX * 2 ** view["zoom"]
    half_lon = width / 2 * 360 / world
    centre = _mercator_y(view["latitude"])
    half_y = height / 2 * 2 * math.pi / world
    return (view["longitude"] - half_lon, _latitude(centre - half_y), view["longitude"] + half_lon,
            _latitude(centre + half_y))


MAX_NAMES = 25  # more names than this on one map run into each other


def place_names(geometry_gdf: gpd.GeoDataFrame, codes: list[str]) -> pd.DataFrame:
    """name, position: the units of ``codes`` and their neighbours (those within about 100 m: boundary files
    leave slivers between units), each at a point inside it and named without its kind ("Như Quỳnh", not
    "Xã Như Quỳnh"); nothing when that makes more than `MAX_NAMES` names."""
    chosen = geometry_gdf["code"].isin(codes)
    if not chosen.any():
        return pd.DataFrame(columns=["name", "position"])
    near = geometry_gdf.geometry.intersects(geometry_gdf.geometry[chosen].union_all().buffer(0.001))
    shown = geometry_gdf[near]
    if len(shown) > MAX_NAMES:
        return pd.DataFrame(columns=["name", "position"])
    points = shown.geometry.representative_point()
    return pd.DataFrame({
        "name": shown["name"].str.replace(r"^(Xã|Phường|Thị trấn|Đặc khu)\s+", "", regex=True).to_numpy(),
        "position": [[round(p.x, COORD_DIGITS), round(p.y, COORD_DIGITS)] for p in points],
    })


@lru_cache(maxsize=8)
def _boundaries(province: str, path: str | None, mtime: float, columns: tuple, units: tuple, aliases: tuple,
                fuzzy_accept: float, ambiguity_margin: float) -> Boundaries:
    """``mtime`` is only part of the key: a replaced boundary file is read again."""
    unit_frame = pd.DataFrame(list(units), columns=list(columns))
    alias_frame = pd.DataFrame(list(aliases), columns=["alias", "code"])
    file = Path(path) if path else None
    frame, issues = load_boundaries(unit_frame, alias_frame, file, province, fuzzy_accept, ambiguity_margin)
    shapes = frame.geometry.to_numpy().copy()
    tiled = frame["source"].to_numpy() != "circle"
    shapes[tiled] = shapely.coverage_simplify(shapes[tiled], SIMPLIFY_DEGREES)
    shapes[~tiled] = shapely.simplify(shapes[~tiled], SIMPLIFY_DEGREES, preserve_topology=True)
    return Boundaries(frame.set_geometry(gpd.GeoSeries(shapes, index=frame.index, crs=frame.crs)), attribution(file),
                      tuple(issues), file is None)


@cache.shared(max_entries=2)
def geometry(con: Connection, settings: Settings, geo_dir: Path = GEO_DIR) -> Boundaries:
    """Polygons for every unit from the shipped boundary file, else derived; read once per process."""
    path = find_boundary_file(geo_dir)
    units = communes.units(con)
    records = tuple(tuple(None if pd.isna(v) else v for v in row) for row in units.itertuples(index=False))
    aliases = db.rows(con, "SELECT alias, code FROM commune_aliases ORDER BY alias")
    return _boundaries(
        settings.province, str(path) if path else None, path.stat().st_mtime if path else 0.0,
        tuple(units.columns), records, tuple(aliases), settings.fuzzy_accept, settings.ambiguity_margin,
    )
