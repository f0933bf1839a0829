"""Failures as a reader sees them: an expected one in Vietnamese, an unexpected one under an incident number."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from contextlib import contextmanager

import duckdb
import streamlit as st

from analytics.errors import AnalyticsError
from analytics.storage import db
from analytics.text import usertext


@contextmanager
def shown_errors():
    """Expected failures become a Vietnamese message on the page, never a traceback.

    Analytics translates DuckDB's errors at its storage boundary; one that comes from elsewhere is translated
    the same way here.
    """
    try:
        yield
    except AnalyticsError as exc:
        show_error(exc)
        st.stop()
    except duckdb.Error as exc:
        show_error(db.translated(exc))
        st.stop()


_LOG = logging.getLogger("bhxh")


def incident(exc: BaseException) -> str:
    """The last line of defence: the trace goes to the server's log under a new incident number; the reader
    gets a Vietnamese message with that number and nothing of the trace."""
    number = f"{dt.datetime.now():%Y%m%d}-{secrets.token_hex(3).upper()}"
    _LOG.error("Sự cố %s", number, exc_info=exc)
    st.error(f"Đã xảy ra lỗi ngoài dự kiến nên trang chưa hiển thị đầy đủ. Mã sự cố: {number}. Hãy tải lại trang; "
             "nếu lỗi lặp lại, hãy báo quản trị hệ thống kèm mã này.")
    return number


def show_error(exc: Exception) -> None:
    """An error's message, which may quote a name, a file or a value someone typed, shown literally."""
    st.error(usertext.literal(str(exc)))
