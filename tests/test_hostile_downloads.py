"""A file a page offers leaves only to its owner: the download route and the closed metrics, attacked."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from analytics import accounts, audit, db, sessions
from analytics.settings import load_settings
from pages import downloads as page_downloads
from pages import requester
from tests.test_hostile import changed, con, prepared  # noqa: F401 (fixtures)
from web import downloads, session_cookie
from web.admin_only import AdminOnly

ADMIN = accounts.User("quantri", "Quản trị", "admin")
FILE = b"PK\x03\x04 sao luu"


@pytest.fixture
def people(con, monkeypatch):
    """Sessions of the administrator (owner), another administrator, an analyst and a viewer; the routes read
    this test's database."""
    monkeypatch.setattr(page_downloads, "connection", con.cursor)
    monkeypatch.setattr(requester, "connection", con.cursor)
    for name, role in (("quantri2", "admin"), ("chuyenvien", "analyst"), ("lanhdao", "viewer")):
        accounts.create_user(con, accounts.SYSTEM, name, name, role, "mat-khau-rat-dai-123")
    tokens = {name: sessions.start(con, name, 12) for name in ("quantri", "quantri2", "chuyenvien", "lanhdao")}
    return tokens


@pytest.fixture
def client():
    app = Starlette(routes=[*downloads.routes(page_downloads.allowed, page_downloads.audited),
                            Route("/_stcore/metrics", lambda _: PlainTextResponse("cache_memory_bytes 1"))],
                    middleware=[Middleware(AdminOnly, allowed=requester.is_admin)])
    return TestClient(app, base_url="http://127.0.0.1")


def offer(owner_token: str | None, needs: str = "backup", name: str = "bhxh-sao-luu.zip", session: str = "tab-1"):
    owner = downloads.Owner("session", downloads.digest(owner_token)) if owner_token else downloads.Owner("visitor")
    return "/" + downloads.href(downloads.register(session, f"page:{name}", owner, needs, name, "application/zip",
                                                   FILE))


def get(client, url: str, token: str | None = None):
    client.cookies.clear()
    if token:
        client.cookies.set(session_cookie.NAME, token)
    return client.get(url)


@pytest.mark.parametrize("who", [None, "quantri2", "chuyenvien", "lanhdao", "forged"])
def test_someone_else_gets_403_and_nothing_is_written(people, client, con, who):
    url = offer(people["quantri"])
    before = db.checksums(con)
    token = people.get(who, "x" * 40 if who else None)
    answer = get(client, url, token)
    assert (answer.status_code, answer.content) == (403, "Không có quyền tải tệp này.".encode())
    assert db.checksums(con) == before


def test_the_owner_gets_the_file_once_audited(people, client, con):
    url = offer(people["quantri"], name="bản sao lưu.zip")
    before = db.checksums(con)
    answer = get(client, url, people["quantri"])
    assert (answer.status_code, answer.content) == (200, FILE)
    assert answer.headers["content-type"] == "application/zip"
    assert answer.headers["content-disposition"] == (
        "attachment; filename=\"b_n sao l_u.zip\"; filename*=UTF-8''b%E1%BA%A3n%20sao%20l%C6%B0u.zip")
    assert answer.headers["cache-control"] == "no-store, private"
    assert {name for name, digest in db.checksums(con).items() if before[name] != digest} == {"audit_log"}
    assert audit.entries(con, limit=1)[["actor", "action", "detail"]].values.tolist() == [
        ["quantri", "download", "bản sao lưu.zip"]]


def test_a_signed_out_session_or_a_lowered_role_opens_nothing_any_more(people, client, con):
    backup, logout = offer(people["quantri"]), offer(people["chuyenvien"], needs="explore", name="truy-van.csv")
    accounts.set_disabled(con, accounts.SYSTEM, "quantri", True)
    sessions.end(con, people["chuyenvien"])
    before = db.checksums(con)
    assert (get(client, backup, people["quantri"]).status_code, get(client, logout, people["chuyenvien"]).status_code
            ) == (403, 403)
    assert db.checksums(con) == before


