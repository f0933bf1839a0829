"""The budget for the State's support of voluntary contributions, year by year to the plan's end (plan III.5.a,
V.2.a-b), so the Department of Finance can propose it.

Each month counts the voluntary participants at its end (a stock): a month already reported counts what the
communes reported (a commune that missed it keeps its last report), a later month the chosen basis, either
the trajectory to the 2030 voluntary minimum or the projection of the trend. A year's person-months are the sum
of its months. Split by the group mix, each group's person-months times the month's contribution at the
minimum base (``[support]`` of the plan file) times the State's rate give the support; the provincial top-up,
a scenario's rate per group, is worked out the same way. Support and top-up together never exceed the whole
contribution: a scenario asking for more is refused, not capped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from analytics.errors import InsufficientHistory, SupportScenarioRefused
from analytics.figures import outlook, trajectory
from analytics.figures.projection import calibrated
from analytics.figures.spans import add_months, month_index
from analytics.settings import SUPPORT_GROUPS, Settings, Support, check_shares
from analytics.storage import cache, reads
from analytics.storage.db import Connection
from analytics.text import fmt, labels
from analytics.units import scopes

BASES = ("trajectory", "projection")
MONTH_SOURCES = ("reported", "carried_back", "basis")  # how a month's stock was found


@dataclass(frozen=True)
class Budget:
    """One scenario's budget, every figure with how it was computed."""

    basis: str
    until: str  # the last month whose reports count
    mix_pct: dict  # group -> percent of voluntary participants
    topup_pct: dict  # group -> provincial top-up, percentage points of the contribution
    months: pd.DataFrame  # period, year, stock, source (MONTH_SOURCES)
    groups: pd.DataFrame  # year, group, person_months, contribution, rate_pct, topup_pct, support, topup
    years: pd.DataFrame  # year, person_months, reported_months, basis_months, poverty_line, contribution,
    #                      support, topup, central, provincial, total (``explained`` adds each one's formula)

    def basis_below_reported(self) -> BasisBelow | None:
        """Where the basis starts below what was last reported, as the trajectory to a minimum does for a
        province ahead of it: the later years then count fewer people than already take part."""
        reported, later = (self.months[self.months["source"] == s] for s in ("reported", "basis"))
        if reported.empty or later.empty:
            return None
        last, first = reported.iloc[-1], later.iloc[0]
        return BasisBelow(last["period"], last["stock"], first["period"], first["stock"]) \
            if first["stock"] < last["stock"] else None


@dataclass(frozen=True)
class BasisBelow:
    """The last reported month and its voluntary stock against the basis's first month and its lower stock."""

    last_period: str
    last_stock: float
    basis_period: str
    basis_stock: float


def support_of(settings: Settings) -> Support:
    if settings.support is None:
        raise SupportScenarioRefused("Tệp cấu hình kế hoạch chưa có mục [support] (mức hỗ trợ đóng BHXH tự nguyện): "
                                     "hãy thêm mục này theo tệp data/plan.toml đi kèm.")
    return settings.support


def checked_topups(support: Support, topup_pct: dict) -> dict:
    """Each group's top-up, refused where the State's rate and it would pass the whole contribution."""
    topups = check_shares(topup_pct, "Mức hỗ trợ thêm của tỉnh", error=SupportScenarioRefused)
    over = [f"{labels.SUPPORT_GROUP[g]}: {fmt.decimal(support.rates_pct[g])} % + {fmt.decimal(t)} %"
            for g, t in topups.items() if support.rates_pct[g] + t > 100]
    if over:
        raise SupportScenarioRefused(
            "Tổng mức Nhà nước hỗ trợ và tỉnh hỗ trợ thêm không được vượt 100 % mức đóng (" + "; ".join(over)
            + "). Hãy giảm mức hỗ trợ thêm của nhóm đó.")
    return topups


def plan_months(settings: Settings) -> list[str]:
    """Every month the budget covers: from the baseline month, or January of the first year the [support] rates are
    given for if that is later (a monitoring that began earlier has no rates for those years), to December of the
    target year."""
    start = max(settings.baseline_month, f"{min(support_of(settings).poverty_line)}-01")
    first, last = month_index(start), month_index(f"{settings.target_year}-12")
    return [add_months(start, k) for k in range(last - first + 1)]


