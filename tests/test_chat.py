"""Chat routes over JSON, NDJSON and SSE with the offline engine; validation and errors."""

from __future__ import annotations

import json

import pytest

from models import Conversation, Message, UsageDaily, db

QUESTION = "How long does international shipping take?"


def ndjson_events(response):
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines() if line]


def sse_events(response):
    events = []
    for block in response.get_data(as_text=True).split("\n\n"):
        lines = [line for line in block.splitlines() if line and not line.startswith(":")]
        if lines:
            name = lines[0].removeprefix("event: ")
            events.append((name, json.loads(lines[1].removeprefix("data: "))))
    return events


def test_headless_chat_answers_from_documents(app, client, auth):
    response = client.post("/v1/chat", json={"sessionId": "abc", "message": QUESTION}, headers=auth)
    body = response.json
    assert response.status_code == 200
    assert set(body) == {"sessionId", "message_id", "answer", "sources", "usage", "answered"}
    assert body["answered"] is True
    assert "seven to ten days" in body["answer"] and "[1]" in body["answer"]
    assert body["sources"][0]["title"] == "Shipping policy"
    assert body["sources"][0]["url"] == "https://shop.example/shipping-policy"
    assert body["usage"]["input_tokens"] > 0 and body["usage"]["output_tokens"] > 0
    assert (
        body["usage"]["total_tokens"]
        == body["usage"]["input_tokens"] + body["usage"]["output_tokens"]
    )
    with app.app_context():
        messages = db.session.execute(db.select(Message).order_by(Message.seq)).scalars().all()
        assert [(m.role, m.status) for m in messages] == [
            ("user", "complete"),
            ("assistant", "complete"),
        ]
        assert messages[1].id == body["message_id"] and messages[1].model == "offline"
        usage = db.session.execute(db.select(UsageDaily)).scalar_one()
        assert usage.requests == 1 and usage.output_tokens == body["usage"]["output_tokens"]


def test_offline_engine_says_plainly_when_nothing_is_relevant(client, auth):
    body = client.post(
        "/v1/chat", json={"sessionId": "x", "message": "What is the capital of Peru?"}, headers=auth
    ).json
    assert body["sources"] == []
    assert "couldn't find anything" in body["answer"]


def test_bot_fallback_message_used(client, make_bot, make_key):
    key = make_key(make_bot(fallback_message="Please email support@shop.example."))
    body = client.post(
        "/v1/chat",
        json={"sessionId": "fallback", "message": "Who won the football?"},
        headers={"Authorization": f"Bearer {key}"},
    ).json
    assert body["answer"] == "Please email support@shop.example."


def test_ndjson_stream(client, auth):
    response = client.post(
        "/v1/chat/stream", json={"sessionId": "n1", "message": QUESTION}, headers=auth
    )
    assert response.mimetype == "application/x-ndjson"
    events = ndjson_events(response)
    kinds = [e["type"] for e in events]
    assert kinds[0] == "start" and kinds[-2:] == ["sources", "end"]
    assert set(kinds[1:-2]) == {"delta"} and len(kinds) > 4
    assert events[0]["sessionId"] == "n1" and events[-1]["sessionId"] == "n1"
    assert "seven to ten days" in "".join(e["content"] for e in events if e["type"] == "delta")
    assert events[-1]["usage"]["total_tokens"] > 0


def test_sse_stream(client, auth):
    response = client.post("/api/v1/chat", json={"message": QUESTION, "stream": True}, headers=auth)
    assert response.mimetype == "text/event-stream"
    events = sse_events(response)
    names = [name for name, _ in events]
    assert names[0] == "start" and names[-2:] == ["sources", "end"]
    assert set(names[1:-2]) == {"message"}
    assert "seven to ten days" in "".join(d["content"] for n, d in events if n == "message")
    assert set(events[-1][1]) >= {"session_id", "usage"}


