"""Figures are computed once per data version and shared by every session; a write reaches all of them."""

import pandas as pd
import pytest

from analytics import intake
from analytics.access.accounts import User
from analytics.settings import ROOT
from analytics.storage import cache, db, reads, writes
from analytics.text import fmt
from analytics.units import demo
from tests.helpers import DEMO_TODAY, docx_bytes

ANALYST = User("cv", "Chuyên viên", "analyst")
ADMIN = User("quantri", "Quản trị", "admin")
REPORTS = ROOT / "tests" / "fixtures" / "reports"
RAISED = "11953"  # the commune whose figure the second upload raises


@pytest.fixture
def two_uploads(db_file, settings):
    """Real figures for every month, then a correction raising one commune's latest month by 1.000."""
    con = db.connect(db_file)
    table = demo.generate(con, settings, DEMO_TODAY).assign(source_row=None, written_name=None, match_method="code",
                                                       match_score=None)
    writes.record_upload(con, table, kind="monthly", file_name="thang.csv", sha256="a", user=ANALYST,
                        rows_read=len(table))
    latest = table["period"].max()
    raised = table[(table["period"] == latest) & (table["code"] == RAISED)].assign(total=lambda f: f["total"] + 1000)
    second = writes.record_upload(con, raised, kind="monthly", file_name="dinh-chinh.csv", sha256="b", user=ANALYST,
                                 rows_read=1)
    before, after = (float(t.loc[t["period"] == latest, "total"].sum()) for t in (table, reads.monthly(con)))
    con.close()
    return second, before, after


def shown_total(at) -> str:
    return next(m.value for m in at.metric if m.label == "Số người tham gia")


def test_a_withdrawal_reaches_an_active_and_an_idle_session(two_uploads, db_file, open_page):
    second, before, after = two_uploads
    assert after == before + 1000
    idle = open_page("ui/overview.py", db_file)  # opened, then left alone until after the write
    active = open_page("ui/overview.py", db_file)
    assert shown_total(idle) == shown_total(active) == fmt.number(after)
    active.selectbox[0].select_index(1).run()  # the active reader looks at the month before, then back
    active.selectbox[0].select_index(0).run()
    assert shown_total(active) == fmt.number(after)

    analyst = open_page("ui/upload.py", db_file, user=ADMIN)
    withdraw = next(s for s in analyst.selectbox if s.label == "Rút lần tải lên")
    withdraw.set_value(second).run()
    next(b for b in analyst.button if b.label == "Rút lần tải lên này").click().run()
    assert not analyst.exception

    summaries = cache.stats()["analytics.figures.standing.summary"]
    active.run()
    idle.run()
    assert shown_total(active) == shown_total(idle) == fmt.number(before)
    now = cache.stats()["analytics.figures.standing.summary"]
    # the first session after the write computed the cards; the second was given the same result
    assert (now["misses"] - summaries["misses"], now["hits"] - summaries["hits"]) == (1, 1)


def test_every_write_of_figures_makes_a_new_data_version(two_uploads, db_file, settings, plan_dir):
    second, _, _ = two_uploads
    con = db.connect(db_file)
    seen = [cache.version(con)]

    def changed():
        seen.append(cache.version(con))
        return seen[-1][1] == seen[-2][1] + 1 and seen[-1][2] != seen[-2][2]

    writes.withdraw(con, second, ANALYST)
    assert changed()
    annual = pd.DataFrame({"year": [2027], "code": [RAISED], "total_target": [30000], "voluntary_min": [2000],
                           "source_row": [2], "written_name": [None], "match_method": ["code"], "match_score": [100.0]})
    writes.record_upload(con, annual, kind="annual", file_name="nam.csv", sha256="c", user=ANALYST, rows_read=1)
    assert changed()
    report = (REPORTS / "so-lieu-2026-09.csv").read_bytes()  # a real report through the upload path
    intake.apply(con, intake.prepare(con, report, "so-lieu-2026-09.csv", period="2026-09", today=DEMO_TODAY),
                 user=ANALYST, confirm_warnings=True)
    assert changed()
    in_force = reads.monthly(con)
    assert in_force[(in_force["period"] == "2026-09") & (in_force["code"] == "11953")]["total"].tolist() == [3000]
    writes.confirm_name(con, ADMIN, "Xã Mỹ Sở", "12049")  # the appendix row is matched again: targets change
    assert changed()
    writes.forget_name(con, ADMIN, "Xã Mỹ Sở")
    assert changed()
    writes.change_settings(con, ADMIN, {("thresholds", "on_track_pct"): 97}, path=plan_dir / "plan.toml")
    assert changed()
    writes.build_database(con, settings)  # the plan's files read again
    assert changed()
    writes.remove_demo(con, ANALYST)
    assert changed()
    writes.record_commune_report(con, ANALYST, settings, RAISED, 2026, "bao-cao.docx", docx_bytes("Kết quả đạt được"))
    assert changed()  # a returned report counts towards the reporting figures and the evaluation
    writes.create_user(con, ADMIN, "nguoi-xem", "Người xem", "viewer", "mat-khau-dai-2030")
    assert seen[-1] == cache.version(con)  # accounts are not figures
    con.close()


def stock(values: pd.DataFrame, months: list[str]) -> pd.Series:
    """Each commune's total at its last reported month among ``months``, worked out from the values in force."""
    within = values[values["period"].isin(months)].sort_values("period")
    return within.drop_duplicates("code", keep="last").set_index("code")["total"]


def test_a_month_and_a_quarter_viewed_at_once_each_get_their_own_figures(demo_db, open_page):
    con = db.connect(demo_db)
    values = reads.monthly(con)
    con.close()
    month = open_page("ui/overview.py", demo_db)  # the latest month, 10/2026
    quarter = open_page("ui/overview.py", demo_db, query={"theo": "quy", "quy": "2026-Q3"})
    month.run()  # each session again, after the other has filled the cache
    october, september = stock(values, ["2026-10"]), stock(values, ["2026-09"])
    q3, q2 = stock(values, ["2026-07", "2026-08", "2026-09"]), stock(values, ["2026-04", "2026-05", "2026-06"])
    shown = {at: next(m for m in at.metric if m.label == "Số người tham gia") for at in (month, quarter)}
    assert (shown[month].value, shown[month].delta) == (
        fmt.number(october.sum()), fmt.signed((october - september).dropna().sum()))
    assert (shown[quarter].value, shown[quarter].delta) == (
        fmt.number(q3.sum()), fmt.signed((q3 - q2).dropna().sum()))
    assert shown[month].value != shown[quarter].value
