"""``python -m analytics <command> …``: see analytics.cli."""

import sys

from analytics.cli import main

sys.exit(main())
