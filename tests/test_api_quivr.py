"""Chat-session routes in the Quivr layout: the same conversations as every other family."""

from __future__ import annotations

import json

import pytest

QUESTION = "How long does international shipping take?"


def new_chat(client, auth, name="Support"):
    response = client.post("/chat", json={"name": name}, headers=auth)
    assert response.status_code == 200, response.json
    return response.json


def test_chat_lifecycle(client, auth):
    chat = new_chat(client, auth)
    assert set(chat) == {"chat_id", "chat_name", "created_at", "last_at"}
    assert chat["chat_name"] == "Support"
    assert client.get("/chat", headers=auth).json == {"chats": [chat]}

    reply = client.post(
        f"/chat/{chat['chat_id']}/question", json={"question": QUESTION}, headers=auth
    )
    assert reply.status_code == 200
    body = reply.json
    assert set(body) == {
        "chat_id",
        "message_id",
        "question",
        "user_message",
        "assistant",
        "sources",
        "metadata",
        "usage",
        "answered",
        "message_time",
    }
    assert body["user_message"] == QUESTION
    assert body["metadata"] == {"sources": body["sources"]}
    assert body["chat_id"] == chat["chat_id"] and body["question"] == QUESTION
    assert body["answered"] is True
    assert "seven to ten days" in body["assistant"]
    assert body["sources"][0]["title"] == "Shipping policy"

    history = client.get(f"/chat/{chat['chat_id']}/history", headers=auth).json
    assert len(history) == 1
    assert history[0]["message_id"] == body["message_id"]
    assert history[0]["user_message"] == QUESTION and history[0]["assistant"] == body["assistant"]

    renamed = client.put(
        f"/chat/{chat['chat_id']}/metadata", json={"chat_name": "Shipping"}, headers=auth
    )
    assert renamed.status_code == 200 and renamed.json["chat_name"] == "Shipping"

    deleted = client.delete(f"/chat/{chat['chat_id']}", headers=auth)
    assert deleted.status_code == 200 and deleted.json["deleted"] is True
    assert client.get("/chat", headers=auth).json == {"chats": []}
    assert client.get(f"/chat/{chat['chat_id']}/history", headers=auth).status_code == 404


def test_one_conversation_behind_three_names(client, auth):
    chat = new_chat(client, auth)
    cid = chat["chat_id"]
    client.post(f"/chat/{cid}/question", json={"question": QUESTION}, headers=auth)
    client.post("/api/v1/chat", json={"message": "And refunds?", "session_id": cid}, headers=auth)
    client.post("/v1/chat", json={"message": "Thanks", "sessionId": cid}, headers=auth)
    session = client.get(f"/api/v1/sessions/{cid}", headers=auth).json["session"]
    assert session["name"] == "Support" and session["preview"] == QUESTION
    assert [m["content"] for m in session["messages"] if m["role"] == "user"] == [
        QUESTION,
        "And refunds?",
        "Thanks",
    ]
    history = client.get(f"/chat/{cid}/history", headers=auth).json
    assert [h["user_message"] for h in history] == [QUESTION, "And refunds?", "Thanks"]
    transcript = client.get(f"/v1/sessions/{cid}/messages", headers=auth).json
    assert len(transcript["messages"]) == 6
    # A session started elsewhere is a chat too.
    client.post("/api/v1/chat", json={"message": QUESTION, "session_id": "dev-7"}, headers=auth)
    assert "dev-7" in [c["chat_id"] for c in client.get("/chat", headers=auth).json["chats"]]


def test_streaming_question(client, auth):
    cid = new_chat(client, auth)["chat_id"]
    response = client.post(
        f"/chat/{cid}/question/stream", json={"question": QUESTION}, headers=auth
    )
    assert response.mimetype == "text/event-stream"
    blocks = [b for b in response.get_data(as_text=True).split("\n\n") if b.strip()]
    names = [b.splitlines()[0].removeprefix("event: ") for b in blocks]
    assert names[0] == "start" and names[-2:] == ["sources", "end"]
    end = json.loads(blocks[-1].splitlines()[1].removeprefix("data: "))
    assert end["session_id"] == cid
    history = client.get(f"/chat/{cid}/history", headers=auth).json
    assert history[0]["message_id"] == end["message_id"]


