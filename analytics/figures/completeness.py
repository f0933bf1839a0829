"""Reporting completeness: which communes' figures are present, late or missing, and the plan's deadlines.

Figures for month M are due by a day of month M+1 (a plan setting). A figure
first stored after that day is late; none stored once the day has passed is
missing; before it, pending.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics.figures.spans import add_months
from analytics.settings import Settings
from analytics.storage import cache, db
from analytics.storage.db import Connection

# Codes of a figure's reporting status (analytics.text.labels.REPORTING words them).
PRESENT, LATE, MISSING, PENDING = "on_time", "late", "missing", "pending"


def due_date(period: str, settings: Settings) -> dt.date:
    nxt = add_months(period, 1)
    return dt.date(int(nxt[:4]), int(nxt[5:]), settings.monthly_due_day)


@cache.shared(max_entries=4)
def reporting(con: Connection, settings: Settings, today: dt.date, periods: list[str]) -> pd.DataFrame:
    """One row per (period, commune): status and the date its figure was first stored."""
    first = db.query(
        con, """SELECT v.period, v.code, min(u.uploaded_at) AS first_stored
                FROM monthly_values v JOIN uploads u ON u.id = v.upload_id
                WHERE u.kind = 'monthly' AND u.withdrawn_at IS NULL GROUP BY v.period, v.code""")
    units = db.query(con, "SELECT code, name FROM communes ORDER BY code")
    grid = pd.MultiIndex.from_product([periods, units["code"]], names=["period", "code"]).to_frame(index=False)
    frame = grid.merge(units, on="code").merge(first, on=["period", "code"], how="left")
    frame["due"] = frame["period"].map(lambda p: due_date(p, settings))
    stored = frame["first_stored"].dt.date
    frame["status"] = [
        (LATE if s > d else PRESENT) if pd.notna(s) else (MISSING if today > d else PENDING)
        for s, d in zip(stored, frame["due"])]
    return frame


def summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Per month: how many communes are in each status."""
    counts = frame.pivot_table(index="period", columns="status", values="code", aggfunc="count", fill_value=0)
    for status in (PRESENT, LATE, MISSING, PENDING):
        if status not in counts:
            counts[status] = 0
    return counts[[PRESENT, LATE, MISSING, PENDING]].reset_index()


def completeness_share(frame: pd.DataFrame) -> pd.Series:
    """Per commune: share of due months with a figure (late ones count as reported)."""
    due = frame[frame["status"] != PENDING]
    return due.groupby("code")["status"].apply(lambda s: s.isin([PRESENT, LATE]).mean())


def deadlines(settings: Settings, today: dt.date) -> pd.DataFrame:
    """The plan's yearly report deadlines, next occurrence first, with days left."""
    rows = []
    for label, month_day in (("Xã, phường báo cáo UBND tỉnh (qua Sở Nội vụ)", settings.commune_report_deadline),
                             ("Sở Nội vụ tổng hợp, báo cáo UBND tỉnh", settings.province_report_deadline)):
        month, day = (int(x) for x in month_day.split("-"))
        when = dt.date(today.year, month, day)
        if when < today:
            when = dt.date(today.year + 1, month, day)
        rows.append({"deadline": label, "date": when, "days_left": (when - today).days})
    return pd.DataFrame(rows).sort_values("date").reset_index(drop=True)
