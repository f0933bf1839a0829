"""Map data: colour classes, legend labels, tooltips, and polygons from the shipped or derived boundaries."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analytics import metrics
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
    table = metrics.commune_table(con, settings, "2026-01")  # nothing reported
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
    assert hong_chau["fill"][3] == 70 and hong_chau["line_width"] == 1 and not hong_chau["selected"]


def test_view_zooms_in_on_a_scope(boundaries):
    whole = mapview.fit_view(boundaries.frame)
    one = mapview.fit_view(boundaries.frame, ["11953"])
    assert 9 < whole["zoom"] < 11 and one["zoom"] > whole["zoom"]
    assert 20.2 < whole["latitude"] < 21.1 and 105.8 < whole["longitude"] < 106.7
