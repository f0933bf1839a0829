"""Deterministic demonstration data, so every page has content on a fresh machine.

Plausible monthly stocks for every commune from the plan's baseline month to the
latest complete month: levels set against each commune's 2030 target, a jump of
voluntary enrolment in the campaign month, a few communes lagging, a few missing
one month; a labour force per commune and year, above its participants; arrears per commune for
every month and an employer list for the latest month, with fictional employers ("Công ty TNHH Minh
họa …") whose tax codes carry valid check digits. Stored flagged as demo and removed by the first
real monthly upload.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pandas as pd

import analytics.intake.taxcode as taxcode
from analytics.figures.spans import add_months, month_index, months_between
from analytics.settings import Settings
from analytics.storage import db, writes
from analytics.storage.db import Connection

SEED = 403
LAGGING_SHARE = 0.1
MISSING_COMMUNES = 4
LATE_FIGURES = 6
LABOUR_SOURCE = "Số liệu minh hoạ, không phải số liệu thống kê"


def last_complete_month(today: dt.date) -> str:
    return add_months(f"{today.year:04d}-{today.month:02d}", -1)


def generate(con: Connection, settings: Settings, today: dt.date) -> pd.DataFrame:
    """The demo table (period, code, total, compulsory, voluntary, labour_force): same input, same output."""
    units = db.query(con, "SELECT c.code, t.total_target, t.voluntary_min FROM communes c "
                          "LEFT JOIN targets t ON t.code = c.code AND t.target_year = ? ORDER BY c.code",
                     [settings.target_year])
    units["total_target"] = units["total_target"].fillna(units["total_target"].median())
    units["voluntary_min"] = units["voluntary_min"].fillna(units["voluntary_min"].median())
    first, last = settings.baseline_month, last_complete_month(today)
    periods = [add_months(first, i) for i in range(months_between(first, last) + 1)]
    horizon = months_between(first, f"{settings.target_year}-12")
    rng = np.random.default_rng(SEED)
    n = len(units)
    pace = np.where(rng.random(n) < LAGGING_SHARE, rng.uniform(0.2, 0.5, n), rng.uniform(0.85, 1.25, n))
    vol_pace = np.where(rng.random(n) < LAGGING_SHARE, rng.uniform(0.1, 0.4, n), rng.uniform(0.8, 1.3, n))
    start = units["total_target"].to_numpy() * rng.uniform(0.6, 0.78, n)
    vol_start = units["voluntary_min"].to_numpy() * rng.uniform(0.3, 0.55, n)
    labour = units["total_target"].to_numpy() / 0.6 * rng.uniform(0.95, 1.08, n)
    step = (units["total_target"].to_numpy() - start) / horizon * pace
    vol_step = (units["voluntary_min"].to_numpy() - vol_start) / horizon * vol_pace
    campaign = units["voluntary_min"].to_numpy() * rng.uniform(0.02, 0.06, n)
    missing = dict(zip(rng.choice(n, MISSING_COMMUNES, replace=False),
                       rng.integers(1, max(len(periods) - 1, 2), MISSING_COMMUNES)))
    rows = []
    for t, period in enumerate(periods):
        campaigns_done = sum(1 for p in periods[: t + 1] if int(p[5:]) == settings.campaign_month)
        noise = rng.normal(0, 0.002, n)
        for i, code in enumerate(units["code"]):
            if missing.get(i) == t:
                continue
            voluntary = round(vol_start[i] + vol_step[i] * t + campaign[i] * campaigns_done)
            total = round(start[i] * (1 + noise[i]) + step[i] * t + campaign[i] * campaigns_done)
            rows.append({"period": period, "code": code, "total": total, "compulsory": total - voluntary,
                         "voluntary": voluntary, "labour_force": round(labour[i])})
    return pd.DataFrame(rows)


def install(con: Connection, settings: Settings, today: dt.date | None = None) -> list[int]:
    """Store the demo data unless any upload exists; returns the upload ids (none when skipped).

    Each month arrives as its own upload on the 10th of the next month, on time, except a few
    communes' figures that come on the 20th, late, so the completeness page has something to show.
    """
    if db.value(con, "SELECT count(*) FROM uploads"):
        return []
    today = today or dt.date.today()
    if month_index(last_complete_month(today)) < month_index(settings.baseline_month):
        return []
    table = generate(con, settings, today).assign(source_row=None, written_name=None, match_method="demo",
                                                  match_score=None)
    monthly = table.assign(labour_force=None)  # the labour force goes in as its own kind, with a source
    late = table.sample(n=min(LATE_FIGURES, len(table)), random_state=SEED).index
    batches = []
    for period, rows in monthly.groupby("period"):
        due = dt.datetime.strptime(add_months(period, 1), "%Y-%m")
        for day, part in ((10, rows.drop(late, errors="ignore")), (20, rows.loc[rows.index.intersection(late)])):
            if part.empty:
                continue
            digest = hashlib.sha256(part.to_csv(index=False).encode()).hexdigest()
            batches.append(writes.Batch(part, f"du-lieu-minh-hoa-{period}", digest, len(part),
                                       due.replace(day=day, hour=9), "Dữ liệu minh hoạ"))
    ids = writes.record_uploads(con, batches, kind="monthly", user=writes.DEMO, is_demo=True)
    ids += writes.record_uploads(con, [_labour_batch(table, settings, today)], kind="labour", user=writes.DEMO,
                                is_demo=True)
    return ids + install_arrears(con, settings, table[["period", "code", "total"]])


def _labour_batch(table: pd.DataFrame, settings: Settings, today: dt.date) -> writes.Batch:
    """Each commune's demo labour force, the same every year from the baseline's to the last demo month's: one
    upload on the 5th of the baseline month, its source saying it is illustrative."""
    years = range(int(settings.baseline_month[:4]), int(last_complete_month(today)[:4]) + 1)
    per_commune = table.drop_duplicates("code")[["code", "labour_force"]]
    rows = pd.concat([per_commune.assign(year=year) for year in years], ignore_index=True).assign(
        source=LABOUR_SOURCE, source_row=None, written_name=None, match_method="demo", match_score=None)
    digest = hashlib.sha256(rows.to_csv(index=False).encode()).hexdigest()
    first = dt.datetime.strptime(settings.baseline_month, "%Y-%m").replace(day=5, hour=9)
    return writes.Batch(rows, "du-lieu-minh-hoa-luc-luong-lao-dong", digest, len(rows), first, "Dữ liệu minh hoạ")


DEMO_DETAIL = {"source_row": None, "written_name": None, "match_method": "demo", "match_score": None}
FIRMS = ("An Phát", "Bình Minh", "Cát Tường", "Đông Á", "Gia Hưng", "Hoàng Long", "Khánh An", "Lam Sơn",
         "Minh Khang", "Nam Việt", "Phú Thịnh", "Quang Vinh", "Sao Mai", "Tân Tiến", "Thành Đạt", "Trường Xuân",
         "Việt Hà", "Xuân Thành")
FORMS = ("Công ty TNHH Minh họa", "Công ty CP Minh họa", "Hợp tác xã Minh họa", "Doanh nghiệp tư nhân Minh họa")
STATUSES = ("late", "late", "late", "owing", "evading")


def arrears_frame(monthly: pd.DataFrame) -> pd.DataFrame:
    """Per month and commune: employers late and evading, workers affected, amount owed (triệu đồng), drifting
    slowly from a level set by the commune's size."""
    rng = np.random.default_rng(SEED + 1)
    size = monthly.groupby("code")["total"].max()
    base = (size / 1500 * rng.uniform(0.4, 1.6, len(size))).round()
    rows = []
    for t, period in enumerate(sorted(monthly["period"].unique())):
        drift = 1 + 0.03 * np.sin(t / 2) + rng.normal(0, 0.08, len(size))
        late = np.maximum((base.to_numpy() * drift).round(), 0)
        for i, code in enumerate(size.index):
            rows.append({"period": period, "code": code, "employers_late": int(late[i]),
                         "workers_affected": int(late[i] * rng.uniform(6, 30)),
                         "amount_owed": round(float(late[i] * rng.uniform(25, 140)), 1),
                         "employers_evading": int(rng.random() < 0.15)})
    return pd.DataFrame(rows)


