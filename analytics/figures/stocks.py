"""A quarter's or a year's figures: the stock at its last reported month, and the net increase per span.

Counts are month-end stocks, so a span's value is never a sum of its months. For each commune a
span's value is that of its last reported month within the span (``as_of``); the province's is the
sum of its communes'. The net increase of a span is, per commune, its value less the previous span's,
summed over the communes that have both: a commune that missed a report is left out rather than
counted as a fall. A month is a span of one month, so for months every figure here equals
``metrics``'.
"""

from __future__ import annotations

import math

import pandas as pd

from analytics.figures import metrics, spans
from analytics.settings import Settings
from analytics.storage import cache, store
from analytics.storage.db import Connection

VALUES = ["total", "compulsory", "voluntary", "labour_force"]
# What metrics.province_series says of a month besides its sums: the plan's side, taken at a span's last month.
PLANNED = ["period", "units", "expected", "voluntary_expected", "target", "voluntary_min"]


def span_values(values: pd.DataFrame, granularity: str) -> pd.DataFrame:
    """key, code, as_of, the counts and net: each commune's last reported month within each span.

    ``net`` is the commune's total less its total of the span before; NaN when it has none there.
    """
    if values.empty:
        return pd.DataFrame(columns=["key", "code", "as_of", *VALUES, "net"])
    frame = values.sort_values("period").assign(key=lambda f: f["period"].map(lambda p: spans.key(p, granularity)))
    last = frame.drop_duplicates(["key", "code"], keep="last").rename(columns={"period": "as_of"})
    last = last[["key", "code", "as_of", *VALUES]].reset_index(drop=True)
    before = last[["key", "code", "total"]].rename(columns={"key": "previous", "total": "total_before"})
    merged = last.assign(previous=last["key"].map(spans.previous)).merge(before, on=["previous", "code"], how="left")
    return last.assign(net=(merged["total"] - merged["total_before"]).to_numpy(dtype=float))


def state(con: Connection, span: str) -> dict:
    """The months of ``span`` that have figures, the last of them, and whether the span is complete."""
    reported = [p for p in metrics.periods(con) if p in set(spans.months(span))]
    return {"span": span, "reported": reported, "last": reported[-1] if reported else None,
            "complete": spans.is_complete(span, reported)}


@cache.shared(max_entries=32)
def commune_table(con: Connection, settings: Settings, span: str) -> pd.DataFrame:
    """metrics.commune_table for a span: each commune's row at its last reported month within the span.

    A commune with no figure in the span takes the row of the span's last month with figures (its
    expected level, no figures). Added columns: ``as_of`` (the month its figures are from) and
    ``net_period`` (net increase over the span before).
    """
    carried = span_values(store.monthly(con), spans.granularity_of(span))
    here = carried[carried["key"] == span].set_index("code")
    end = here["as_of"].max() if not here.empty else spans.last_month(span)
    tables = {month: metrics.commune_table(con, settings, month) for month in {end, *here["as_of"]}}
    chosen = tables[end]["code"].map(here["as_of"]).fillna(end)
    rows = pd.concat([table[table["code"].isin(tables[end]["code"][chosen == month])]
                      for month, table in tables.items()])
    rows = rows.sort_values("code").reset_index(drop=True)
    return rows.assign(as_of=rows["code"].map(here["as_of"]), net_period=rows["code"].map(here["net"]))


@cache.shared(max_entries=32)
def summary(con: Connection, settings: Settings, span: str, codes: list[str] | None = None) -> dict:
    """metrics.summary for a span, with ``net`` (its net increase) and ``as_of`` (its last month with figures)."""
    table = commune_table(con, settings, span)
    if codes is not None:
        table = table[table["code"].isin(codes)]
    out = metrics.summarise(con, table, span)
    net = table["net_period"].dropna()
    out["net"] = float(net.sum()) if len(net) else math.nan
    out["as_of"] = table["as_of"].dropna().max() if table["as_of"].notna().any() else None
    return out


@cache.shared(max_entries=32)
def province_series(con: Connection, settings: Settings, granularity: str,
                    codes: list[str] | None = None) -> pd.DataFrame:
    """metrics.province_series per span: key, period (the span's last month with figures), the sums of the
    communes' span values, how many reported, their net increase (``net``) and the expected level at
    ``period``."""
    values = store.monthly(con)
    if codes is not None:
        values = values[values["code"].isin(codes)]
    if values.empty:
        return pd.DataFrame(columns=["key", "period", "total", "compulsory", "voluntary", "reporting", "net",
                                     *PLANNED[1:]])
    carried = span_values(values, granularity)
    sums = carried.groupby("key").agg(period=("as_of", "max"), total=("total", "sum"),
                                      compulsory=("compulsory", "sum"), voluntary=("voluntary", "sum"),
                                      reporting=("code", "nunique"),
                                      net=("net", lambda s: s.sum(min_count=1))).reset_index()
    planned = metrics.province_series(con, settings, codes)[PLANNED]
    return sums.merge(planned, on="period", how="left")