def test_sse_pings_while_waiting(client, make_bot, make_key, app, llm_app, llm, monkeypatch):
    import tests.llm_server as server

    monkeypatch.setattr(server, "SLOW_SECONDS", 0.3)
    app.config["SSE_PING_SECONDS"] = 0.1
    key = make_key(make_bot(model="slow"))
    response = client.post(
        "/api/v1/chat",
        json={"message": QUESTION, "stream": True},
        headers={"Authorization": f"Bearer {key}"},
    )
    text = response.get_data(as_text=True)
    assert ": ping\n\n" in text
    assert sse_events(response)[-1][0] == "end"


def test_developer_chat_json_and_session_memory(app, client, auth):
    first = client.post(
        "/api/v1/chat", json={"message": QUESTION, "session_id": "dev-1"}, headers=auth
    ).json
    assert first["success"] is True and first["session_id"] == "dev-1"
    second = client.post(
        "/api/v1/chat", json={"message": "And refunds?", "session_id": "dev-1"}, headers=auth
    ).json
    assert second["session_id"] == "dev-1"
    with app.app_context():
        conversation = db.session.execute(db.select(Conversation)).scalar_one()
        assert conversation.message_count == 4 and conversation.total_tokens > 0


def test_one_off_question_gets_its_own_session(client, auth):
    a = client.post("/api/v1/chat", json={"message": QUESTION}, headers=auth).json
    b = client.post("/api/v1/chat", json={"message": QUESTION}, headers=auth).json
    assert a["session_id"] != b["session_id"] and "history" not in a


def test_stateless_history_mode(app, client, make_bot, make_key, llm_app, llm):
    key = make_key(make_bot(model="echo"))
    history = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
    body = client.post(
        "/api/v1/chat",
        json={"message": "Second question", "history": history},
        headers={"Authorization": f"Bearer {key}"},
    ).json
    assert body["history"] == [
        *history,
        {"role": "user", "content": "Second question"},
        {"role": "assistant", "content": "Second question"},
    ]
    sent = llm.requests[-1]["body"]["messages"]
    assert [m["content"] for m in sent[1:]] == ["Hi", "Hello!", "Second question"]


def test_stored_history_sent_to_model(client, make_bot, make_key, llm_app, llm):
    key = make_key(make_bot(model="echo"))
    headers = {"Authorization": f"Bearer {key}"}
    client.post("/api/v1/chat", json={"message": "first", "session_id": "h1"}, headers=headers)
    client.post("/api/v1/chat", json={"message": "second", "session_id": "h1"}, headers=headers)
    sent = llm.requests[-1]["body"]["messages"]
    assert [m["content"] for m in sent[1:]] == ["first", "first", "second"]


def test_history_window_respects_token_budget(app, client, make_bot, make_key, llm_app, llm):
    app.config["HISTORY_TOKENS"] = 30
    key = make_key(make_bot(model="echo"))
    headers = {"Authorization": f"Bearer {key}"}
    for word in ("alpha " * 20, "beta", "gamma"):
        client.post("/api/v1/chat", json={"message": word, "session_id": "w"}, headers=headers)
    contents = [m["content"] for m in llm.requests[-1]["body"]["messages"][1:]]
    assert contents == ["beta", "beta", "gamma"]


