"""Developer sessions: listing, pagination, include_all, one session, real deletes, feedback."""

from __future__ import annotations

import pytest

from models import Conversation, Feedback, Message, UsageDaily, db

QUESTION = "How long does international shipping take?"


def ask(client, auth, sid, text=QUESTION):
    response = client.post("/api/v1/chat", json={"message": text, "session_id": sid}, headers=auth)
    assert response.status_code == 200, response.json
    return response.json


def test_list_sessions_most_recent_first(client, auth):
    for sid in ("a", "b", "c"):
        ask(client, auth, sid)
    ask(client, auth, "a", "And refunds?")
    body = client.get("/api/v1/sessions", headers=auth).json
    assert body["success"] is True
    assert [s["session_id"] for s in body["sessions"]] == ["a", "c", "b"]
    first = body["sessions"][0]
    assert first["message_count"] == 4 and first["total_tokens"] > 0
    assert first["preview"] == QUESTION and "messages" not in first
    assert first["last_at"].endswith("Z")
    assert body["meta"] == {"current_page": 1, "per_page": 20, "has_more": False}


@pytest.mark.parametrize(
    ("query", "ids", "has_more"),
    [
        ("per_page=2", ["e", "d"], True),
        ("per_page=2&page=2", ["c", "b"], True),
        ("per_page=2&page=3", ["a"], False),
        ("per_page=2&page=4", [], False),
        ("per_page=5", ["e", "d", "c", "b", "a"], False),
        ("per_page=1&page=5", ["a"], False),
        ("per_page=100", ["e", "d", "c", "b", "a"], False),
    ],
)
def test_pagination_edges(client, auth, query, ids, has_more):
    for sid in "abcde":
        ask(client, auth, sid)
    body = client.get(f"/api/v1/sessions?{query}", headers=auth).json
    assert [s["session_id"] for s in body["sessions"]] == ids
    assert body["meta"]["has_more"] is has_more


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-1",
        "page=x",
        "page=1.5",
        "per_page=0",
        "per_page=101",
        "per_page=abc",
        "include_all=maybe",
    ],
)
def test_bad_paging_is_400(client, auth, query):
    response = client.get(f"/api/v1/sessions?{query}", headers=auth)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_request"


def test_include_all_adds_messages_with_feedback(client, auth, bot, make_key):
    answer = ask(client, auth, "s1")
    ask(client, auth, "s2")
    public = make_key(bot, "public", origins=["https://shop.example"])
    rated = client.post(
        f"/v1/messages/{answer['message_id']}/feedback",
        json={"rating": "down", "comment": "Too vague"},
        headers={"x-widget-api-key": public, "Origin": "https://shop.example"},
    )
    assert rated.status_code == 200
    body = client.get("/api/v1/sessions?include_all=true", headers=auth).json
    by_id = {s["session_id"]: s for s in body["sessions"]}
    messages = by_id["s1"]["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert messages[0]["content"] == QUESTION
    assert messages[1]["message_id"] == answer["message_id"]
    assert messages[1]["feedback"] == {"rating": "down", "comment": "Too vague"}
    assert by_id["s2"]["messages"][1]["feedback"] is None


def test_get_one_session(client, auth):
    answer = ask(client, auth, "one")
    body = client.get("/api/v1/sessions/one", headers=auth).json
    session = body["session"]
    assert body["success"] is True and session["session_id"] == "one"
    assert session["messages"][1]["content"] == answer["answer"]
    assert session["messages"][1]["sources"][0]["title"] == "Shipping policy"


def test_delete_session_is_real_and_keeps_usage(app, client, auth):
    answer = ask(client, auth, "gone")
    ask(client, auth, "kept")
    client.post(
        f"/v1/messages/{answer['message_id']}/feedback", json={"rating": "up"}, headers=auth
    )
    before = client.get("/api/v1/usage", headers=auth).json
    response = client.delete("/api/v1/sessions/gone", headers=auth)
    assert response.status_code == 200
    assert response.json == {"success": True, "session_id": "gone", "deleted": True}
    assert client.get("/api/v1/sessions/gone", headers=auth).status_code == 404
    assert client.delete("/api/v1/sessions/gone", headers=auth).status_code == 404
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Feedback)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == 2
        assert [c.session_id for c in db.session.scalars(db.select(Conversation))] == ["kept"]
        assert db.session.scalar(db.select(db.func.sum(UsageDaily.requests))) == 2
    assert client.get("/api/v1/usage", headers=auth).json == before
    # The session id can start afresh.
    assert ask(client, auth, "gone")["session_id"] == "gone"


def test_another_bots_session_is_404_with_nothing_leaked(client, auth, make_bot, make_key):
    other = {"Authorization": f"Bearer {make_key(make_bot('Other bot'))}"}
    ask(client, other, "theirs", "A private question about refunds")
    mine = client.get("/api/v1/sessions/theirs", headers=auth)
    missing = client.get("/api/v1/sessions/never-existed", headers=auth)
    assert mine.status_code == missing.status_code == 404
    assert mine.json == missing.json
    assert "refunds" not in mine.get_data(as_text=True)
    assert client.delete("/api/v1/sessions/theirs", headers=auth).status_code == 404
    assert client.get("/api/v1/sessions", headers=auth).json["sessions"] == []
    assert client.get("/api/v1/sessions/theirs", headers=other).status_code == 200


@pytest.mark.parametrize("sid", ["a" * 129, "white space", "semi;colon", "%00"])
def test_bad_session_id_is_400(client, auth, sid):
    response = client.get(f"/api/v1/sessions/{sid}", headers=auth)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_request"


def test_read_scope_cannot_delete(client, bot, make_key):
    reader = {"x-api-key": make_key(bot, scopes=["sessions:read"])}
    assert client.get("/api/v1/sessions", headers=reader).status_code == 200
    response = client.delete("/api/v1/sessions/x", headers=reader)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "scope_not_allowed"
