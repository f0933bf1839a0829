"""Protected downloads, audited when the browser follows the link."""

from __future__ import annotations

from analytics.storage.db import Connection
from analytics.storage.writes.catalogue import Done, Entry, write


@write("download", needs=None)
def record_download(con: Connection, who: str, file_name: str) -> Done[None]:
    """``who`` fetched ``file_name``: the download route has checked the file's need against that account as it is
    now (ui.downloads.allowed), so nothing is checked twice here."""
    return Done((Entry(file_name, actor=who),))
