"""The one writer process: it owns the database file, runs every write of the catalogue sent to it and publishes a
snapshot after each, while the server's replicas and the command line only read snapshots.

A caller (a replica, the command line) runs a write's role check and its ``prepare`` itself, against the snapshot it
reads, and sends the rest: the write's name, the arguments of its transaction, the acting user and the moment. The
writer checks the role again, runs the same transaction with its audit row under the one lock, publishes the new
snapshot and only then answers, so the caller's next read sees its own write. The channel is a Unix socket in the
database's folder, reached only with the shared key in ``<database>.writer.key`` (readable by its owner alone):
``multiprocessing.connection`` authenticates each connection by HMAC before anything is unpickled.
"""

from __future__ import annotations

import logging
import os
import pickle
import secrets
import socket
import threading
from collections.abc import Callable
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Listener
from multiprocessing.connection import Connection as Channel
from pathlib import Path
from typing import Any

from analytics.errors import DatabaseError, WriterUnavailable
from analytics.storage import db, snapshots
from analytics.storage.writes import catalogue

_log = logging.getLogger("bhxh")


def socket_for(database: Path) -> Path:
    return database.with_name(f"{database.name}.writer.sock")


def key_for(database: Path) -> Path:
    return database.with_name(f"{database.name}.writer.key")


def _new_key(path: Path) -> bytes:
    """A fresh shared key, written so that only this account can read it."""
    key = secrets.token_bytes(32)
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(key)
    return key


class Writer:
    """The writer's side: the database opened for writing, a snapshot published, the socket listening."""

    def __init__(self, database: Path, con: db.Connection, published: Callable[[], None] = lambda: None):
        """``published``: told after each snapshot is made current (the public site renders it again)."""
        self.database, self.con = database, con
        self._closed = threading.Event()

        def publish(committed: db.Connection) -> None:
            snapshots.publish(committed, database)
            published()

        publish(con)
        catalogue.publish_after_commit(publish)
        path = socket_for(database)
        path.unlink(missing_ok=True)
        self.listener = Listener(str(path), "AF_UNIX", authkey=_new_key(key_for(database)))
        os.chmod(path, 0o600)

    def serve_forever(self) -> None:
        while not self._closed.is_set():
            try:
                channel = self.listener.accept()
            except (OSError, EOFError, AuthenticationError) as exc:  # no key, a probe of ``running``, ``close``
                _log.debug("writer: a connection was refused (%s)", exc)
                continue
            threading.Thread(target=self._serve, args=(channel,), daemon=True).start()

    def _serve(self, channel: Channel) -> None:
        con = self.con.cursor()
        with channel:
            while True:
                try:
                    name, args, kwargs, user, now = channel.recv()
                except EOFError:
                    return
                channel.send(self._run(con, name, args, kwargs, user, now))

    def _run(self, con: db.Connection, name: str, args: tuple, kwargs: dict, user, now):
        """("done", Done) or ("error", the exception): the write committed and published, or nothing changed."""
        try:
            return "done", catalogue.committed(con, name, args, kwargs, user, now)
        except Exception as exc:  # the caller raises it: a refusal, a conflict, a translated DuckDB error
            return "error", exc if _picklable(exc) else DatabaseError(str(exc))

    def close(self) -> None:
        self._closed.set()
        running(self.database)  # wakes ``accept`` so that the loop sees it is closed
        catalogue.publish_after_commit(None)
        self.listener.close()
        socket_for(self.database).unlink(missing_ok=True)


def _picklable(value) -> bool:
    try:
        pickle.dumps(value)
    except Exception:  # an exception whose arguments cannot be rebuilt on the other side
        return False
    return True


class Remote:
    """A replica's or the command line's side: each write sent to the writer over one channel per thread."""

    def __init__(self, database: Path):
        self.database = database
        self._local = threading.local()

    def _channel(self) -> Channel:
        channel = getattr(self._local, "channel", None)
        if channel is None:
            try:
                channel = Client(str(socket_for(self.database)), "AF_UNIX", authkey=key_for(self.database).read_bytes())
            except (OSError, EOFError) as exc:
                raise WriterUnavailable(_UNREACHABLE) from exc
            self._local.channel = channel
        return channel

    def __call__(self, name: str, args: tuple, kwargs: dict, user, now) -> catalogue.Done[Any]:
        channel = self._channel()
        try:
            channel.send((name, args, kwargs, user, now))
            answered = channel.poll(ANSWER_S)
            outcome, value = channel.recv() if answered else ("", None)
        except (OSError, EOFError) as exc:
            self._local.channel = None
            raise WriterUnavailable(_UNREACHABLE) from exc
        if not answered:
            self._local.channel = None  # a late answer must not be read as the next write's
            raise WriterUnavailable(_UNANSWERED)
        if outcome == "error":
            raise value if isinstance(value, Exception) else DatabaseError(str(value))
        if not isinstance(value, catalogue.Done):
            raise DatabaseError(f"Tiến trình ghi dữ liệu trả lời không đúng dạng ({type(value).__name__}).")
        return value


ANSWER_S = 120  # a write that takes longer has a writer that is stuck: the caller is told, not left waiting
_UNANSWERED = ("Tiến trình ghi dữ liệu không trả lời sau 2 phút; chưa biết thao tác đã được ghi hay chưa. Hãy tải lại "
               "trang để xem số liệu hiện có trước khi thử lại, và báo quản trị hệ thống.")
_UNREACHABLE = ("Không gửi được thao tác tới tiến trình ghi dữ liệu nên chưa có gì được ghi. Hãy thử lại sau giây "
                "lát; nếu vẫn lỗi, báo quản trị hệ thống khởi động lại ứng dụng.")


def send_writes_to(database: Path) -> None:
    """Every write of this process from now on runs in the writer of ``database``."""
    catalogue.forward_to(Remote(database))


def running(database: Path) -> bool:
    """A writer listens for ``database``: its socket answers."""
    path = socket_for(database)
    if not path.exists():
        return False
    probe = socket.socket(socket.AF_UNIX)
    try:
        probe.connect(str(path))
        return True
    except OSError:
        return False
    finally:
        probe.close()
