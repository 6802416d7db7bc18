"""Webhook routes: create, list and delete a bot's webhooks with a secret key."""

from __future__ import annotations

from flask import Response, current_app, jsonify

from api.auth import Caller, authenticate, key_from_request, request_origin
from api.blueprints import developer
from api.errors import ApiError, InvalidApiKey, NotFound
from api.validation import json_body
from services.keys import key_kind
from services.webhooks import (
    WebhookError,
    bot_webhooks,
    create_webhook,
    delete_webhook,
    deliveries,
    delivery_dict,
    find_webhook,
    webhook_dict,
)

# Deliveries carry visitors' messages, so managing webhooks needs the sessions scope.
SCOPE = "sessions:read"


def webhook_caller() -> Caller:
    """Authenticate a secret key allowed to read sessions; public keys are refused."""
    text = key_from_request()
    if text and key_kind(text) == "public":
        raise InvalidApiKey("Webhooks are managed with a secret key (sk_…), not a public key.")
    return authenticate(text, SCOPE, request_origin())


@developer.get("/webhooks")
def list_webhooks() -> Response:
    """List the bot's webhooks (their secrets are never shown again)."""
    caller = webhook_caller()
    hooks = [webhook_dict(w) for w in bot_webhooks(caller.bot.id)]
    return jsonify({"success": True, "webhooks": hooks})


@developer.post("/webhooks")
def add_webhook() -> tuple[Response, int]:
    """Create a webhook; the reply carries its signing secret, shown this once."""
    body = json_body("WebhookCreate")
    caller = webhook_caller()
    try:
        webhook, secret = create_webhook(
            caller.bot.id,
            body.get("url"),
            body.get("events"),
            allow_private=bool(current_app.config["ALLOW_PRIVATE_URLS"]),
        )
    except WebhookError as exc:
        raise ApiError(str(exc), code=exc.code, status=400) from None
    return jsonify({"success": True, "webhook": {**webhook_dict(webhook), "secret": secret}}), 201


@developer.get("/webhooks/<int:webhook_id>/deliveries")
def list_deliveries(webhook_id: int) -> Response:
    """Return a webhook's latest deliveries: status, attempts and last error."""
    caller = webhook_caller()
    webhook = find_webhook(caller.bot.id, webhook_id)
    if webhook is None:
        raise NotFound("No webhook with that id.")
    rows = [delivery_dict(d) for d in deliveries(webhook.id)]
    return jsonify({"success": True, "deliveries": rows})


@developer.delete("/webhooks/<int:webhook_id>")
def remove_webhook(webhook_id: int) -> Response:
    """Delete a webhook and its delivery log."""
    caller = webhook_caller()
    webhook = find_webhook(caller.bot.id, webhook_id)
    if webhook is None:
        raise NotFound("No webhook with that id.")
    delete_webhook(webhook)
    return jsonify({"success": True, "webhook_id": webhook_id, "deleted": True})