def _reported(con: Connection, codes: list[str] | None, months: list[str], until: str) -> pd.Series:
    """Per month up to ``until``: the sum of each commune's voluntary stock, a month it did not report taking
    its last report before; NaN before the first report."""
    values = reads.monthly(con)
    values = values[(values["period"] <= until) & values["voluntary"].notna()]
    if codes is not None:
        values = values[scopes.among(values["code"], codes)]
    wide = values.pivot_table(index="period", columns="code", values="voluntary", aggfunc="last")
    shown = [m for m in months if m <= until]
    return wide.reindex(sorted(set(wide.index) | set(shown))).ffill().reindex(shown).sum(axis=1, min_count=1)


def _basis(con: Connection, settings: Settings, basis: str, months: list[str], codes, until: str) -> pd.Series:
    """The voluntary stock the basis gives each month after ``until``."""
    later = [m for m in months if m > until]
    if basis == "trajectory":
        return pd.Series(trajectory.expected_sums(con, settings, months, codes)["voluntary"], index=months)[later]
    series = outlook.province_outlook(con, settings, codes, until)["series"]
    voluntary = series.set_index("period")["voluntary"].dropna()
    try:
        fit, _ = calibrated(voluntary, f"{settings.target_year}-12")
    except InsufficientHistory as exc:
        raise SupportScenarioRefused(f"Chưa dự báo được số người tham gia tự nguyện: {exc} Hãy chọn cơ sở "
                                     "«lộ trình».") from exc
    return fit.path.set_index("period")["projected"].reindex(later)


def monthly_stocks(con: Connection, settings: Settings, basis: str, codes: list[str] | None,
                   until: str) -> pd.DataFrame:
    """period, year, stock, source: each month of the plan; before the first report the first report's stock."""
    if basis not in BASES:
        raise ValueError(f"basis must be one of {BASES}, got {basis!r}")
    months = plan_months(settings)
    reported = _reported(con, codes, months, until)
    if reported.dropna().empty:
        raise SupportScenarioRefused("Chưa có số người tham gia tự nguyện nào được báo cáo đến "
                                     f"{fmt.month(until)}, nên chưa tính được kinh phí hỗ trợ.")
    first = reported.first_valid_index()
    source = np.where(reported.isna(), "carried_back", "reported")
    stocks = pd.concat([reported.fillna(reported[first]), _basis(con, settings, basis, months, codes, until)])
    return pd.DataFrame({"period": months, "year": [int(m[:4]) for m in months], "stock": stocks[months].to_numpy(),
                         "source": [*source, *["basis"] * (len(months) - len(reported))]})


def _group_rows(support: Support, year: int, person_months: float, mix: dict, topups: dict) -> list[dict]:
    contribution = support.contribution_by_year[year]
    rows = []
    for group in SUPPORT_GROUPS:
        months = person_months * mix[group] / 100
        rate, topup = support.rates_pct[group], topups[group]
        rows.append({"year": year, "group": group, "person_months": months, "contribution": contribution,
                     "rate_pct": rate, "topup_pct": topup, "support": months * contribution * rate / 100,
                     "topup": months * contribution * topup / 100})
    return rows


def _year_row(support: Support, year: int, stocks: pd.DataFrame, groups: pd.DataFrame) -> dict:
    mine = stocks[stocks["year"] == year]
    basis = int((mine["source"] == "basis").sum())
    paid, extra = float(groups["support"].sum()), float(groups["topup"].sum())
    central = paid if support.support_paid_by == "central" else 0.0
    return {"year": year, "person_months": float(mine["stock"].sum()), "reported_months": len(mine) - basis,
            "basis_months": basis, "poverty_line": support.poverty_line_by_year[year],
            "contribution": support.contribution_by_year[year], "support": paid, "topup": extra, "central": central,
            "provincial": paid + extra - central, "total": paid + extra}