def test_question_to_unknown_chat_is_404_and_stores_nothing(client, auth):
    response = client.post("/chat/nope/question", json={"question": QUESTION}, headers=auth)
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    assert client.get("/chat", headers=auth).json == {"chats": []}


def test_chat_without_name_and_empty_body(client, auth):
    response = client.post("/chat", headers=auth)
    assert response.status_code == 200 and response.json["chat_name"] == "New chat"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("post", "/chat", {"name": ""}, 400, "invalid_request"),
        ("post", "/chat", {"name": 3}, 400, "invalid_request"),
        ("post", "/chat", {"name": "x" * 301}, 400, "invalid_request"),
        # The limit counts the name as sent, as the OpenAPI document's maxLength does.
        ("post", "/chat", {"name": "\n" + "x" * 300}, 400, "invalid_request"),
        ("put", "/chat/{cid}/metadata", {}, 400, "invalid_request"),
        ("put", "/chat/{cid}/metadata", {"chat_name": "  "}, 400, "invalid_request"),
        ("post", "/chat/{cid}/question", {}, 400, "invalid_request"),
        ("post", "/chat/{cid}/question", {"question": ""}, 400, "invalid_request"),
        ("post", "/chat/{cid}/question", {"question": "x" * 4001}, 400, "invalid_request"),
        ("post", "/chat/{cid}/question", {"message": "wrong field"}, 400, "invalid_request"),
        ("post", "/chat/{cid}/question", None, 415, "unsupported_media_type"),
        ("get", "/chat/bad%20id/history", None, 400, "invalid_request"),
        ("get", "/chat?per_page=0", None, 400, "invalid_request"),
    ],
)
def test_bad_input(client, auth, method, path, body, status, code):
    cid = new_chat(client, auth)["chat_id"]
    kwargs = {"json": body} if body is not None else {}
    response = getattr(client, method)(path.format(cid=cid), headers=auth, **kwargs)
    assert response.status_code == status
    assert response.json["error"]["code"] == code


def test_another_bots_chat_is_404(client, auth, make_bot, make_key):
    other = {"x-api-key": make_key(make_bot("Other"))}
    cid = new_chat(client, other, "Their secrets")["chat_id"]
    client.post(f"/chat/{cid}/question", json={"question": QUESTION}, headers=other)
    missing = client.get("/chat/unknown/history", headers=auth).json
    for method, path, body in [
        ("get", f"/chat/{cid}/history", None),
        ("delete", f"/chat/{cid}", None),
        ("put", f"/chat/{cid}/metadata", {"chat_name": "mine"}),
        ("post", f"/chat/{cid}/question", {"question": "hi"}),
    ]:
        kwargs = {"json": body} if body is not None else {}
        response = getattr(client, method)(path, headers=auth, **kwargs)
        assert response.status_code == 404 and response.json == missing
        assert "secrets" not in response.get_data(as_text=True)
    assert client.get("/chat", headers=auth).json == {"chats": []}
    assert len(client.get(f"/chat/{cid}/history", headers=other).json) == 1


def test_scopes(client, bot, make_key):
    chat_only = {"x-api-key": make_key(bot, scopes=["chat"])}
    for method, path in [
        ("get", "/chat"),
        ("post", "/chat"),
        ("delete", "/chat/x"),
        ("put", "/chat/x/metadata"),
        ("get", "/chat/x/history"),
    ]:
        response = getattr(client, method)(path, headers=chat_only, json={"chat_name": "n"})
        assert response.status_code == 403, path
        assert response.json["error"]["code"] == "scope_not_allowed"
    sessions_only = {"x-api-key": make_key(bot, scopes=["sessions:read", "sessions:write"])}
    cid = new_chat(client, sessions_only)["chat_id"]
    response = client.post(
        f"/chat/{cid}/question", json={"question": QUESTION}, headers=sessions_only
    )
    assert response.status_code == 403 and response.json["error"]["code"] == "scope_not_allowed"
