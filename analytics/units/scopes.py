"""The scopes a page can show: the whole province, a former province or district, or one commune, by label.

A scope travels in the URL as its Vietnamese label; ``codes`` turns it back into the units it covers, and
``among`` marks the rows of a frame that belong to them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ALL = "Toàn tỉnh"
FORMER_PROVINCE, FORMER_DISTRICT = "Tỉnh cũ: ", "Huyện cũ: "


def options(units: pd.DataFrame) -> list[str]:
    """Every scope label for ``units`` (standing.communes): the province, former provinces, districts, communes."""
    return [ALL,
            *(FORMER_PROVINCE + p for p in sorted(units["former_province"].dropna().unique())),
            *(FORMER_DISTRICT + d for d in sorted(units["former_district"].dropna().unique())),
            *units["name"].tolist()]


def codes(units: pd.DataFrame, scope: str) -> list[str] | None:
    """The codes of the units in ``scope``; None for the whole province, [] for a label that names nothing."""
    if scope == ALL:
        return None
    if scope.startswith(FORMER_PROVINCE):
        chosen = units["former_province"] == scope.removeprefix(FORMER_PROVINCE)
    elif scope.startswith(FORMER_DISTRICT):
        chosen = units["former_district"] == scope.removeprefix(FORMER_DISTRICT)
    else:
        chosen = units["name"] == scope
    return units[chosen]["code"].tolist()


def among(codes: pd.Series, wanted) -> np.ndarray:
    """``codes.isin(wanted)``: pandas converts each wanted value to an Arrow scalar, slow for thousands."""
    wanted = set(wanted)
    return np.fromiter((c in wanted for c in codes.tolist()), bool, len(codes))