def test_a_role_below_the_files_need_is_refused_even_for_its_owner(people, client, con):
    url = offer(people["lanhdao"], needs="audit", name="nhat-ky.csv")
    before = db.checksums(con)
    assert get(client, url, people["lanhdao"]).status_code == 403
    assert db.checksums(con) == before


def test_an_expired_or_made_up_link_is_404(people, client, con):
    url = offer(people["quantri"])
    handle = url.rsplit("/", 1)[1]
    downloads._offers[handle] = dataclasses.replace(downloads._offers[handle], deadline=0)
    before = db.checksums(con)
    assert get(client, url, people["quantri"]).status_code == 404
    assert get(client, "/api/tai-ve/" + "A" * 32, people["quantri"]).status_code == 404
    assert get(client, "/api/tai-ve/../../etc/passwd", people["quantri"]).status_code == 404
    assert db.checksums(con) == before


def test_a_visitors_file_is_public_only_while_viewing_needs_no_login(people, client, con, monkeypatch):
    url = offer(None, needs="view", name="xa-cham-tien-do.csv")
    before = db.checksums(con)
    assert get(client, url).status_code == 200
    closed = dataclasses.replace(load_settings(), viewing_requires_login=True)
    monkeypatch.setattr(page_downloads, "load_settings", lambda: closed)
    assert get(client, url).status_code == 403
    assert db.checksums(con) == before  # a visitor's file is not audited: it holds what anyone may see


def test_links_are_never_shared_between_sessions_and_follow_their_owner():
    owner, other = downloads.Owner("session", "a"), downloads.Owner("session", "b")
    first = downloads.register("tab-1", "p:CSV", owner, "view", "a.csv", "text/csv", b"1")
    again = downloads.register("tab-1", "p:CSV", owner, "view", "a.csv", "text/csv", b"2")
    elsewhere = downloads.register("tab-2", "p:CSV", owner, "view", "a.csv", "text/csv", b"1")
    signed_in_again = downloads.register("tab-1", "p:CSV", other, "view", "a.csv", "text/csv", b"3")
    assert first == again != elsewhere and signed_in_again not in (first, elsewhere)
    assert downloads.found(first) is None and downloads.found(signed_in_again).data == b"3"


def test_one_session_holds_a_bounded_number_of_links():
    owner = downloads.Owner("session", "c")
    handles = [downloads.register("tab-many", f"p:{n}", owner, "view", "a.csv", "text/csv", b"x")
               for n in range(downloads.PER_SESSION + 5)]
    assert [downloads.found(h) is not None for h in handles] == [False] * 5 + [True] * downloads.PER_SESSION


def test_links_die_after_their_lifetime():
    owner = downloads.Owner("session", "d")
    handle = downloads.register("tab-old", "p:x", owner, "view", "a.csv", "text/csv", b"x", now=0.0)
    downloads.register("tab-new", "p:y", owner, "view", "a.csv", "text/csv", b"x", now=downloads.LIFETIME + 1.0)
    assert handle not in downloads._offers


@pytest.mark.parametrize(("who", "code"), [(None, 403), ("lanhdao", 403), ("chuyenvien", 403), ("quantri", 200)])
def test_metrics_only_for_an_administrator(people, client, con, who, code):
    before = db.checksums(con)
    assert get(client, "/_stcore/metrics", people.get(who)).status_code == code
    assert get(client, "/_stcore/metrics/", people.get(who)).status_code == code
    assert db.checksums(con) == before


def test_an_ended_session_cookie_opens_no_metrics(people, client, con):
    sessions.end_all(con, "quantri", "logout", dt.datetime.now())
    before = db.checksums(con)
    assert get(client, "/_stcore/metrics", people["quantri"]).status_code == 403
    assert db.checksums(con) == before
