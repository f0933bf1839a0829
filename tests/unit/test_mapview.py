"""Map data: colour classes, legend labels, tooltips, and polygons from the shipped or derived boundaries."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analytics.figures import standing
from analytics.settings import THRESHOLDS
from geo import mapview
from geo.boundaries import DERIVED_ATTRIBUTION

SHIPPED_CREDIT = "Ranh giới hành chính: sapnhap.bando.com.vn, qua vietnamese-provinces-database (MIT)"


def labels(indicator, thresholds=THRESHOLDS):
    return [text for text, _ in mapview.legend(indicator, thresholds)]


def test_progress_legend_is_centred_on_100_percent_with_status_thresholds():
    assert labels("progress") == ["< 90 %", "90–98 %", "98–100 %", "100–102 %", "102–110 %", "≥ 110 %",
                                  "Chưa có số liệu"]
    assert labels("progress", THRESHOLDS | {"very_late_pct": 85, "on_track_pct": 95}) == [
        "< 85 %", "85–95 %", "95–100 %", "100–105 %", "105–115 %", "≥ 115 %", "Chưa có số liệu"]
    assert labels("progress", THRESHOLDS | {"on_track_pct": 97.5})[:3] == ["< 90,0 %", "90,0–97,5 %", "97,5–100,0 %"]


def test_progress_colours_diverge_orange_below_purple_above():
    colours = [rgb for _, rgb in mapview.legend("progress", THRESHOLDS)]
    assert colours[0] == (179, 88, 6) and colours[5] == (84, 39, 136)
    assert colours[-1] == mapview.NO_DATA_RGB


def test_sequential_legends():
    assert labels("attainment") == ["< 60 %", "60–70 %", "70–80 %", "80–90 %", "90–100 %", "≥ 100 %",
                                    "Chưa có số liệu"]
    assert labels("voluntary_share")[:2] == ["< 2 %", "2–5 %"]
    colours = [rgb for _, rgb in mapview.legend("attainment", THRESHOLDS)][:-1]
    assert colours[0] == (68, 1, 84) and colours[-1] == (253, 231, 37)  # viridis ends
    brightness = [sum(c) for c in colours]
    assert brightness == sorted(brightness)  # higher values lighter


def test_classes_of_known_values():
    values = [0.85, 0.9, 0.97, 0.98, 0.999, 1.0, 1.05, 1.2, math.nan, None]
    assert mapview.classify(values, "progress", THRESHOLDS) == [0, 1, 1, 2, 2, 3, 4, 5, None, None]
    assert mapview.classify([0.59, 0.6, 0.75, 1.3], "attainment", THRESHOLDS) == [0, 1, 2, 5]


@pytest.fixture
def boundaries(con, settings):
    return mapview.geometry(con, settings)


def test_shipped_file_gives_104_polygons_and_five_alias_matches(boundaries, con, settings):
    frame = boundaries.frame
    assert len(frame) == 104 and frame["code"].nunique() == 104
    assert (frame["source"] == "file").all() and not boundaries.derived
    assert boundaries.attribution == SHIPPED_CREDIT
    assert sorted(i["method"] for i in boundaries.issues) == ["alias"] * 5
    assert mapview.geometry(con, settings) is boundaries  # read once per process


def test_derived_polygons_without_a_boundary_file(con, settings, tmp_path):
    derived = mapview.geometry(con, settings, geo_dir=tmp_path)
    assert derived.derived and derived.attribution == DERIVED_ATTRIBUTION
    assert derived.frame["code"].nunique() == 104 and derived.issues == ()


def test_map_frame_without_figures_is_grey_with_dashes(boundaries, con, settings):
    table = standing.commune_table(con, settings, "2026-01")  # nothing reported
    frame = mapview.map_frame(boundaries.frame, table, "attainment", THRESHOLDS)
    assert frame["code"].nunique() == 104
    assert set(frame["band"]) == {"Chưa có số liệu"}
    assert {tuple(f[:3]) for f in frame["fill"]} == {mapview.NO_DATA_RGB}
    assert set(frame["tip_value"]) == {"—"} and set(frame["tip_status"]) == {"Chưa có số liệu"}
    ring = frame.iloc[0]["polygon"][0]
    assert ring[0] == ring[-1] and 105.8 < ring[0][0] < 106.7 and 20.2 < ring[0][1] < 21.1  # closed, lon/lat


def test_tooltips_are_vietnamese_and_scope_is_highlighted(boundaries):
    table = pd.DataFrame({"code": ["11953", "11980"], "total": [981_535, 1_200], "target": [1_000_000, 1_899],
                          "attainment": [0.605, 0.999], "status": ["late", "on_track"]})
    frame = mapview.map_frame(boundaries.frame, table, "attainment", THRESHOLDS, highlight=["11953"])
    pho_hien = frame[frame["code"] == "11953"].iloc[0]
    assert (pho_hien["tip_name"], pho_hien["tip_value"], pho_hien["tip_total"], pho_hien["tip_target"],
            pho_hien["tip_status"]) == ("Phường Phố Hiến", "60,5 %", "981.535", "1.000.000", "Chậm")
    assert pho_hien["band"] == "60–70 %"
    assert pho_hien["fill"][3] == 230 and pho_hien["line_width"] == 3
    hong_chau = frame[frame["code"] == "11980"].iloc[0]
    assert hong_chau["band"] == "90–100 %" and hong_chau["tip_value"] == "99,9 %"
    assert hong_chau["fill"][3] == 140 and hong_chau["line_width"] == 1 and not hong_chau["selected"]
    # The scope's bold outline is drawn last, over its neighbours' thin ones.
    assert mapview.outlines(frame)["line_width"].iloc[-1] == 3


def inside(bounds, points):
    west, south, east, north = bounds
    return all(west < x < east and south < y < north for x, y in points)


@pytest.mark.parametrize("canvas", [mapview.DESKTOP, mapview.PHONE], ids=["desktop", "phone"])
def test_the_whole_province_fits_the_map_it_is_drawn_on(boundaries, canvas):
    view = mapview.fit_view(boundaries.frame, canvas=canvas)
    shown = mapview.visible_bounds(view, canvas.width, canvas.height)
    west, south, east, north = boundaries.frame.total_bounds
    assert shown[0] < west and shown[1] < south and shown[2] > east and shown[3] > north  # nothing cut off
    # and it fills the map: at one zoom step closer (twice the scale) it would not fit
    closer = mapview.visible_bounds(view | {"zoom": view["zoom"] + 1}, canvas.width, canvas.height)
    assert not (closer[0] < west and closer[2] > east and closer[1] < south and closer[3] > north)


def test_bounds_of_a_view_by_hand():
    # At zoom 0 the world is 512 px wide: 256 px either side of longitude 0 is 180 degrees.
    assert mapview.visible_bounds({"latitude": 0.0, "longitude": 0.0, "zoom": 0.0}, 512, 2)[0::2] == (-180, 180)
    # At zoom 1, 512 px span 180 degrees; on the equator 2 px of height are about 0.35 degrees of latitude.
    west, south, east, north = mapview.visible_bounds({"latitude": 0.0, "longitude": 10.0, "zoom": 1.0}, 512, 2)
    assert (west, east) == (-80, 100) and north == pytest.approx(-south) == pytest.approx(360 / 1024, rel=1e-3)


def test_one_commune_is_shown_among_readable_neighbours(boundaries):
    whole = mapview.fit_view(boundaries.frame)
    one = mapview.fit_view(boundaries.frame, ["11953"])
    # Closer than the province, but never closer than a view 40 % of the province wide and high (2.5 times).
    assert whole["zoom"] < one["zoom"] <= whole["zoom"] + math.log2(1 / mapview.CONTEXT) + 1e-9
    shown = mapview.visible_bounds(one, mapview.DESKTOP.width, mapview.DESKTOP.height)
    names = mapview.place_names(boundaries.frame, ["11953"])
    assert "Phố Hiến" in names["name"].tolist() and len(names) > 3
    assert inside(shown, [tuple(p) for p in names["position"]])  # every named neighbour is in sight


def test_no_names_over_a_large_scope(boundaries):
    assert mapview.place_names(boundaries.frame, boundaries.frame["code"].tolist()).empty
