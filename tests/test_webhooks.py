"""Webhooks: the API, the outbox, signed deliveries to a loopback receiver, retries, disabling."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from models import Webhook, WebhookDelivery, WebhookEvent, db, utcnow
from services.webhook_delivery import claim, deliver_due_webhooks
from services.webhooks import emit_event
from tests.test_chat import QUESTION


class Receiver(ThreadingHTTPServer):
    """A webhook receiver on loopback that records what it is sent."""

    daemon_threads = True

    def __init__(self) -> None:
        self.hits: list[dict[str, Any]] = []
        self.status = 200
        self.release: threading.Event | None = None
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}/hook"


class ReceiverHandler(BaseHTTPRequestHandler):
    server: Receiver

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.server.release is not None:
            self.server.release.wait(10)
        self.server.hits.append({"headers": dict(self.headers), "body": body})
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def config(config):
    return {
        **config,
        "ALLOW_PRIVATE_URLS": True,
        "WEBHOOK_BACKOFF_SECONDS": 10,
        "WEBHOOK_MAX_ATTEMPTS": 5,
        "WEBHOOK_DISABLE_AFTER": 3,
    }


def verify(secret: str, header: str, body: bytes) -> bool:
    """Check a Docent-Signature header the way docs/integrations.md tells receivers to."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts["v1"])


def subscribe(client, auth, url, events):
    response = client.post("/api/v1/webhooks", json={"url": url, "events": events}, headers=auth)
    assert response.status_code == 201, response.json
    return response.json["webhook"]


def test_create_list_delete(client, auth):
    hook = subscribe(client, auth, "https://127.0.0.1:9/x", ["conversation.created"])
    assert hook["secret"].startswith("whsec_") and len(hook["secret"]) > 40
    assert hook["enabled"] is True and hook["events"] == ["conversation.created"]
    listed = client.get("/api/v1/webhooks", headers=auth).json["webhooks"]
    assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]
    deleted = client.delete(f"/api/v1/webhooks/{hook['id']}", headers=auth)
    assert deleted.json == {"success": True, "webhook_id": hook["id"], "deleted": True}
    assert client.get("/api/v1/webhooks", headers=auth).json["webhooks"] == []
    assert client.delete(f"/api/v1/webhooks/{hook['id']}", headers=auth).status_code == 404


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"events": ["conversation.created"]}, "invalid_request"),
        ({"url": "ftp://example.com/x", "events": ["conversation.created"]}, "invalid_request"),
        ({"url": "https://u:p@example.com/", "events": ["message.rated"]}, "invalid_request"),
        ({"url": "https://example.com/", "events": []}, "invalid_request"),
        ({"url": "https://example.com/", "events": "message.rated"}, "invalid_request"),
        ({"url": "https://example.com/", "events": ["message.deleted"]}, "invalid_request"),
        ({"url": "http://127.0.0.1:8080/", "events": ["lead.created"]}, "url_not_allowed"),
        ({"url": "http://10.1.2.3/", "events": ["handoff.requested"]}, "url_not_allowed"),
    ],
)
def test_bad_webhooks_refused(app, client, auth, body, code):
    app.config["ALLOW_PRIVATE_URLS"] = False
    response = client.post("/api/v1/webhooks", json=body, headers=auth)
    assert response.status_code == 400 and response.json["error"]["code"] == code
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Webhook.id))).scalar() == 0


def test_chat_enqueues_and_delivery_is_signed(app, client, auth, receiver):
    hook = subscribe(client, auth, receiver.url, ["conversation.created", "message.unanswered"])
    # A receiver that would hold the request for 10 s if it were called on the request path.
    receiver.release = threading.Event()
    reply = client.post("/v1/chat", json={"sessionId": "v1", "message": QUESTION}, headers=auth)
    assert reply.status_code == 200 and receiver.hits == []
    with app.app_context():
        pending = db.session.execute(db.select(WebhookDelivery)).scalar_one()
        assert pending.status == "pending" and pending.attempts == 0
    receiver.release.set()
    with app.app_context():
        assert deliver_due_webhooks() == {"delivered": 1, "retrying": 0, "failed": 0}
        assert deliver_due_webhooks() == {"delivered": 0, "retrying": 0, "failed": 0}
    [hit] = receiver.hits
    body = json.loads(hit["body"])
    assert set(body) == {"id", "type", "created_at", "data"}
    assert body["type"] == "conversation.created" and body["id"].startswith("evt_")
    assert body["data"] == {
        "bot_id": body["data"]["bot_id"],
        "session_id": "v1",
        "question": QUESTION,
    }
    assert hit["headers"]["Docent-Event-Id"] == body["id"]
    assert verify(hook["secret"], hit["headers"]["Docent-Signature"], hit["body"])
    assert not verify("whsec_wrong", hit["headers"]["Docent-Signature"], hit["body"])
    log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=auth).json
    assert [(d["status"], d["attempts"], d["last_status"]) for d in log["deliveries"]] == [
        ("delivered", 1, 200)
    ]


