"""Lists of violators published and withdrawn (analytics.figures.publication says what the public sees)."""

from __future__ import annotations

import datetime as dt

from analytics.access.accounts import User
from analytics.errors import PublicationRefused
from analytics.storage import db
from analytics.storage.db import Connection
from analytics.storage.writes.catalogue import Done, write
from analytics.text import fmt, usertext


@write("publish_employers", needs="publish", figures=True)
def publish(con: Connection, user: User, period: str, source: str, published_on: dt.date,
            now: dt.datetime | None = None) -> Done[int]:
    """Publish the list in force for ``period`` as it stands now, a snapshot; its id."""
    source = usertext.clean(source).strip()
    if not source:
        raise PublicationRefused("Hãy ghi nguồn của danh sách (ví dụ: Bảo hiểm xã hội tỉnh, công văn số …) "
                                 "trước khi công bố.")
    if db.value(con, "SELECT count(*) FROM publications WHERE period = ? AND withdrawn_at IS NULL", [period]):
        raise PublicationRefused(f"Danh sách {fmt.month(period)} đang được công khai; muốn công bố lại, hãy "
                                 "rút lần công bố đó trước.")
    upload_id = db.value(con, "SELECT max(upload_id) FROM employers_in_force WHERE period = ?", [period])
    if upload_id is None:
        raise PublicationRefused(f"Chưa có danh sách đơn vị nợ, chậm đóng của {fmt.month(period)} để công bố.")
    inserted = con.execute(
        "INSERT INTO publications (period, published_on, source, published_by, published_at, upload_id) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        [period, published_on, source, user.username, now or dt.datetime.now(), upload_id]).fetchone()
    assert inserted is not None  # RETURNING gives the inserted row
    publication = inserted[0]
    con.execute("""
        INSERT INTO publication_rows
        SELECT ?, row_number() OVER (ORDER BY e.amount_owed DESC, e.tax_code), e.employer, e.tax_code, c.name,
               e.months_late, e.amount_owed, e.status
        FROM employers_in_force e JOIN communes c ON c.code = e.code WHERE e.period = ?""", [publication, period])
    count = db.value(con, "SELECT count(*) FROM publication_rows WHERE publication_id = ?", [publication])
    return Done((f"#{publication} {period}: {count} đơn vị, lần tải lên #{upload_id}; nguồn: {source}",), publication)


@write("withdraw_publication", needs="publish", figures=True)
def withdraw_publication(con: Connection, user: User, publication: int, now: dt.datetime | None = None) -> str:
    """The list is no longer public; the publication and its rows stay in the database for the record."""
    period = db.value(con, "SELECT period FROM publications WHERE id = ? AND withdrawn_at IS NULL", [publication])
    if period is None:
        raise PublicationRefused(f"Không có lần công bố số {publication} đang công khai.")
    con.execute("UPDATE publications SET withdrawn_at = ?, withdrawn_by = ? WHERE id = ?",
                [now or dt.datetime.now(), user.username, publication])
    return f"#{publication} {period}"
