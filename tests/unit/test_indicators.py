"""The indicator registry: every indicator a page offers is defined there once, and the pages read it."""

from __future__ import annotations

import pandas as pd

from analytics.figures import indicators, pivot, scorecard
from analytics.text import fmt
from geo import mapview

THRESHOLDS = {"on_track_pct": 98, "very_late_pct": 90}


def test_every_map_indicator_has_a_label_a_format_and_classes():
    for shown in indicators.on_map():
        assert shown.code in indicators.REGISTRY and shown.on_map
        assert shown.label and shown.kind in fmt.KINDS and shown.column
        breaks, colours = mapview.scale(shown.code, THRESHOLDS)
        assert list(breaks) == sorted(breaks) and len(colours) == len(breaks) + 1


def test_progress_classes_come_from_the_status_thresholds():
    assert indicators.get("progress").map_breaks(THRESHOLDS) == (0.9, 0.98, 1.0, 1.02, 1.1)


def test_the_scorecard_columns_come_from_the_registry(tiny_settings):
    assert scorecard.INDICATORS == tuple(i.scorecard for i in indicators.on_scorecard()) == (
        "annual_attainment", "attainment_2030", "voluntary_attainment", "growth_3m_pct", "completeness_pct",
        "labour_coverage", "arrears_reduction_pct")
    assert all(scorecard.HEADINGS[i.scorecard] == i.short for i in indicators.on_scorecard())
    assert all(i.lights(tiny_settings) == tiny_settings.scorecard[i.scorecard] for i in indicators.on_scorecard())
    # One commune by hand: 1 100 of 1 000 annual, 50 % of 2 000 by 2030, 100 up in 3 months on 1 000 before.
    table = pd.DataFrame({"code": ["A"], "name": ["Xã A"], "former_district": ["H"], "total": [1100.0],
                          "target": [2200.0], "voluntary": [50.0], "voluntary_min": [100.0], "attainment": [0.5],
                          "voluntary_attainment": [0.5], "net_3m": [100.0], "labour_coverage": [0.25]})
    card = scorecard.build(table, pd.DataFrame({"code": ["A"], "total_target": [1000.0]}),
                           pd.Series({"A": 0.75}), tiny_settings).iloc[0]
    assert card[list(scorecard.INDICATORS[:6])].tolist() == [110.0, 50.0, 50.0, 10.0, 75.0, 25.0]


def test_the_pivot_offers_the_registry_s_pivot_indicators():
    assert {i.code: i.label for i in indicators.offered("pivot")} == pivot.VALUES
    assert pivot.RATIOS == {"attainment": ("total", "target"), "voluntary_share": ("voluntary", "total")}
