"""The commands' old module invocations (``python -m analytics.build`` …), kept because scripts and docs call them.

Each old module's ``__main__`` block hands its arguments to ``python -m analytics``; this module imports
nothing of the project, so an alias adds no import cycle.
"""

from __future__ import annotations

import runpy
import sys


def run_as(*command: str) -> None:
    """Run ``python -m analytics COMMAND… ARGS…`` with this process's arguments."""
    sys.argv = ["analytics", *command, *sys.argv[1:]]
    runpy.run_module("analytics", run_name="__main__", alter_sys=True)
