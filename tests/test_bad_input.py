"""Hostile input gets a 4xx in SPEC's error shape, never a 500 (SQLite and PostgreSQL alike).

Run on PostgreSQL with DOCENT_TEST_DATABASE_URL=postgresql+psycopg://… like the rest of
the suite; PostgreSQL is the database that refuses NUL in text and ids beyond int4.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from tests import test_dashboard_support as support
from tests.test_api_ws import closed_with, connect

DEEP = 100_000
QUESTION = "How long does shipping take?"


@pytest.fixture
def ids(client: Any, auth: dict[str, str]) -> dict[str, str]:
    """A chat and an answer to aim the routes with path ids at."""
    chat = client.post("/chat", json={"name": "Support"}, headers=auth).json["chat_id"]
    answer = client.post("/v1/chat", json={"sessionId": "s1", "message": QUESTION}, headers=auth)
    return {"chat": chat, "message": answer.json["message_id"]}


# Every route that reads a JSON body, with a valid body to spoil.
JSON_ROUTES = [
    ("post", "/v1/chat", {"sessionId": "s1", "message": QUESTION}),
    ("post", "/v1/chat/stream", {"sessionId": "s1", "message": QUESTION}),
    ("post", "/api/v1/chat", {"message": QUESTION}),
    ("post", "/chat", {"name": "Support"}),
    ("put", "/chat/{chat}/metadata", {"chat_name": "Renamed"}),
    ("post", "/chat/{chat}/question", {"question": QUESTION}),
    ("post", "/chat/{chat}/question/stream", {"question": QUESTION}),
    ("post", "/v1/messages/{message}/feedback", {"rating": "up", "comment": "Thanks"}),
    ("post", "/api/v1/documents", {"title": "Returns", "text": "Returns take a week."}),
]


def send(client: Any, method: str, path: str, ids: dict[str, str], body: str, auth: Any) -> Any:
    return getattr(client, method)(
        path.format(**ids), data=body, content_type="application/json", headers=auth
    )


def refused(response: Any, status: int = 400, code: str = "invalid_request") -> bool:
    body = response.get_json(silent=True) or {}
    assert (response.status_code, body.get("error", {}).get("code")) == (status, code), (
        response.status_code,
        response.data[:300],
    )
    assert body["success"] is False and body["error"]["message"]
    return True


@pytest.mark.parametrize(("method", "path", "body"), JSON_ROUTES)
def test_deeply_nested_json_is_refused(client, auth, ids, method, path, body):
    for depth in (33, DEEP):
        nested = "[" * depth + "]" * depth
        for field in body:
            spoiled = json.dumps({**body, field: "@"}).replace('"@"', nested)
            assert refused(send(client, method, path, ids, spoiled, auth))


@pytest.mark.parametrize(("method", "path", "body"), JSON_ROUTES)
@pytest.mark.parametrize("bad", ["x \\ud800", "x \\udfff y", "x \\u0000 y"])
def test_nul_and_lone_surrogates_are_refused(app, client, auth, ids, method, path, body, bad):
    for field in body:
        spoiled = json.dumps({**body, field: "@"}).replace('"@"', f'"{bad}"')
        assert refused(send(client, method, path, ids, spoiled, auth)), field
    # Nothing of it was stored: the database still answers, and the good body still works.
    good = send(client, method, path, ids, json.dumps(body), auth)
    assert good.status_code < 300 and b'"type": "error"' not in good.get_data()
    good.close()


@pytest.mark.parametrize(
    "path",
    [
        "/v1/messages/ab%00cd/feedback",
        "/api/v1/sessions/a%00b",
        "/v1/sessions/a%00b/messages",
        "/chat/a%00b/history",
        "/api/v1/sessions?page=1%00",
        "/api/v1/usage?start_date=2026-01-01%00",
    ],
)
def test_nul_in_paths_and_queries_is_refused(client, auth, path):
    method = "post" if path.endswith("feedback") else "get"
    response = getattr(client, method)(path, json={"rating": "up"}, headers=auth)
    assert refused(response)


@pytest.mark.parametrize(
    ("filename", "form"),
    [
        ("a" * 5000 + ".txt", {}),
        ("bad\x00name.txt", {}),
        ("notes.txt", {"title": "Ti\x00tle"}),
    ],
)
def test_bad_upload_names_are_refused(app, client, auth, filename, form):
    data = {**form, "file": (io.BytesIO(b"Returns take a week."), filename)}
    response = client.post(
        "/api/v1/documents", data=data, content_type="multipart/form-data", headers=auth
    )
    assert refused(response)


@pytest.mark.parametrize("number", ["2147483648", "99999999999999999999", "9" * 5000])
@pytest.mark.parametrize("method", ["get", "delete"])
def test_ids_beyond_the_integer_range_are_not_found(client, auth, method, number):
    response = getattr(client, method)(f"/api/v1/documents/{number}", headers=auth)
    assert refused(response, 404, "not_found")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/sessions?page={n}",
        "/api/v1/sessions?per_page={n}",
        "/api/v1/documents?page={n}",
        "/chat?page={n}",
        "/chat?per_page={n}",
    ],
)
@pytest.mark.parametrize("number", ["1000001", "99999999999999999999", "9" * 5000, "-1"])
def test_huge_page_numbers_are_refused(client, auth, path, number):
    assert refused(client.get(path.format(n=number), headers=auth))


@pytest.mark.parametrize(
    "query",
    [
        "end_date=0001-01-01",
        "start_date=0001-01-01",
        "end_date=9999-12-31",
        "start_date=9999-12-31",
    ],
)
def test_far_off_usage_dates_are_refused(client, auth, query):
    assert refused(client.get(f"/api/v1/usage?{query}", headers=auth))


def test_dashboard_ids_and_pages_beyond_range(app, client):
    support.make_owner(app)
    assert support.sign_in(client).status_code == 302
    bot = support.owned_bot(app, support.make_owner(app, "x@example.com"))
    for path in (
        "/dashboard/bots/2147483648",
        "/dashboard/bots/99999999999999999999",
        f"/dashboard/bots/{bot}/conversations/2147483648",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
    own = support.owned_bot(app, 1)
    for query in ("page=99999999999999999999", "end=9999-12-31", "start=0001-01-01"):
        listing = client.get(f"/dashboard/bots/{own}/conversations?{query}")
        assert listing.status_code == 200, query
    for query in ("end=0001-01-01", "start=9999-12-31", "end=9999-12-31"):
        usage = client.get(f"/dashboard/bots/{own}/usage?{query}")
        # Shown as a malformed date: the page explains, with the last 30 days.
        assert usage.status_code == 400 and b"Dates look like" in usage.data, query
    posted = client.post(
        f"/dashboard/bots/{own}/documents/text", data={"title": "A\x00B", "text": "Hello"}
    )
    assert posted.status_code == 400 and b"<html" in posted.data


@pytest.fixture
def socket_url(live_server: str, bot: int, make_key: Any) -> str:
    return live_server.replace("http://", "ws://") + f"/api/v1/chat/ws?api_key={make_key(bot)}"


@pytest.mark.parametrize(
    "frame",
    [
        # Deep, yet within the 64 KiB frame limit (larger frames close with 1009).
        '{"message": ' + "[" * 30_000 + "]" * 30_000 + "}",
        '{"message": "x \\ud800"}',
        '{"message": "x \\u0000 y", "session_id": "s1"}',
        '{"message": "hi", "session_id": "x\\u0000"}',
        '{"type": "auth\\u0000"}',
    ],
)
def test_bad_frames_get_an_error_event_and_a_close_code(socket_url, frame):
    ws = connect(socket_url)
    ws.send(frame)
    error, code, _ = closed_with(ws)
    assert error["type"] == "error" and error["error"]["code"] == "invalid_request"
    assert code == 4400


def test_a_server_fault_on_the_socket_is_an_error_event_and_1011(socket_url, monkeypatch):
    """An unexpected exception never reaches Flask, which would write HTTP 500 on the socket."""
    import api.ws

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(api.ws, "start_turn", broken)
    ws = connect(socket_url)
    ws.send(json.dumps({"message": QUESTION}))
    error, code, _ = closed_with(ws)
    assert error["type"] == "error" and error["error"]["code"] == "internal_error"
    assert code == 1011
