"""Public disclosure of the employers that pay late, evade or owe (plan III.4.c): nothing about an employer is
public until an administrator publishes one month's list, with its date and source, and it stops being public
when the publication is withdrawn.

A publication is a snapshot: the list in force when it was published, copied with the commune's name, so a
later upload of that month changes what the dashboard monitors but never silently what the public was told.
To publish a corrected list, withdraw the publication and publish again (analytics.storage.writes.publish and
withdraw_publication).
"""

from __future__ import annotations

import pandas as pd

from analytics.storage import cache, db
from analytics.storage.db import Connection

ROW_COLUMNS = ["employer", "tax_code", "commune", "months_late", "amount_owed", "status"]


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
