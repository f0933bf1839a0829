"""Commune boundaries and what the map draws: a shipped file when there is one, else polygons derived from packages.

geo depends on analytics (names, registry lookups, labels), never the reverse.
"""

from pathlib import Path

from geo.boundaries import attribution, find_boundary_file, load_boundaries
from geo.derive import derive_polygons, province_outline

GEO_DIR = Path(__file__).resolve().parent

__all__ = [
    "GEO_DIR", "attribution", "derive_polygons", "find_boundary_file", "load_boundaries", "province_outline",
]