@cache.shared(max_entries=32)
def budget(con: Connection, settings: Settings, basis: str = "trajectory", mix_pct: dict | None = None,
           topup_pct: dict | None = None, codes: list[str] | None = None, until: str | None = None) -> Budget:
    """The budget of a scenario: basis, group mix (None: the settings'), top-up per group (None: none), scope
    (None: the province), the last month whose reports count (None: the latest)."""
    support = support_of(settings)
    # The plan's own mix was checked when the plan was read; only a scenario's figures are checked here.
    mix = support.mix_pct if mix_pct is None else check_shares(mix_pct, "Cơ cấu nhóm đối tượng", 100,
                                                               SupportScenarioRefused)
    topups = dict.fromkeys(SUPPORT_GROUPS, 0.0) if topup_pct is None else checked_topups(support, topup_pct)
    until = until or reads.latest_period(con)
    if until is None:
        raise SupportScenarioRefused("Chưa có số liệu hằng tháng, nên chưa tính được kinh phí hỗ trợ.")
    stocks = monthly_stocks(con, settings, basis, codes, until)
    group_rows, year_rows = [], []
    for year, person_months in stocks.groupby("year")["stock"].sum().items():
        rows = _group_rows(support, int(year), float(person_months), mix, topups)
        group_rows += rows
        year_rows.append(_year_row(support, int(year), stocks, pd.DataFrame(rows)))
    return Budget(basis, until, mix, topups, stocks, pd.DataFrame(group_rows), pd.DataFrame(year_rows))


@cache.shared(max_entries=16)
def sensitivity(con: Connection, settings: Settings, basis: str = "trajectory", mix_pct: dict | None = None,
                codes: list[str] | None = None, until: str | None = None) -> pd.DataFrame:
    """Per uniform top-up of the settings' list (percentage points, for every group): the provincial budget of
    each year (columns named by year) and in total, with its formula. Rates the State's highest rate leaves no
    room for are left out."""
    support = support_of(settings)
    room = 100 - max(support.rates_pct.values())
    rows = []
    for topup in (t for t in support.sensitivity_topup_pct if t <= room):
        plan = budget(con, settings, basis, mix_pct, dict.fromkeys(SUPPORT_GROUPS, topup), codes, until)
        by_year = plan.years.set_index("year")["provincial"]
        rows.append({"topup_pct": topup, **{str(y): float(v) for y, v in by_year.items()},
                     "total": float(by_year.sum()),
                     "formula": f"{fmt.decimal(topup)} % × người-tháng của năm × mức đóng của năm"
                                + (" + phần Nhà nước hỗ trợ do ngân sách tỉnh chi"
                                   if support.support_paid_by == "provincial" else "")})
    return pd.DataFrame(rows)


def _money(value: float) -> str:
    return f"{fmt.number(value)} đ"


def _year_formula(support: Support, year) -> str:
    months = year.reported_months + year.basis_months
    return (f"{fmt.number(year.person_months, 1)} người-tháng (tổng số người tham gia tự nguyện cuối "
            f"{fmt.number(months)} tháng: {fmt.number(year.reported_months)} tháng theo báo cáo, "
            f"{fmt.number(year.basis_months)} tháng theo cơ sở tính); mức đóng "
            f"{fmt.decimal(support.contribution_rate_pct)} % × {_money(year.poverty_line)} = "
            f"{_money(year.contribution)}/tháng; Nhà nước hỗ trợ {_money(year.support)} "
            f"({labels.BUDGET[support.support_paid_by].lower()}), tỉnh hỗ trợ thêm {_money(year.topup)}")


def _group_formula(group, year_months: float, share: float) -> str:
    formula = (f"{fmt.number(year_months, 1)} người-tháng × {fmt.decimal(share)} % = "
               f"{fmt.number(group.person_months, 1)} người-tháng; × {_money(group.contribution)} × "
               f"{fmt.decimal(group.rate_pct)} % = {_money(group.support)} Nhà nước hỗ trợ")
    if group.topup_pct:
        formula += (f"; × {_money(group.contribution)} × {fmt.decimal(group.topup_pct)} % = {_money(group.topup)} "
                    "tỉnh hỗ trợ thêm")
    return formula


