"""Every function that changes the database, one catalogue (``CATALOGUE``): nothing outside this package writes.

Each write checks its role, runs in one transaction under the one lock, writes its audit row and renews the data
version where figures change (see ``catalogue``). Callers: ``from analytics.storage import writes``;
``writes.withdraw(con, upload_id, user)``.
"""

from analytics.access.accounts import SYSTEM
from analytics.storage.writes.accounts import (
    change_settings,
    create_user,
    reset_password,
    rotate_session_key,
    set_disabled,
)
from analytics.storage.writes.backups import backup_failed, make_backup, prune_backups
from analytics.storage.writes.catalogue import CATALOGUE, WRITE_LOCK, Write
from analytics.storage.writes.commune_reports import record_commune_report
from analytics.storage.writes.downloads import record_download
from analytics.storage.writes.layouts import delete_layout, save_layout
from analytics.storage.writes.logins import authenticate
from analytics.storage.writes.names import confirm_name, forget_name
from analytics.storage.writes.plan import build_database
from analytics.storage.writes.publications import publish, withdraw_publication
from analytics.storage.writes.sessions import end_session, signed_in, start_session
from analytics.storage.writes.uploads import DEMO, Batch, record_upload, record_uploads, remove_demo, withdraw

__all__ = [
    "CATALOGUE", "DEMO", "SYSTEM", "WRITE_LOCK", "Batch", "Write",
    "authenticate", "backup_failed", "build_database", "change_settings", "confirm_name", "create_user",
    "delete_layout", "end_session", "forget_name", "make_backup", "prune_backups", "publish", "record_commune_report",
    "record_download", "record_upload", "record_uploads", "remove_demo", "reset_password", "rotate_session_key",
    "save_layout", "set_disabled", "signed_in", "start_session", "withdraw", "withdraw_publication",
]
