"""Public disclosure of the employers that pay late, evade or owe (plan III.4.c): nothing about an employer is
public until an administrator publishes one month's list, with its date and source, and it stops being public
when the publication is withdrawn.

A publication is a snapshot: the list in force when it was published, copied with the commune's name, so a
later upload of that month changes what the dashboard monitors but never silently what the public was told.
To publish a corrected list, withdraw the publication and publish again. Each action checks the role, is one
transaction, is audited and renews the data version.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics.access import audit
from analytics.access.accounts import User, require
from analytics.errors import PublicationRefused
from analytics.storage import cache, db
from analytics.storage.db import Connection, transaction
from analytics.storage.store import WRITE_LOCK
from analytics.text import fmt, usertext

ROW_COLUMNS = ["employer", "tax_code", "commune", "months_late", "amount_owed", "status"]


def publish(con: Connection, user: User, period: str, source: str, published_on: dt.date,
            now: dt.datetime | None = None) -> int:
    """Publish the list in force for ``period`` as it stands now; its id."""
    require(user, "publish")
    source, now = usertext.clean(source).strip(), now or dt.datetime.now()
    if not source:
        raise PublicationRefused("Hãy ghi nguồn của danh sách (ví dụ: Bảo hiểm xã hội tỉnh, công văn số …) "
                                 "trước khi công bố.")
    with WRITE_LOCK, transaction(con):
        if db.value(con, "SELECT count(*) FROM publications WHERE period = ? AND withdrawn_at IS NULL", [period]):
            raise PublicationRefused(f"Danh sách {fmt.month(period)} đang được công khai; muốn công bố lại, hãy "
                                     "rút lần công bố đó trước.")
        upload_id = db.value(con, "SELECT max(upload_id) FROM employers_in_force WHERE period = ?", [period])
        if upload_id is None:
            raise PublicationRefused(f"Chưa có danh sách đơn vị nợ, chậm đóng của {fmt.month(period)} để công bố.")
        publication = con.execute(
            "INSERT INTO publications (period, published_on, source, published_by, published_at, upload_id) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id", [period, published_on, source, user.username, now, upload_id],
        ).fetchone()[0]
        con.execute("""
            INSERT INTO publication_rows
            SELECT ?, row_number() OVER (ORDER BY e.amount_owed DESC, e.tax_code), e.employer, e.tax_code, c.name,
                   e.months_late, e.amount_owed, e.status
            FROM employers_in_force e JOIN communes c ON c.code = e.code WHERE e.period = ?""",
                    [publication, period])
        count = db.value(con, "SELECT count(*) FROM publication_rows WHERE publication_id = ?", [publication])
        cache.bump(con)
        audit.record(con, user.username, "publish_employers",
                     f"#{publication} {period}: {count} đơn vị, lần tải lên #{upload_id}; nguồn: {source}", now)
    return publication


def withdraw(con: Connection, user: User, publication: int, now: dt.datetime | None = None) -> None:
    """The list is no longer public; the publication and its rows stay in the database for the record."""
    require(user, "publish")
    now = now or dt.datetime.now()
    with WRITE_LOCK, transaction(con):
        period = db.value(con, "SELECT period FROM publications WHERE id = ? AND withdrawn_at IS NULL",
                          [publication])
        if period is None:
            raise PublicationRefused(f"Không có lần công bố số {publication} đang công khai.")
        con.execute("UPDATE publications SET withdrawn_at = ?, withdrawn_by = ? WHERE id = ?",
                    [now, user.username, publication])
        cache.bump(con)
        audit.record(con, user.username, "withdraw_publication", f"#{publication} {period}", now)


def publications(con: Connection) -> pd.DataFrame:
    """Every publication, newest first: id, period, published_on, source, published_by, published_at, upload_id,
    withdrawn_at, withdrawn_by, employers (how many rows)."""
    return db.query(con, """
        SELECT p.*, (SELECT count(*) FROM publication_rows r WHERE r.publication_id = p.id) AS employers
        FROM publications p ORDER BY p.id DESC""")


@cache.shared(max_entries=4)
def public_lists(con: Connection) -> list[tuple[dict, pd.DataFrame]]:
    """What anyone may see: each publication not withdrawn (newest month first) with its rows in published order."""
    shown = db.query(con, "SELECT id, period, published_on, source FROM publications WHERE withdrawn_at IS NULL "
                          "ORDER BY period DESC, id DESC")
    rows = db.query(con, f"SELECT publication_id, {', '.join(ROW_COLUMNS)} FROM publication_rows "
                         "WHERE publication_id IN (SELECT id FROM publications WHERE withdrawn_at IS NULL) "
                         "ORDER BY publication_id, position")
    return [(p, rows[rows["publication_id"] == p["id"]][ROW_COLUMNS].reset_index(drop=True))
            for p in shown.to_dict("records")]
