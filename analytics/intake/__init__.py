"""Bringing a file in: the one path the upload page and ``python -m analytics ingest`` share.

``prepare`` reads and checks a file without storing anything, ``confirm_mapping`` saves a person's
column mapping as the layout of files of that shape, ``apply`` stores a prepared upload. The modules
underneath: grid (cells), columns and rows (what each holds), period, units (codes and names),
reading, checks, review (what was read, in words), layouts, templates.
"""

from analytics.intake.pipeline import Prepared, apply, confirm_mapping, prepare
from analytics.intake.problem import Problem, describe

__all__ = ["Prepared", "Problem", "apply", "confirm_mapping", "describe", "prepare"]
