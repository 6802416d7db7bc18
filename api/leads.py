"""The widget's lead form and hand-off request: POST /v1/leads."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from api.auth import authenticate, key_from_request, request_origin
from api.blueprints import headless
from api.errors import InvalidRequest
from api.validation import json_body, session_id
from contract import LEAD_EMAIL_MAX, LEAD_MESSAGE_MAX, LEAD_NAME_MAX
from extensions import limiter
from services.leads import EMAIL_RE, KINDS, lead_dict, record_lead
from services.limits import ip_limit


def text(body: dict[str, Any], name: str, most: int, required: bool = False) -> str:
    """Return a trimmed string field, or raise 400."""
    value = body.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str) or len(value) > most:
        raise InvalidRequest(f"'{name}' must be text of at most {most} characters.")
    if required and not value.strip():
        raise InvalidRequest(f"'{name}' is required.")
    return value.strip()


@headless.post("/leads")
@limiter.limit(ip_limit)
def create_lead() -> tuple[Response, int]:
    """Store a visitor's contact details or request for a person, if the bot offers it."""
    body = json_body()
    caller = authenticate(key_from_request(body), "chat", request_origin())
    sid = session_id(body.get("sessionId", body.get("session_id")), required=True) or ""
    kind = body.get("kind")
    if kind not in KINDS:
        raise InvalidRequest('\'kind\' must be "lead" or "handoff".')
    widget = caller.bot.widget or {}
    offered = (
        widget.get("lead_form")
        if kind == "lead"
        else widget.get("handoff")
        in (
            "always",
            "unanswered",
        )
    )
    if not offered:
        raise InvalidRequest(f"This bot does not take {kind} requests.")
    name = text(body, "name", LEAD_NAME_MAX)
    email = text(body, "email", LEAD_EMAIL_MAX, required=True)
    if not EMAIL_RE.match(email):
        raise InvalidRequest("'email' must be an email address.")
    message = text(body, "message", LEAD_MESSAGE_MAX)
    lead = record_lead(caller.bot, sid, kind, name, email, message)
    return jsonify({"success": True, "lead": lead_dict(lead)}), 201
