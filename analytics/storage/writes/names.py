"""Names people tie to official units (analytics.units.communes): one table for the appendix and every
upload, so each change matches the appendix again at once."""

from __future__ import annotations

import datetime as dt

from analytics.access.accounts import User
from analytics.storage.db import Connection
from analytics.storage.writes.catalogue import Done, write
from analytics.storage.writes.plan import _put_name, _rematch
from analytics.text import usertext
from analytics.units import communes
from analytics.units.names import nfc


@write("confirm_name", needs="confirm_names", figures=True)
def confirm_name(con: Connection, user: User, written: str, code: str, note: str = "",
                 now: dt.datetime | None = None) -> Done[str]:
    """A person ties a written unit name to an official unit (an alias code is taken to its primary code): stored
    once for every later upload and the appendix; the primary code."""
    written, note, now = nfc(usertext.clean(written)), usertext.clean(note), now or dt.datetime.now()
    primary = communes.resolve_code(con, str(code))
    _put_name(con, written, primary, note.strip(), user.username, now)
    _rematch(con)
    return Done((f"«{written}» -> {primary} {note}".strip(),), primary)


@write("forget_name", needs="confirm_names", figures=True)
def forget_name(con: Connection, user: User, written: str) -> str:
    """Withdraw a confirmation; uploads already stored keep the code they were stored with."""
    written = nfc(usertext.clean(written))
    con.execute("DELETE FROM name_confirmations WHERE written_name = ?", [written])
    _rematch(con)
    return f"«{written}»"