@pytest.mark.parametrize(
    ("url", "body", "status", "code"),
    [
        ("/v1/chat", {"sessionId": "ok", "message": ""}, 400, "invalid_request"),
        ("/v1/chat", {"sessionId": "ok", "message": "   "}, 400, "invalid_request"),
        ("/v1/chat", {"sessionId": "ok", "message": "x" * 4001}, 400, "invalid_request"),
        ("/v1/chat", {"sessionId": "ok", "message": 42}, 400, "invalid_request"),
        ("/v1/chat", {"sessionId": "ok"}, 400, "invalid_request"),
        ("/v1/chat", {"sessionId": "", "message": "hi"}, 400, "invalid_request"),
        ("/v1/chat", {"sessionId": "a b", "message": "hi"}, 400, "invalid_request"),
        ("/v1/chat", {"sessionId": "x" * 129, "message": "hi"}, 400, "invalid_request"),
        ("/v1/chat", {"sessionId": "../etc", "message": "hi"}, 400, "invalid_request"),
        ("/v1/chat", {"sessionId": 7, "message": "hi"}, 400, "invalid_request"),
        ("/v1/chat", ["not", "an", "object"], 400, "invalid_request"),
        ("/v1/chat/stream", {"sessionId": "ok", "message": ""}, 400, "invalid_request"),
        ("/v1/chat", {"message": "hi"}, 400, "invalid_request"),
        ("/v1/chat/stream", {"message": "hi"}, 400, "invalid_request"),
        ("/v1/chat", {"sessionId": None, "message": "hi"}, 400, "invalid_request"),
        ("/api/v1/chat", {"question": ""}, 400, "invalid_request"),
        ("/api/v1/chat", {"message": "hi", "stream": "maybe"}, 400, "invalid_request"),
        # JSON has booleans: a string or a null is not one (the OpenAPI document says so).
        ("/api/v1/chat", {"message": "hi", "stream": "true"}, 400, "invalid_request"),
        ("/api/v1/chat", {"message": "hi", "stream": None}, 400, "invalid_request"),
        ("/api/v1/chat", {"message": "hi", "stream": 1}, 400, "invalid_request"),
        ("/api/v1/chat", {"message": "hi", "history": "nope"}, 400, "invalid_request"),
        (
            "/api/v1/chat",
            {"message": "hi", "history": [{"role": "system", "content": "x"}]},
            400,
            "invalid_request",
        ),
        ("/api/v1/chat", {"message": "hi", "session_id": "bad id"}, 400, "invalid_request"),
    ],
)
def test_bad_input(app, client, auth, url, body, status, code):
    response = client.post(url, json=body, headers=auth)
    assert response.status_code == status
    assert response.json["success"] is False and response.json["error"]["code"] == code
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Message.id))).scalar() == 0


def test_question_is_accepted_for_message(client, auth):
    body = client.post("/api/v1/chat", json={"question": QUESTION}, headers=auth).json
    assert body["success"] is True and "seven to ten days" in body["answer"]


def test_longest_valid_inputs_accepted(client, auth):
    response = client.post(
        "/v1/chat",
        json={"sessionId": "A-z0.9_:" + "x" * 120, "message": "  " + "y" * 4000 + "  "},
        headers=auth,
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "status", "code"),
    [
        (
            "post",
            "/v1/chat",
            {"data": "message=hi", "content_type": "application/x-www-form-urlencoded"},
            415,
            "unsupported_media_type",
        ),
        (
            "post",
            "/v1/chat",
            {"data": "{not json", "content_type": "application/json"},
            400,
            "invalid_request",
        ),
        ("get", "/v1/chat", {}, 405, "method_not_allowed"),
        ("get", "/v1/nowhere", {}, 404, "not_found"),
        (
            "post",
            "/v1/chat",
            {"data": "x" * (26 * 1024 * 1024), "content_type": "application/json"},
            413,
            "payload_too_large",
        ),
    ],
)
def test_http_errors_are_json(client, auth, method, url, kwargs, status, code):
    response = getattr(client, method)(url, headers=auth, **kwargs)
    assert response.status_code == status
    assert response.json["error"]["code"] == code


def test_a_busy_database_during_an_answer_is_a_503_not_a_500(app, client, auth, monkeypatch):
    """SQLite's write lock held past its timeout fails the answer as a retryable 503."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    import engine.calls

    def locked(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(engine.calls, "search", locked)
    response = client.post(
        "/v1/chat", json={"sessionId": "busy", "message": QUESTION}, headers=auth
    )
    assert response.status_code == 503
    assert response.json["success"] is False
    assert response.json["error"]["code"] == "unavailable"
    with app.app_context():
        answer = db.session.execute(
            db.select(Message).where(Message.role == "assistant")
        ).scalar_one()
        assert answer.status == "failed" and answer.error["code"] == "unavailable"
