"""``python -m analytics.users create-admin USERNAME``: the old form of ``python -m analytics users create-admin``."""

from __future__ import annotations

import sys

from analytics import cli


def main(argv: list[str] | None = None) -> int:
    """``users`` of ``python -m analytics``, with its arguments."""
    return cli.main(["users", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