def explained(settings: Settings, plan: Budget) -> Budget:
    """``plan`` with a ``formula`` beside each year's and each group's figures, in the reader's words: the page and
    the workbook show how every figure was worked out, while the figures themselves are computed without words."""
    support = support_of(settings)
    totals = plan.years.set_index("year")["person_months"]
    groups = plan.groups.assign(formula=[_group_formula(g, totals[g.year], plan.mix_pct[g.group])
                                         for g in plan.groups.itertuples()])
    years = plan.years.assign(formula=[_year_formula(support, y) for y in plan.years.itertuples()])
    return replace(plan, groups=groups, years=years)


def method_lines(settings: Settings, plan: Budget) -> list[str]:
    """How every figure is computed, with its legal sources, in the reader's words."""
    support = support_of(settings)
    lines = ", ".join(f"{_money(v)} từ năm {y}" for y, v in support.poverty_line.items())
    rates = ", ".join(f"{labels.SUPPORT_GROUP[g].lower()} {fmt.decimal(r)} %" for g, r in support.rates_pct.items())
    basis = labels.SUPPORT_BASIS[plan.basis].lower()
    return [
        f"Số người tham gia tự nguyện cuối mỗi tháng: tháng đã có báo cáo (đến {fmt.month(plan.until)}) lấy số báo "
        "cáo, xã, phường chưa báo cáo tháng đó giữ số tháng báo cáo gần nhất; các tháng sau lấy theo "
        f"{basis}; các tháng trước tháng có báo cáo đầu tiên lấy số của tháng đó.",
        "Người-tháng của một năm = tổng số người tham gia tự nguyện cuối các tháng của năm; mỗi nhóm = người-tháng "
        "× tỷ trọng của nhóm.",
        f"Mức đóng hằng tháng = {fmt.decimal(support.contribution_rate_pct)} % × chuẩn nghèo khu vực nông thôn "
        f"({support.contribution_source}); chuẩn nghèo: {lines}, năm sau đó giữ mức cuối "
        f"({support.poverty_line_source}).",
        f"Nhà nước hỗ trợ = người-tháng của nhóm × mức đóng × tỷ lệ hỗ trợ: {rates}; tối đa "
        f"{fmt.number(support.max_years)} năm ({support.rates_source}). Phần này do "
        f"{labels.BUDGET[support.support_paid_by].lower()} chi theo phân cấp ngân sách hiện hành.",
        "Tỉnh hỗ trợ thêm = người-tháng của nhóm × mức đóng × mức hỗ trợ thêm (kịch bản), do ngân sách tỉnh chi; "
        "tổng mức Nhà nước hỗ trợ và tỉnh hỗ trợ thêm không vượt 100 % mức đóng (kịch bản vượt bị từ chối).",
        "Cơ cấu nhóm: " + ", ".join(f"{labels.SUPPORT_GROUP[g].lower()} {fmt.decimal(v)} %"
                                    for g, v in plan.mix_pct.items())
        + (f" ({support.mix_source})." if plan.mix_pct == support.mix_pct else " (kịch bản nhập trên trang)."),
    ]


MILLION = 1e6


def yearly_table(plan: Budget) -> pd.DataFrame:
    """The years and their sum («Cộng»), money in triệu đồng: year (text), person_months, contribution (đồng),
    central, provincial, total."""
    years = plan.years.assign(year=plan.years["year"].astype(str))
    total = {"year": "Cộng", "person_months": years["person_months"].sum(), "contribution": np.nan,
             **{c: years[c].sum() for c in ("central", "provincial", "total")}}
    frame = pd.concat([years, pd.DataFrame([total])], ignore_index=True)
    return frame[["year", "person_months", "contribution", "central", "provincial", "total"]].assign(
        **{c: frame[c] / MILLION for c in ("central", "provincial", "total")})


def sensitivity_table(frame: pd.DataFrame) -> pd.DataFrame:
    """``sensitivity`` with its money in triệu đồng."""
    money = [c for c in frame.columns if c.isdigit() or c == "total"]
    return frame.assign(**{c: frame[c] / MILLION for c in money})
