"""Deliver the webhook outbox: claim due rows under a lease, sign, POST, retry, disable."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from sqlalchemy import delete, or_, update

from knowledge.fetch import _connection
from models import Webhook, WebhookDelivery, WebhookEvent, db, utcnow
from services.webhooks import drop_orphan_events
from tasks import periodic

USER_AGENT = "Docent-Webhooks/1.0"
MAX_ERROR = 500


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """Return the Docent-Signature header: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def payload(event: WebhookEvent) -> bytes:
    """Return the body every delivery of an event carries, byte for byte."""
    return json.dumps(
        {
            "id": event.id,
            "type": event.type,
            "created_at": event.created_at.isoformat() + "Z",
            "data": event.data,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def backoff(attempts: int, base: float) -> timedelta:
    """Return the wait after the given number of failed attempts: base, 2×base, 4×base…"""
    return timedelta(seconds=min(base * 2 ** max(0, attempts - 1), 6 * 3600))


def post(
    url: str, body: bytes, headers: dict[str, str], timeout: float, allow_private: bool
) -> int:
    """POST body to url through knowledge.fetch's checked connection; return the status."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    opened: list[Any] = []
    conn = _connection(parts.scheme, parts.hostname or "", port, timeout, allow_private, opened)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read(65536)
        return response.status
    finally:
        conn.close()
        for sock in opened:
            sock.close()


def due(now: datetime, limit: int) -> list[int]:
    """Return ids of deliveries that are due and not held by a live lease."""
    query = (
        db.select(WebhookDelivery.id)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
            or_(WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until < now),
            Webhook.disabled_at.is_(None),
        )
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(limit)
    )
    return list(db.session.execute(query).scalars())


def claim(delivery_id: int, now: datetime, lease: datetime) -> bool:
    """Take one delivery under a lease; an atomic conditional UPDATE, so one worker wins."""
    result = db.session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == "pending",
            or_(WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until < now),
        )
        .values(lease_until=lease, attempts=WebhookDelivery.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return int(getattr(result, "rowcount", 0)) == 1


def attempt(delivery_id: int, now: datetime) -> str:
    """Make one attempt at a claimed delivery and record it; return its new status."""
    config = current_app.config
    delivery = db.session.get_one(WebhookDelivery, delivery_id)
    webhook = db.session.get_one(Webhook, delivery.webhook_id)
    body = payload(delivery.event)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Docent-Event-Id": delivery.event_id,
        "Docent-Event-Type": delivery.event.type,
        "Docent-Signature": sign(webhook.secret, body, int(time.time())),
    }
    url, lease = webhook.url, delivery.lease_until
    db.session.commit()  # hand the connection back while the receiver answers
    status: int | None = None
    error: str | None = None
    try:
        status = post(url, body, headers, float(config["WEBHOOK_TIMEOUT"]), _allow_private())
        if not 200 <= status < 300:
            error = f"The receiver answered HTTP {status}."
    except Exception as exc:  # any failure to deliver is recorded, never raised
        error = f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"[:MAX_ERROR]
    return record(delivery_id, webhook.id, lease, status, error, now)


def record(
    delivery_id: int,
    webhook_id: int,
    lease: datetime | None,
    status: int | None,
    error: str | None,
    now: datetime,
) -> str:
    """Store an attempt's outcome; retry with backoff, give up, or disable the webhook."""
    config = current_app.config
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.lease_until != lease:
        db.session.rollback()
        return "lost"  # deleted meanwhile, or the lease ran out and another worker took it
    delivery.lease_until = None
    delivery.last_status = status
    delivery.last_error = error
    webhook = db.session.get_one(Webhook, webhook_id)
    if error is None:
        delivery.status, delivery.delivered_at = "delivered", utcnow()
        webhook.failures = 0
    else:
        if delivery.attempts >= int(config["WEBHOOK_MAX_ATTEMPTS"]):
            delivery.status = "failed"
        else:
            delivery.next_attempt_at = now + backoff(
                delivery.attempts, float(config["WEBHOOK_BACKOFF_SECONDS"])
            )
        db.session.execute(
            update(Webhook)
            .where(Webhook.id == webhook_id)
            .values(failures=Webhook.failures + 1)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(webhook)
        limit = int(config["WEBHOOK_DISABLE_AFTER"])
        if webhook.disabled_at is None and webhook.failures >= limit:
            webhook.disabled_at = utcnow()
            webhook.disabled_reason = f"{limit} failed attempts in a row; the last: {error}"
    db.session.commit()
    return delivery.status


def prune(now: datetime) -> None:
    """Forget finished deliveries, and events with none left, after WEBHOOK_RETENTION_DAYS."""
    cutoff = now - timedelta(days=float(current_app.config["WEBHOOK_RETENTION_DAYS"]))
    finished = db.session.execute(
        delete(WebhookDelivery)
        .where(
            # Both columns are in the due index, so this is a range scan, not a table scan.
            WebhookDelivery.status.in_(("delivered", "failed")),
            WebhookDelivery.next_attempt_at < cutoff,
        )
        .returning(WebhookDelivery.event_id)
    )
    drop_orphan_events(set(finished.scalars()))
    db.session.commit()


def deliver_due_webhooks(now: datetime | None = None, limit: int = 100) -> dict[str, int]:
    """Make one pass over due outbox rows; return how many were delivered, retried, failed."""
    now = now or utcnow()
    prune(now)
    lease = now + timedelta(seconds=float(current_app.config["WEBHOOK_LEASE_SECONDS"]))
    counts = {"delivered": 0, "retrying": 0, "failed": 0}
    for delivery_id in due(now, limit):
        if not claim(delivery_id, now, lease):
            continue  # another worker holds it
        outcome = attempt(delivery_id, now)
        key = "retrying" if outcome == "pending" else outcome
        if key in counts:
            counts[key] += 1
    db.session.remove()
    return counts


def _allow_private() -> bool:
    return bool(current_app.config["ALLOW_PRIVATE_URLS"])


def start_poller(app: Flask) -> threading.Event:
    """Deliver due webhooks every WEBHOOK_POLL_SECONDS in a daemon thread; set the event to stop."""
    stop = threading.Event()

    def loop() -> None:
        interval = float(app.config["WEBHOOK_POLL_SECONDS"])
        while not stop.is_set():
            try:
                with app.app_context():
                    deliver_due_webhooks()
            except Exception:  # keep polling; the next pass retries
                app.logger.exception("Webhook delivery pass failed")
            stop.wait(interval)

    threading.Thread(target=loop, name="docent-webhook-poller", daemon=True).start()
    app.extensions["docent_webhook_poller"] = stop
    return stop


@periodic("deliver-webhooks")
def deliver_webhooks_job() -> dict[str, int]:
    """Deliver what the outbox owes, every minute, from whichever worker's turn it is."""
    return deliver_due_webhooks()
