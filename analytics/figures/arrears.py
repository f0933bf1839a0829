"""Late, evaded and unpaid contributions (plan III.4, V.3.c): the province's trend, communes ranked for a month
with the change since the month before, and the largest debtors of that month's employer list.

Figures are as the files give them (amounts in triệu đồng). A month's change is each commune's figure less
its figure of the month before, summed over the communes that have both, as for participants' growth.
Employer names come from the employer list, which only pages for signed-in readers show (see publication).
"""

from __future__ import annotations

import pandas as pd

from analytics.figures import publication
from analytics.figures.spans import add_months
from analytics.storage import cache, db, reads
from analytics.storage.db import Connection

MEASURES = ("amount_owed", "employers_late", "workers_affected", "employers_evading")


def months(con: Connection) -> list[str]:
    """Months with arrears figures or an employer list, oldest first."""
    known = set(reads.arrears(con)["period"]) | set(reads.employers(con)["period"])
    return sorted(known)


def month_of(con: Connection, last: str | None) -> str | None:
    """The latest month with arrears figures up to ``last`` (every month when None)."""
    shown = [m for m in months(con) if last is None or m <= last]
    return shown[-1] if shown else None


@cache.shared(max_entries=8)
def trend(con: Connection) -> pd.DataFrame:
    """Per month: the province's sums of each figure (missing where no commune gave it) and communes reporting."""
    values = reads.arrears(con)
    if values.empty:
        return pd.DataFrame(columns=["period", *MEASURES, "communes"])
    sums = values.groupby("period")[list(MEASURES)].sum(min_count=1)
    return sums.assign(communes=values.groupby("period").size()).reset_index()


@cache.shared(max_entries=16)
def communes(con: Connection, period: str) -> pd.DataFrame:
    """Every commune with figures for ``period``, the largest amount owed first: code, name, the four figures,
    the amount and employers late of the month before, and the changes (missing where a month is missing)."""
    values = reads.arrears(con)
    names = db.query(con, "SELECT code, name FROM communes")
    now = values[values["period"] == period]
    before = values[values["period"] == add_months(period, -1)][["code", "amount_owed", "employers_late"]]
    table = now.merge(before, on="code", how="left", suffixes=("", "_before")).merge(names, on="code")
    table = table.assign(amount_change=table["amount_owed"] - table["amount_owed_before"],
                         late_change=table["employers_late"] - table["employers_late_before"])
    table = table.sort_values(["amount_owed", "name"], ascending=[False, True], na_position="last")
    return table.assign(rank=range(1, len(table) + 1))[
        ["rank", "code", "name", *MEASURES, "amount_owed_before", "amount_change", "employers_late_before",
         "late_change"]].reset_index(drop=True)


def province_change(table: pd.DataFrame) -> dict[str, float | None]:
    """From ``communes``: the month's province totals and their change over the communes that have both months."""
    out = {}
    for measure, change in (("amount_owed", "amount_change"), ("employers_late", "late_change")):
        out[measure] = table[measure].sum(min_count=1)
        out[change] = table[change].sum(min_count=1)
        out[f"{change}_communes"] = int(table[change].notna().sum())
    return {k: (None if pd.isna(v) else v) for k, v in out.items()}


@cache.shared(max_entries=16)
def debtors(con: Connection, period: str, n: int | None = 10) -> pd.DataFrame:
    """The employer list in force for ``period``, the largest amount first (``n`` of them, or all): employer,
    tax_code, taxpayer, unit_code, commune name, months_late, amount_owed, status."""
    listed = reads.employers(con)
    listed = listed[listed["period"] == period]
    names = db.query(con, "SELECT code, name AS commune FROM communes")
    table = listed.merge(names, on="code").sort_values(["amount_owed", "tax_code"], ascending=[False, True])
    table = table[["employer", "tax_code", "taxpayer", "unit_code", "code", "commune", "months_late", "amount_owed",
                   "status"]].reset_index(drop=True)
    return table if n is None else table.head(n)


def brief(con: Connection, period: str) -> dict | None:
    """What the briefing says of arrears up to ``period``: the latest month with figures, the province's totals and
    change, the three communes owing most, and the month's published list (the only employer names it may give).
    None without figures."""
    month, sums = month_of(con, period), trend(con).set_index("period")
    if month is None or month not in sums.index:  # no month, or a month with an employer list but no figures
        return None
    table = communes(con, month)
    row = sums.loc[month]
    published = [(p, rows) for p, rows in publication.public_lists(con) if p["period"] == month]
    return {"period": month, **province_change(table), "workers_affected": row["workers_affected"],
            "employers_evading": row["employers_evading"],
            "top": table.dropna(subset=["amount_owed"]).head(3)[["name", "amount_owed"]].values.tolist(),
            "published": published[0] if published else None}

