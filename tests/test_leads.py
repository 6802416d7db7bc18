"""Leads and hand-off requests: POST /v1/leads, webhooks, email, the dashboard, deletion."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from models import Bot, Conversation, Lead, Webhook, WebhookEvent, db
from tests.test_dashboard_support import make_owner, sign_in

ORIGIN = "https://shop.example"


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[str, Inbox]]:
    inbox = Inbox()
    with socket.socket() as probe:  # a free port: aiosmtpd checks its port by connecting
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", inbox
    controller.stop()


@pytest.fixture
def shop(app: Any, bot: int, make_key: Any) -> dict[str, Any]:
    """The bot offers both, has an owner and a webhook for both events; a site key."""
    owner_id = make_owner(app, "owner@shop.example")
    with app.app_context():
        row = db.session.get(Bot, bot)
        row.owner_id = owner_id
        row.widget = {"handoff": "always", "lead_form": True}
        db.session.add(
            Webhook(
                bot_id=bot,
                url="https://hooks.shop.example/docent",
                events=["lead.created", "handoff.requested"],
                secret="s",
            )
        )
        db.session.commit()
    key = make_key(bot, "public", origins=[ORIGIN])
    return {"bot": bot, "headers": {"Authorization": f"Bearer {key}", "Origin": ORIGIN}}


GOOD = {"sessionId": "visitor-1", "kind": "lead", "name": "Ada", "email": "ada@example.org"}


def test_lead_is_stored_with_its_conversation_and_sent_as_webhook(app, client, shop):
    chat = client.post(
        "/v1/chat", json={"sessionId": "visitor-1", "message": "Shipping?"}, headers=shop["headers"]
    )
    assert chat.status_code == 200
    response = client.post(
        "/v1/leads", json={**GOOD, "message": "Call me"}, headers=shop["headers"]
    )
    assert response.status_code == 201, response.json
    lead = response.json["lead"]
    assert (lead["kind"], lead["email"], lead["message"]) == ("lead", "ada@example.org", "Call me")
    handoff = client.post(
        "/v1/leads",
        json={**GOOD, "kind": "handoff", "message": "A person please"},
        headers=shop["headers"],
    )
    assert handoff.status_code == 201
    with app.app_context():
        conversation = db.session.scalar(
            db.select(Conversation).where(Conversation.session_id == "visitor-1")
        )
        rows = db.session.scalars(db.select(Lead).order_by(Lead.id)).all()
        assert [(r.kind, r.conversation_id) for r in rows] == [
            ("lead", conversation.id),
            ("handoff", conversation.id),
        ]
        events = db.session.scalars(db.select(WebhookEvent).order_by(WebhookEvent.created_at))
        by_type = {e.type: e.data for e in events}
        assert by_type["lead.created"]["email"] == "ada@example.org"
        assert by_type["lead.created"]["session_id"] == "visitor-1"
        assert by_type["handoff.requested"]["message"] == "A person please"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"kind": "spam"}, "'kind'"),
        ({"kind": None}, "'kind'"),
        ({"email": ""}, "'email' is required"),
        ({"email": "not-an-address"}, "email address"),
        ({"email": 5}, "'email'"),
        ({"name": "x" * 201}, "'name'"),
        ({"message": "x" * 4001}, "'message'"),
        ({"sessionId": None}, "'sessionId' is required"),
        ({"sessionId": "bad id with spaces"}, "sessionId"),
    ],
)
def test_bad_submissions_are_refused(app, client, shop, change, fragment):
    response = client.post("/v1/leads", json={**GOOD, **change}, headers=shop["headers"])
    assert response.status_code == 400
    assert response.json["success"] is False
    assert response.json["error"]["code"] == "invalid_request"
    assert fragment in response.json["error"]["message"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Lead.id))) == 0


def test_refused_when_the_bot_does_not_offer_it(app, client, shop):
    with app.app_context():
        db.session.get(Bot, shop["bot"]).widget = {"handoff": "off", "lead_form": False}
        db.session.commit()
    for kind in ("lead", "handoff"):
        response = client.post("/v1/leads", json={**GOOD, "kind": kind}, headers=shop["headers"])
        assert response.status_code == 400 and kind in response.json["error"]["message"]


def test_origin_is_checked(client, shop):
    headers = {**shop["headers"], "Origin": "https://evil.example"}
    response = client.post("/v1/leads", json=GOOD, headers=headers)
    assert response.status_code == 403


def test_email_goes_to_the_owner(app, client, shop, smtp):
    url, inbox = smtp
    app.config["SMTP_URL"] = url
    response = client.post(
        "/v1/leads", json={**GOOD, "message": "Quote for 40 chairs"}, headers=shop["headers"]
    )
    assert response.status_code == 201
    deadline = time.monotonic() + 10
    while not inbox.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail.rcpt_tos == ["owner@shop.example"]
    body = mail.content.decode()
    assert "ada@example.org" in body and "Quote for 40 chairs" in body
    assert "left their details" in body


def test_no_email_without_smtp(app, client, shop, smtp):
    _, inbox = smtp
    assert client.post("/v1/leads", json=GOOD, headers=shop["headers"]).status_code == 201
    time.sleep(0.3)
    assert inbox.messages == []


def test_session_delete_removes_its_leads(app, client, shop, make_key):
    client.post(
        "/v1/chat", json={"sessionId": "visitor-1", "message": "Hi"}, headers=shop["headers"]
    )
    client.post("/v1/leads", json=GOOD, headers=shop["headers"])
    client.post("/v1/leads", json={**GOOD, "sessionId": "visitor-2"}, headers=shop["headers"])
    secret = {"Authorization": f"Bearer {make_key(shop['bot'])}"}
    assert client.delete("/api/v1/sessions/visitor-1", headers=secret).status_code == 200
    with app.app_context():
        assert db.session.scalars(db.select(Lead.session_id)).all() == ["visitor-2"]


def test_dashboard_lists_leads(app, client, shop):
    client.post("/v1/leads", json={**GOOD, "message": "Call me"}, headers=shop["headers"])
    assert sign_in(client, "owner@shop.example").status_code == 302
    page = client.get(f"/dashboard/bots/{shop['bot']}/leads")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "ada@example.org" in html and "Call me" in html


def test_dashboard_delete_removes_the_session_and_its_leads(app, client, shop):
    client.post(
        "/v1/chat", json={"sessionId": "visitor-1", "message": "Hi"}, headers=shop["headers"]
    )
    client.post("/v1/leads", json=GOOD, headers=shop["headers"])
    client.post("/v1/leads", json={**GOOD, "sessionId": "visitor-2"}, headers=shop["headers"])
    with app.app_context():
        conversation_id = db.session.scalar(db.select(Conversation.id))
    assert sign_in(client, "owner@shop.example").status_code == 302
    url = f"/dashboard/bots/{shop['bot']}/conversations/{conversation_id}/delete"
    assert client.post(url).status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Conversation.id))) == 0
        assert db.session.scalars(db.select(Lead.session_id)).all() == ["visitor-2"]
