"""Webhooks: create, list and delete endpoints; emit events into the outbox."""

from __future__ import annotations

import secrets
import uuid
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import bindparam, select

from knowledge.errors import IngestError
from knowledge.fetch import _resolve
from models import Webhook, WebhookDelivery, WebhookEvent, db, utcnow

# Every event a webhook can subscribe to, with what its `data` carries.
EVENTS = {
    "conversation.created": "A visitor started a conversation: bot_id, session_id, question.",
    "message.unanswered": "The bot found nothing relevant and gave its fallback: bot_id, "
    "session_id, message_id, question, answer.",
    "message.rated": "A visitor rated an answer: bot_id, session_id, message_id, rating, comment.",
    "lead.created": "A visitor left their details: bot_id, session_id, name, email, message.",
    "handoff.requested": "A visitor asked for a person: bot_id, session_id, name, email, message.",
}
MAX_WEBHOOKS = 20


class WebhookError(ValueError):
    """A webhook that cannot be saved as asked; the message says why."""

    def __init__(self, message: str, code: str = "invalid_request") -> None:
        super().__init__(message)
        self.code = code


def check_url(url: Any, allow_private: bool) -> str:
    """Return a webhook URL that is http(s) and, unless allowed, not private or loopback."""
    if not isinstance(url, str) or not url.strip() or len(url.strip()) > 2000:
        raise WebhookError("'url' must be an http or https URL of at most 2000 characters.")
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError("'url' must be an http or https URL.")
    if parts.username or parts.password:
        raise WebhookError("'url' must not carry a user name or password.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        _resolve(parts.hostname, port, allow_private)
    except ValueError:
        raise WebhookError("'url' has an invalid port.") from None
    except IngestError as exc:
        code = "url_not_allowed" if getattr(exc, "code", "") == "url_not_allowed" else None
        raise WebhookError(str(exc), code or "invalid_request") from None
    return url


def check_events(events: Any) -> list[str]:
    """Return a non-empty list of known event names, without repeats."""
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        raise WebhookError(f"'events' must be a non-empty list of: {', '.join(EVENTS)}.")
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        raise WebhookError(f"Unknown event '{unknown[0][:60]}'; known events: {', '.join(EVENTS)}.")
    return list(dict.fromkeys(events))


def create_webhook(
    bot_id: int, url: Any, events: Any, *, allow_private: bool = False
) -> tuple[Webhook, str]:
    """Store a webhook and return it with its signing secret (shown only now)."""
    events = check_events(events)
    url = check_url(url, allow_private)
    count = db.session.execute(
        db.select(db.func.count(Webhook.id)).where(Webhook.bot_id == bot_id)
    ).scalar_one()
    if count >= MAX_WEBHOOKS:
        raise WebhookError(f"A bot can have at most {MAX_WEBHOOKS} webhooks.")
    secret = "whsec_" + secrets.token_urlsafe(32)
    webhook = Webhook(bot_id=bot_id, url=url, events=events, secret=secret, failures=0)
    db.session.add(webhook)
    db.session.commit()
    return webhook, secret


def bot_webhooks(bot_id: int) -> list[Webhook]:
    """Return the bot's webhooks, oldest first."""
    query = db.select(Webhook).where(Webhook.bot_id == bot_id).order_by(Webhook.id)
    return list(db.session.execute(query).scalars())


def find_webhook(bot_id: int, webhook_id: Any) -> Webhook | None:
    """Return one of the bot's webhooks, or None."""
    return db.session.execute(
        db.select(Webhook).where(Webhook.id == webhook_id, Webhook.bot_id == bot_id)
    ).scalar_one_or_none()


def delete_webhook(webhook: Webhook) -> None:
    """Delete a webhook, its delivery log and the events no other webhook still owes."""
    owed = db.session.execute(
        db.delete(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook.id)
        .returning(WebhookDelivery.event_id)
    )
    drop_orphan_events(set(owed.scalars()))
    db.session.delete(webhook)
    db.session.commit()


def drop_orphan_events(event_ids: set[str]) -> None:
    """Delete those of the events that no delivery refers to any more (no commit)."""
    if not event_ids:
        return
    owed = db.select(WebhookDelivery.id).where(WebhookDelivery.event_id == WebhookEvent.id)
    db.session.execute(
        db.delete(WebhookEvent).where(WebhookEvent.id.in_(event_ids), ~owed.exists())
    )


def enable_webhook(webhook: Webhook) -> None:
    """Turn a disabled webhook back on; its failed deliveries stay in the log."""
    webhook.disabled_at = None
    webhook.disabled_reason = None
    webhook.failures = 0
    db.session.commit()


def redeliver(delivery: WebhookDelivery) -> None:
    """Queue a delivery again now, whatever its status."""
    delivery.status = "pending"
    delivery.next_attempt_at = utcnow()
    delivery.lease_until = None
    db.session.commit()


def deliveries(webhook_id: int, limit: int = 50) -> list[WebhookDelivery]:
    """Return a webhook's most recent deliveries, newest first."""
    query = (
        db.select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(query).scalars())


def emit_event(bot_id: int, kind: str, data: dict[str, Any]) -> str | None:
    """Add an event to the outbox in the caller's transaction; the caller commits.

    Writes nothing when no enabled webhook of the bot subscribes to the event, so
    the request path pays one indexed read. Returns the event id, or None.
    """
    if kind not in EVENTS:
        raise ValueError(f"Unknown webhook event {kind!r}.")
    with db.session.no_autoflush:  # leave the caller's pending rows to its own commit
        hooks = db.session.execute(_SUBSCRIBED, {"bot_id": bot_id}).all()
    targets = [hook_id for hook_id, events in hooks if kind in (events or [])]
    if not targets:
        return None
    event_id = "evt_" + uuid.uuid4().hex
    now = utcnow()
    db.session.add(WebhookEvent(id=event_id, bot_id=bot_id, type=kind, data=data, created_at=now))
    for hook_id in targets:
        db.session.add(
            WebhookDelivery(
                webhook_id=hook_id,
                event_id=event_id,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
    return event_id


# Built once: the request path runs it for every new conversation.
_SUBSCRIBED = select(Webhook.id, Webhook.events).where(
    Webhook.bot_id == bindparam("bot_id"), Webhook.disabled_at.is_(None)
)


def webhook_dict(webhook: Webhook) -> dict[str, Any]:
    """Return a webhook as the API shows it (never its secret)."""
    return {
        "id": webhook.id,
        "url": webhook.url,
        "events": webhook.events,
        "created_at": iso(webhook.created_at),
        "enabled": webhook.disabled_at is None,
        "disabled_at": iso(webhook.disabled_at),
        "disabled_reason": webhook.disabled_reason,
    }


def delivery_dict(delivery: WebhookDelivery) -> dict[str, Any]:
    """Return a delivery as the API shows it."""
    return {
        "id": delivery.id,
        "event_id": delivery.event_id,
        "type": delivery.event.type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": iso(delivery.next_attempt_at) if delivery.status == "pending" else None,
        "last_status": delivery.last_status,
        "last_error": delivery.last_error,
        "delivered_at": iso(delivery.delivered_at),
        "created_at": iso(delivery.created_at),
    }


def iso(moment: Any) -> str | None:
    """Return a stored naive-UTC time as ISO 8601 with a Z."""
    return moment.isoformat() + "Z" if moment else None