def tax_codes(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct ten-digit codes with valid check digits (nine random digits whose check digit exists)."""
    out: list[str] = []
    while len(out) < n:
        first = f"0{rng.integers(10**7, 10**8)}"  # nine digits, the first a zero as many provinces' codes have
        digit = taxcode.check_digit(first)
        if digit is not None and first + str(digit) not in out:
            out.append(first + str(digit))
    return out


def employer_frame(arrears: pd.DataFrame, n: int = 24) -> pd.DataFrame:
    """The latest month's employer list: ``n`` fictional employers in the communes owing the most."""
    rng = np.random.default_rng(SEED + 2)
    period = arrears["period"].max()
    owing = arrears[arrears["period"] == period].sort_values("amount_owed", ascending=False)["code"].head(n)
    names = [f"{FORMS[i % len(FORMS)]} {FIRMS[i % len(FIRMS)]}" + (f" {i // len(FIRMS) + 1}" if i >= len(FIRMS)
                                                                   else "") for i in range(n)]
    return pd.DataFrame({
        "period": period, "code": [owing.iloc[i % len(owing)] for i in range(n)], "employer": names,
        "tax_code": tax_codes(rng, n), "taxpayer": "enterprise", "unit_code": [f"TA{1001 + i}" for i in range(n)],
        "months_late": rng.integers(1, 15, n), "amount_owed": (rng.gamma(1.6, 120, n)).round(1),
        "status": [STATUSES[i % len(STATUSES)] for i in range(n)]})


def install_arrears(con: Connection, settings: Settings, monthly: pd.DataFrame) -> list[int]:
    """Arrears per commune, one upload per month on the 12th of the next, and the last month's employer list."""
    arrears = arrears_frame(monthly).assign(**DEMO_DETAIL)
    batches = []
    for period, rows in arrears.groupby("period"):
        digest = hashlib.sha256(rows.to_csv(index=False).encode()).hexdigest()
        when = dt.datetime.strptime(add_months(period, 1), "%Y-%m").replace(day=12, hour=9)
        batches.append(writes.Batch(rows, f"no-cham-dong-minh-hoa-{period}", digest, len(rows), when,
                                   "Dữ liệu minh hoạ"))
    ids = writes.record_uploads(con, batches, kind="arrears", user=writes.DEMO, is_demo=True)
    listed = employer_frame(arrears).assign(**DEMO_DETAIL)
    period = listed["period"].iloc[0]
    digest = hashlib.sha256(listed.to_csv(index=False).encode()).hexdigest()
    when = dt.datetime.strptime(add_months(period, 1), "%Y-%m").replace(day=15, hour=9)
    ids.append(writes.record_upload(con, listed, kind="employers", file_name=f"danh-sach-don-vi-no-minh-hoa-{period}",
                                   sha256=digest, user=writes.DEMO, rows_read=len(listed), note="Dữ liệu minh hoạ",
                                   is_demo=True, now=when))
    return ids
