"""Resolve the key behind a request: its auth forms, origin and scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import g, request

import logs
from api import preview
from api.blueprints import DEVELOPER
from api.errors import InvalidApiKey, ScopeNotAllowed
from extensions import limiter
from models import ApiKey, Bot, db, utcnow
from services.keys import check_origin, find_key, key_kind
from services.limits import IP_SCOPE, ip_limit

# A key's last_used_at is written at most this often: a write per request would make
# every question wait for the database's write lock before its first token.
LAST_USED_EVERY = timedelta(minutes=1)


@dataclass
class Caller:
    """The authenticated key of a request, with its bot."""

    key: ApiKey
    bot: Bot
    origin: str | None


def key_from_request(body: dict[str, Any] | None = None) -> str | None:
    """Return the key text from any of SPEC's auth forms."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    for name in ("x-api-key", "x-widget-api-key"):
        if request.headers.get(name):
            return request.headers[name].strip()
    if DEVELOPER in request.blueprints:
        if isinstance(body, dict) and isinstance(body.get("api_key"), str):
            return body["api_key"].strip()
        if request.args.get("api_key"):
            return request.args["api_key"].strip()
    return None


def request_origin() -> str | None:
    """Return the request's browser origin, including same-origin GETs that omit it.

    Browsers leave Origin off same-origin GET requests, so the dashboard's own preview
    of the widget would look like a request with no browser at all. Sec-Fetch-Site is
    set by the browser alone (pages cannot forge it), so such a request is taken as
    coming from this server's own origin, which only a key listing it allows.
    """
    origin = request.headers.get("Origin")
    if origin is None and request.headers.get("Sec-Fetch-Site") == "same-origin":
        return request.host_url.rstrip("/")
    return origin


def authenticate(text: str | None, scope: str, origin: str | None) -> Caller:
    """Check key text, origin and scope; return the caller or raise (limits: services.limits)."""
    if not text:
        raise InvalidApiKey("An API key is required: send it as 'Authorization: Bearer <key>'.")
    if text.startswith(preview.PREFIX):
        stand_in, bot = preview.preview_bot(text, scope, origin)
        g.cors_origin = None  # same-origin only: no CORS header is ever needed
        return Caller(key=stand_in, bot=bot, origin=origin)
    if key_kind(text) is None:
        # Refused without a database read: wrong prefix, length or checksum.
        raise InvalidApiKey("The API key is not valid.")
    key = find_key(text)
    if key is None:
        raise InvalidApiKey("The API key is not valid or has been revoked.")
    check_origin(key, origin)
    if scope not in key.scopes:
        raise ScopeNotAllowed(f"This key does not have the '{scope}' scope.")
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_EVERY:
        key.last_used_at = now
        db.session.commit()
    g.cors_origin = origin if origin and key.origins else None
    logs.note(key_id=key.id, bot_id=key.bot_id)
    return Caller(key=key, bot=key.bot, origin=origin)


# Flask-Limiter's shared limit keeps one counter per client IP under IP_SCOPE for every
# route it decorates; WebSocket frames count against it through services.limits.
chat_ip_limit = limiter.shared_limit(ip_limit, scope=IP_SCOPE)
