"""The project modules a headline figure passes through, from the stored monthly figures to the number shown.

Each path is a short chain: storage reads, the span's arithmetic, the trajectory, the figure's own module. A module
added to one of them (text wording a figure mid-computation, settings worked out on every call, a detour through
another figures module) shows here as a change someone has to make on purpose.
"""

from __future__ import annotations

import sys
import threading

from analytics.figures import standing, support_budget
from analytics.text import fmt
from geo import mapview
from tests.helpers import record_monthly

PROJECT = {"analytics", "geo", "ui", "web"}
STORAGE = {"analytics.storage.cache", "analytics.storage.db", "analytics.storage.reads"}
FIGURES = {"analytics.figures.spans", "analytics.figures.trajectory"}


def modules_called(run) -> set[str]:
    """Every project module one of whose functions ``run`` calls, in this thread or any it starts."""
    called = set()

    def profile(frame, event, _arg):
        module = frame.f_globals.get("__name__", "")
        if event == "call" and module.split(".")[0] in PROJECT:
            called.add(module)

    sys.setprofile(profile)
    threading.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
    return called


def reported(tiny) -> None:
    """Two months of the tiny plan's three communes: a write, so every shared result is computed afresh."""
    record_monthly(tiny, [(period, code, total, voluntary) for period in ("2026-09", "2026-10")
                          for code, total, voluntary in (("11953", 30000, 2000), ("11977", 2000, 300),
                                                         ("11980", 1500, 400))])


def test_the_support_budgets_2030_figure(tiny, tiny_settings):
    reported(tiny)
    called = modules_called(lambda: support_budget.yearly_table(support_budget.budget(tiny, tiny_settings)))
    assert called == STORAGE | FIGURES | {"analytics.figures.support_budget"}


def test_a_communes_attainment_on_the_map(tiny, tiny_settings):
    reported(tiny)
    drawn = mapview.geometry(tiny, tiny_settings).frame
    called = modules_called(lambda: mapview.map_frame(drawn, standing.commune_table(tiny, tiny_settings, "2026-10"),
                                                      "attainment", tiny_settings.thresholds))
    assert called == STORAGE | FIGURES | {"analytics.figures.standing", "analytics.figures.indicators", "geo.mapview",
                                          "analytics.text.fmt"}


def test_the_province_total_on_the_overview(tiny, tiny_settings):
    reported(tiny)
    called = modules_called(lambda: fmt.number(standing.summary(tiny, tiny_settings, "2026-10").total))
    assert called == STORAGE | FIGURES | {"analytics.figures.standing", "analytics.text.fmt"}
