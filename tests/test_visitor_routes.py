"""What the widget reads: public settings, a visitor's transcript, feedback."""

from __future__ import annotations

import pytest

from models import Bot, db

ORIGIN = {"Origin": "https://shop.example"}


@pytest.fixture
def widget_key(make_bot, make_key):
    bot = make_bot(name="Shop helper")
    return bot, make_key(bot, "public", origins=["https://shop.example"])


def headers(key):
    return {"Authorization": f"Bearer {key}", **ORIGIN}


def test_widget_config_defaults_and_settings(app, client, widget_key):
    bot, key = widget_key
    body = client.get("/v1/widget/config", headers=headers(key)).json
    assert body["title"] == "Shop helper" and body["position"] == "right"
    with app.app_context():
        db.session.get(Bot, bot).widget = {
            "title": "Ask us",
            "accent_color": "#ff0000",
            "starter_questions": ["Shipping?"],
            "secret": "x",
        }
        db.session.commit()
    body = client.get("/v1/widget/config", headers=headers(key)).json
    assert (body["title"], body["accent_color"], body["starter_questions"]) == (
        "Ask us",
        "#ff0000",
        ["Shipping?"],
    )
    assert "secret" not in body and body["bot_name"] == "Shop helper"


def test_widget_config_needs_allowed_origin(client, widget_key):
    _, key = widget_key
    response = client.get(
        "/v1/widget/config",
        headers={"Authorization": f"Bearer {key}", "Origin": "https://evil.example"},
    )
    assert response.status_code == 403 and response.json["error"]["code"] == "origin_not_allowed"


def test_transcript_and_feedback(client, widget_key, make_bot, make_key):
    _, key = widget_key
    answer = client.post(
        "/v1/chat",
        json={"sessionId": "visitor-9", "message": "How long does shipping take?"},
        headers=headers(key),
    ).json
    transcript = client.get("/v1/sessions/visitor-9/messages", headers=headers(key)).json
    assert transcript["sessionId"] == "visitor-9"
    assert [m["role"] for m in transcript["messages"]] == ["user", "assistant"]
    assert transcript["messages"][1]["message_id"] == answer["message_id"]
    assert transcript["messages"][1]["sources"] == answer["sources"]
    assert transcript["messages"][1]["status"] == "complete"

    url = f"/v1/messages/{answer['message_id']}/feedback"
    assert client.post(url, json={"rating": "up"}, headers=headers(key)).status_code == 200
    changed = client.post(
        url, json={"rating": "down", "comment": "Too short"}, headers=headers(key)
    )
    assert changed.json["feedback"] == {"rating": "down", "comment": "Too short"}
    again = client.get("/v1/sessions/visitor-9/messages", headers=headers(key)).json
    assert again["messages"][1]["feedback"] == {"rating": "down", "comment": "Too short"}

    # Another bot's key sees neither the session nor the message.
    other = make_key(make_bot(name="Other"), "public", origins=["https://shop.example"])
    assert client.get("/v1/sessions/visitor-9/messages", headers=headers(other)).status_code == 404
    assert client.post(url, json={"rating": "up"}, headers=headers(other)).status_code == 404


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"rating": "meh"}, "invalid_request"),
        ({}, "invalid_request"),
        ({"rating": "up", "comment": 5}, "invalid_request"),
    ],
)
def test_feedback_bad_input(client, widget_key, body, code):
    _, key = widget_key
    answer = client.post(
        "/v1/chat", json={"sessionId": "v", "message": "Shipping time?"}, headers=headers(key)
    ).json
    response = client.post(
        f"/v1/messages/{answer['message_id']}/feedback", json=body, headers=headers(key)
    )
    assert response.status_code == 400 and response.json["error"]["code"] == code


def test_unknown_session_and_message(client, widget_key):
    _, key = widget_key
    assert client.get("/v1/sessions/nobody/messages", headers=headers(key)).status_code == 404
    assert client.get("/v1/sessions/bad%20id/messages", headers=headers(key)).status_code == 400
    response = client.post(
        "/v1/messages/nope/feedback", json={"rating": "up"}, headers=headers(key)
    )
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
