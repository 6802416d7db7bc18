"""The answered flag: true for a real answer, false for the fallback or a refusal, on every wire."""

from __future__ import annotations

import json

import pytest
import websocket

from engine.refusal import declined
from models import Message, db
from tests.test_chat import ndjson_events, sse_events

KNOWN = "How long does international shipping take?"
UNKNOWN = "What is the boiling point of tungsten?"
CASES = [(KNOWN, True), (UNKNOWN, False)]


def stored(app, message_id):
    with app.app_context():
        return db.session.get(Message, message_id).answered


@pytest.mark.parametrize(("question", "expected"), CASES)
def test_headless_json_and_ndjson(app, client, bot, make_key, question, expected):
    public = make_key(bot, "public", origins=["https://shop.example"])
    widget = {"Authorization": f"Bearer {public}", "Origin": "https://shop.example"}
    body = client.post("/v1/chat", json={"sessionId": "h1", "message": question}, headers=widget)
    assert body.json["answered"] is expected
    assert stored(app, body.json["message_id"]) is expected
    events = ndjson_events(
        client.post(
            "/v1/chat/stream", json={"sessionId": "h1", "message": question}, headers=widget
        )
    )
    assert events[-1]["type"] == "end" and events[-1]["answered"] is expected
    assert stored(app, events[-1]["message_id"]) is expected
    messages = client.get("/v1/sessions/h1/messages", headers=widget).json["messages"]
    assert [m["answered"] for m in messages] == [None, expected, None, expected]


@pytest.mark.parametrize(("question", "expected"), CASES)
def test_developer_json_sse_and_sessions(app, client, auth, question, expected):
    reply = client.post(
        "/api/v1/chat", json={"message": question, "session_id": "d1"}, headers=auth
    )
    assert reply.json["answered"] is expected
    events = sse_events(
        client.post(
            "/api/v1/chat",
            json={"message": question, "session_id": "d1", "stream": True},
            headers=auth,
        )
    )
    assert events[-1][0] == "end" and events[-1][1]["answered"] is expected
    assert stored(app, events[-1][1]["message_id"]) is expected
    stateless = client.post(
        "/api/v1/chat", json={"message": question, "history": []}, headers=auth
    ).json
    assert stateless["answered"] is expected
    session = client.get("/api/v1/sessions/d1", headers=auth).json["session"]
    assert [m["answered"] for m in session["messages"]] == [None, expected, None, expected]
    listed = client.get("/api/v1/sessions?include_all=true", headers=auth).json["sessions"]
    d1 = next(s for s in listed if s["session_id"] == "d1")
    assert [m["answered"] for m in d1["messages"]] == [None, expected, None, expected]


@pytest.mark.parametrize(("question", "expected"), CASES)
def test_chat_sessions(client, auth, question, expected):
    chat = client.post("/chat", json={"name": "Support"}, headers=auth).json["chat_id"]
    reply = client.post(f"/chat/{chat}/question", json={"question": question}, headers=auth).json
    assert reply["answered"] is expected
    events = sse_events(
        client.post(f"/chat/{chat}/question/stream", json={"question": question}, headers=auth)
    )
    assert events[-1][0] == "end" and events[-1][1]["answered"] is expected
    history = client.get(f"/chat/{chat}/history", headers=auth).json
    assert [pair["answered"] for pair in history] == [expected, expected]


def test_websocket(app, bot, make_key, live_server):
    key = make_key(bot)
    url = live_server.replace("http://", "ws://") + f"/api/v1/chat/ws?api_key={key}"
    ws = websocket.create_connection(url, suppress_origin=True, timeout=10)
    try:
        for question, expected in CASES:
            ws.send(json.dumps({"message": question}))
            frames = [json.loads(ws.recv())]
            while frames[-1]["type"] not in ("end", "error"):
                frames.append(json.loads(ws.recv()))
            assert frames[-1]["type"] == "end" and frames[-1]["answered"] is expected
            assert stored(app, frames[-1]["message_id"]) is expected
    finally:
        ws.close()


def test_a_model_that_declines_is_not_answered(app, llm_app, client, make_bot, make_key, llm):
    bot = make_bot(model="decline", fallback_message="Sorry, our help pages do not cover that.")
    auth = {"Authorization": f"Bearer {make_key(bot)}"}
    reply = client.post("/api/v1/chat", json={"message": KNOWN}, headers=auth).json
    assert reply["answer"] == "Sorry, our help pages do not cover that."
    assert reply["answered"] is False
    assert stored(app, reply["message_id"]) is False
    # The model was told the exact sentence to give, with the passages it had.
    system = llm.requests[-1]["body"]["messages"][0]["content"]
    assert 'reply with exactly: "Sorry, our help pages do not cover that."' in system


def test_a_model_that_answers_is_answered(app, llm_app, client, make_bot, make_key):
    auth = {"Authorization": f"Bearer {make_key(make_bot())}"}
    reply = client.post("/api/v1/chat", json={"message": KNOWN}, headers=auth).json
    assert reply["answer"].startswith("Docent answers from your documents")
    assert reply["answered"] is True


def test_a_model_with_nothing_retrieved_is_not_answered(app, llm_app, client, make_bot, make_key):
    auth = {"Authorization": f"Bearer {make_key(make_bot())}"}
    reply = client.post("/api/v1/chat", json={"message": UNKNOWN}, headers=auth).json
    assert reply["answered"] is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "I couldn't find anything about that in the documents I have, so I won't guess. "
            "Try rephrasing, or ask about something the documents cover.",
            True,
        ),
        (
            "Sorry: I couldn't find anything about that in the documents I have, so I won't "
            "guess. Try rephrasing, or ask about something the documents cover.",
            True,
        ),
        ("", True),
        ("Orders ship within two business days [1].", False),
        ("The documents don't mention Moon delivery, but orders ship within two days.", False),
    ],
)
def test_declined_is_conservative(text, expected):
    assert declined(text, "") is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sorry!", True),
        ("sorry", True),
        ("Sorry, orders ship within two business days.", False),
        ("Sorrying is not a word.", False),
    ],
)
def test_a_short_fallback_must_be_most_of_the_reply(text, expected):
    assert declined(text, "Sorry!") is expected