def test_a_session_is_created_once_when_its_first_questions_race(app, client, auth, receiver):
    from models import Conversation
    from tests.test_quota import together

    subscribe(client, auth, receiver.url, ["conversation.created"])

    def ask(_: int) -> int:
        body = {"sessionId": "race", "message": QUESTION}
        return app.test_client().post("/v1/chat", json=body, headers=auth).status_code

    assert together(6, ask) == [200] * 6
    assert ask(6) == 200  # a later question of the session
    with app.app_context():
        events = db.session.scalars(db.select(WebhookEvent)).all()
        assert [event.type for event in events] == ["conversation.created"]
        [conversation] = db.session.scalars(db.select(Conversation)).all()
        assert conversation.session_id == "race" and conversation.message_count == 14
        assert conversation.pending_id is None


def test_unanswered_and_rated_events(app, client, auth, receiver):
    subscribe(client, auth, receiver.url, ["message.unanswered", "message.rated"])
    reply = client.post(
        "/v1/chat", json={"sessionId": "v2", "message": "Who won the football?"}, headers=auth
    ).json
    client.post(
        f"/v1/messages/{reply['message_id']}/feedback",
        json={"rating": "down", "comment": "Not helpful"},
        headers=auth,
    )
    with app.app_context():
        assert deliver_due_webhooks()["delivered"] == 2
    events = {json.loads(h["body"])["type"]: json.loads(h["body"])["data"] for h in receiver.hits}
    assert events["message.unanswered"]["question"] == "Who won the football?"
    assert events["message.unanswered"]["message_id"] == reply["message_id"]
    assert events["message.rated"] == {
        "bot_id": events["message.rated"]["bot_id"],
        "session_id": "v2",
        "message_id": reply["message_id"],
        "rating": "down",
        "comment": "Not helpful",
    }


def test_failing_receiver_is_retried_with_backoff_then_disabled(app, client, auth, bot, receiver):
    receiver.status = 500
    hook = subscribe(client, auth, receiver.url, ["lead.created"])
    with app.app_context():
        emit_event(bot, "lead.created", {"bot_id": bot, "email": "a@b.example"})
        db.session.commit()
        t0 = utcnow()
        assert deliver_due_webhooks(t0)["retrying"] == 1
        delivery = db.session.execute(db.select(WebhookDelivery)).scalar_one()
        assert delivery.next_attempt_at == t0 + timedelta(seconds=10)
        assert (
            delivery.last_error == "The receiver answered HTTP 500." and delivery.last_status == 500
        )
        assert deliver_due_webhooks(t0 + timedelta(seconds=9))["retrying"] == 0
        assert deliver_due_webhooks(t0 + timedelta(seconds=11))["retrying"] == 1
        # The second wait doubles: 20 s after the second attempt.
        assert deliver_due_webhooks(t0 + timedelta(seconds=30))["retrying"] == 0
        deliver_due_webhooks(t0 + timedelta(seconds=32))
        webhook = db.session.get(Webhook, hook["id"])
        assert webhook.disabled_at is not None and "3 failed attempts" in webhook.disabled_reason
        assert deliver_due_webhooks(t0 + timedelta(days=1)) == {
            "delivered": 0,
            "retrying": 0,
            "failed": 0,
        }
    assert len(receiver.hits) == 3
    assert len({json.loads(h["body"])["id"] for h in receiver.hits}) == 1  # one event, retried
    listed = client.get("/api/v1/webhooks", headers=auth).json["webhooks"][0]
    assert listed["enabled"] is False and "HTTP 500" in listed["disabled_reason"]


def test_gives_up_after_max_attempts(app, client, auth, bot, receiver):
    app.config.update(WEBHOOK_MAX_ATTEMPTS=2, WEBHOOK_DISABLE_AFTER=10)
    receiver.status = 404
    subscribe(client, auth, receiver.url, ["handoff.requested"])
    with app.app_context():
        emit_event(bot, "handoff.requested", {"bot_id": bot, "session_id": "s"})
        db.session.commit()
        t0 = utcnow()
        deliver_due_webhooks(t0)
        assert deliver_due_webhooks(t0 + timedelta(seconds=11))["failed"] == 1
        assert db.session.execute(db.select(WebhookDelivery.status)).scalar_one() == "failed"


def test_claims_are_exclusive_and_leases_expire(app, client, auth, bot, receiver):
    subscribe(client, auth, receiver.url, ["lead.created"])
    with app.app_context():
        emit_event(bot, "lead.created", {"bot_id": bot})
        db.session.commit()
        delivery_id = db.session.execute(db.select(WebhookDelivery.id)).scalar_one()
        now = utcnow()
        assert claim(delivery_id, now, now + timedelta(seconds=120)) is True
        assert claim(delivery_id, now, now + timedelta(seconds=120)) is False
        # A worker that claimed the row and died: nothing is sent until its lease runs out.
        assert deliver_due_webhooks(now + timedelta(seconds=60))["delivered"] == 0
        assert deliver_due_webhooks(now + timedelta(seconds=121))["delivered"] == 1
    assert len(receiver.hits) == 1


