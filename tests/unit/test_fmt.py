"""Tables as the app writes them: Vietnamese figures that stay numbers underneath, "—" for nothing."""

from __future__ import annotations

import math

import pandas as pd

from analytics.text import fmt


def cells(styler) -> list[list[str]]:
    """Each row's cells as the styled table shows them, header first."""
    lines = styler.hide(axis="index").to_string(delimiter="|").splitlines()
    return [line.split("|") for line in lines]


def test_figures_are_written_in_vietnamese_whatever_the_browser():
    frame = pd.DataFrame({"name": ["Xã A", "Xã B"], "total": [1702, 981535.0], "expected": [2840.305, 12.5],
                          "attainment": [1.00341, 0.605], "change": [1234, -56], "year": [2026, 2030]})
    styled = fmt.table(frame, {"expected": "whole", "attainment": "pct", "change": "signed", "year": "plain"})
    assert cells(styled) == [
        ["name", "total", "expected", "attainment", "change", "year"],
        ["Xã A", "1.702", "2.840", "100,3 %", "+1.234", "2026"],  # a head count is whole: never "2.840,305"
        ["Xã B", "981.535", "12", "60,5 %", "-56", "2030"],  # 12.5 rounds half to even, as Babel does
    ]
    # The numbers themselves are untouched: sorting by a column sorts by value.
    assert styled.data["total"].tolist() == [1702, 981535.0]


def test_without_a_kind_whole_numbers_stay_whole_and_others_keep_their_decimals():
    frame = pd.DataFrame({"count": [3.0, 1200.0], "ratio": [0.25, 2840.305]})
    assert cells(fmt.table(frame))[1:] == [["3", "0,25"], ["1.200", "2.840,305"]]


def test_nothing_reads_as_a_dash_and_an_empty_column_is_left_out():
    frame = pd.DataFrame({"name": ["Xã A", None, ""], "annual": [math.nan] * 3, "total": [5.0, math.nan, 7.0],
                          "note": ["", None, math.nan]})
    styled = fmt.table(frame, {"annual": "pct", "total": "whole"})
    assert cells(styled) == [["name", "total"], ["Xã A", "5"], ["—", "—"], ["—", "7"]]
    # Streamlit draws a missing value as a grey "None" whatever the display text: no cell is handed over empty.
    assert styled.data.to_dict("list") == {"name": ["Xã A", "—", "—"], "total": ["5", "—", "7"]}
    kept = fmt.table(frame, {"annual": "pct"}, keep_empty=True)
    assert cells(kept)[0] == ["name", "annual", "total", "note"] and cells(kept)[1][1] == "—"


def test_a_mark_goes_before_its_figure_and_a_full_column_stays_numbers():
    frame = pd.DataFrame({"name": ["Xã A", "Xã B", "Xã C"], "attainment": [82.24, 61.0, 100.34],
                          "voluntary": [70.0, math.nan, 99.96]})
    marks = {"attainment": pd.Series(["●", "■", ""]), "voluntary": pd.Series(["▲", "", "●"])}
    styled = fmt.table(frame, dict.fromkeys(["attainment", "voluntary"], "points"), marks=marks)
    assert cells(styled)[1:] == [["Xã A", "● 82,2 %", "▲ 70,0 %"], ["Xã B", "■ 61,0 %", "—"],
                                 ["Xã C", "100,3 %", "● 100,0 %"]]
    assert styled.data["attainment"].tolist() == [82.24, 61.0, 100.34]


def test_percent_points():
    assert fmt.points(100.34) == "100,3 %" and fmt.points(math.nan) == "—"
