"""Bringing a results file in: the steps the upload page and ``python -m analytics ingest`` share.

``python -m analytics ingest FILE [--period YYYY-MM] [--sheet NAME] [--map "Tổng cộng=total"]… [--dry-run] [--yes]``
(see analytics.cli). The work is done by analytics.intake; this module keeps the names other code imports.
"""

from __future__ import annotations

from analytics.intake.pipeline import Prepared, apply, confirm_mapping, prepare
from analytics.intake.problem import Problem, describe

__all__ = ["Prepared", "Problem", "apply", "confirm_mapping", "describe", "prepare"]

if __name__ == "__main__":
    from analytics.aliases import run_as

    run_as("ingest")