def test_emit_writes_nothing_without_subscribers(app, bot):
    with app.app_context():
        assert emit_event(bot, "lead.created", {"bot_id": bot}) is None
        db.session.commit()
        assert db.session.execute(db.select(db.func.count(WebhookEvent.id))).scalar() == 0
        with pytest.raises(ValueError):
            emit_event(bot, "lead.deleted", {})


def test_cli_delivers(app, client, auth, bot, receiver, runner):
    subscribe(client, auth, receiver.url, ["lead.created"])
    with app.app_context():
        emit_event(bot, "lead.created", {"bot_id": bot})
        db.session.commit()
    result = runner.invoke(args=["webhooks", "deliver"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"delivered": 1, "retrying": 0, "failed": 0}
    assert len(receiver.hits) == 1


def test_the_task_queue_delivers_every_minute(app, client, auth, bot, receiver):
    from tasks.registry import periodics

    job = periodics["deliver-webhooks"]
    minutes = [datetime(2026, 12, 1, 0, 0) + timedelta(minutes=m) for m in range(0, 1440, 7)]
    assert all(job.schedule(minute) for minute in minutes)  # due every minute
    subscribe(client, auth, receiver.url, ["lead.created"])
    with app.app_context():
        emit_event(bot, "lead.created", {"bot_id": bot})
        db.session.commit()
        assert job.run() == {"delivered": 1, "retrying": 0, "failed": 0}
    assert len(receiver.hits) == 1


def test_poller_delivers_in_the_background(app, client, auth, bot, receiver):
    from services.webhook_delivery import start_poller

    subscribe(client, auth, receiver.url, ["lead.created"])
    app.config["WEBHOOK_POLL_SECONDS"] = 0.05
    stop = start_poller(app)
    try:
        with app.app_context():
            emit_event(bot, "lead.created", {"bot_id": bot})
            db.session.commit()
        for _ in range(200):
            if receiver.hits:
                break
            stop.wait(0.05)
    finally:
        stop.set()
    assert len(receiver.hits) == 1


def test_poller_starts_only_when_asked(config):
    from app import create_app

    assert "docent_webhook_poller" not in create_app(config).extensions
    polling = create_app({**config, "WEBHOOK_POLLER": True})
    polling.extensions["docent_webhook_poller"].set()
    for thread in threading.enumerate():
        if thread.name == "docent-webhook-poller":
            thread.join(10)
    with polling.app_context():
        db.engine.dispose()


def test_concurrent_workers_deliver_each_event_once(app, client, auth, bot, receiver):
    subscribe(client, auth, receiver.url, ["lead.created"])
    with app.app_context():
        for n in range(20):
            emit_event(bot, "lead.created", {"bot_id": bot, "n": n})
        db.session.commit()
    totals: list[dict[str, int]] = []

    def worker() -> None:
        with app.app_context():
            totals.append(deliver_due_webhooks())

    threads = [threading.Thread(target=worker, name=f"docent-test-{n}") for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(t["delivered"] for t in totals) == 20
    ids = [json.loads(h["body"])["id"] for h in receiver.hits]
    assert len(ids) == 20 and len(set(ids)) == 20


def test_private_target_is_refused_at_delivery_time(app, client, auth, bot, receiver):
    subscribe(client, auth, receiver.url, ["lead.created"])
    app.config["ALLOW_PRIVATE_URLS"] = False
    with app.app_context():
        emit_event(bot, "lead.created", {"bot_id": bot})
        db.session.commit()
        assert deliver_due_webhooks()["retrying"] == 1
        delivery = db.session.execute(db.select(WebhookDelivery)).scalar_one()
        assert "private or local" in delivery.last_error and delivery.last_status is None
    assert receiver.hits == []


def test_finished_deliveries_are_pruned_after_retention(app, client, auth, bot, receiver):
    first = subscribe(client, auth, receiver.url, ["lead.created"])
    second = subscribe(client, auth, receiver.url, ["lead.created", "handoff.requested"])
    with app.app_context():
        emit_event(bot, "lead.created", {"bot_id": bot})
        db.session.commit()
        t0 = utcnow()
        assert deliver_due_webhooks(t0)["delivered"] == 2
        emit_event(bot, "handoff.requested", {"bot_id": bot})
        db.session.commit()
        receiver.status = 500
        deliver_due_webhooks(t0 + timedelta(days=29))  # the handoff fails and waits
        assert db.session.execute(db.select(db.func.count(WebhookDelivery.id))).scalar() == 3
        deliver_due_webhooks(t0 + timedelta(days=31))
        rows = db.session.execute(db.select(WebhookEvent.type)).scalars().all()
        assert rows == ["handoff.requested"]  # the pending one stays, whatever its age
        assert db.session.execute(db.select(db.func.count(WebhookDelivery.id))).scalar() == 1
    client.delete(f"/api/v1/webhooks/{first['id']}", headers=auth)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(WebhookEvent.id))).scalar() == 1
    client.delete(f"/api/v1/webhooks/{second['id']}", headers=auth)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(WebhookEvent.id))).scalar() == 0
