"""Resolve the key behind a request: auth forms, origins, scopes and limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app, g, request
from flask_limiter.util import get_remote_address
from limits import parse_many

import logs
from api import preview, quota
from api.errors import (
    InvalidApiKey,
    OriginNotAllowed,
    QuotaExceeded,
    RateLimited,
    ScopeNotAllowed,
)
from api.keys import hash_key, key_kind
from api.origins import origin_allowed
from extensions import limiter
from models import ApiKey, Bot, db, utcnow

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
    if request.path.startswith("/api/v1"):
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
    """Check key text, origin, scope and limits; return the caller or raise."""
    if not text:
        raise InvalidApiKey("An API key is required: send it as 'Authorization: Bearer <key>'.")
    if text.startswith(preview.PREFIX):
        stand_in, bot = preview.preview_bot(text, scope, origin)
        g.cors_origin = None  # same-origin only: no CORS header is ever needed
        return Caller(key=stand_in, bot=bot, origin=origin)
    kind = key_kind(text)
    if kind is None:
        # Refused without a database read: wrong prefix, length or checksum.
        raise InvalidApiKey("The API key is not valid.")
    key = db.session.execute(
        db.select(ApiKey).where(ApiKey.key_hash == hash_key(text))
    ).scalar_one_or_none()
    if key is None or key.revoked_at is not None:
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


def check_origin(key: ApiKey, origin: str | None) -> None:
    """Apply SPEC §2's origin rules for the key's kind."""
    if key.kind == "public":
        if not origin:
            raise OriginNotAllowed(
                "A public key works only from a browser page on an allowed origin."
            )
        if not origin_allowed(origin, key.origins):
            raise OriginNotAllowed(f"Origin {origin[:200]} is not allowed for this key.")
    elif origin is not None and not origin_allowed(origin, key.origins):
        raise OriginNotAllowed("This secret key cannot be used from a browser page on this origin.")


def _seconds_until(reset_time: float) -> int:
    return max(1, int(reset_time - datetime.now(UTC).timestamp()) + 1)


def charge_message(key: ApiKey) -> None:
    """Count one chat message against the key's rate limit and daily quota."""
    strategy = limiter.limiter
    # The same prefix as Flask-Limiter's own keys, so deployments can share a Redis.
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"] or "docent"
    if key.rate_limit:
        for item in parse_many(key.rate_limit):
            if not strategy.hit(item, prefix, "key", str(key.id)):
                reset, _ = strategy.get_window_stats(item, prefix, "key", str(key.id))
                raise RateLimited(
                    f"This key allows {key.rate_limit}; retry later.",
                    retry_after=_seconds_until(reset),
                )
    if key.daily_quota and not quota.take(key.id, key.daily_quota):
        # In the database, not the limiter storage: a restart or a second worker shares it.
        midnight = datetime.combine(quota.today() + timedelta(days=1), datetime.min.time(), UTC)
        raise QuotaExceeded(
            f"This key's daily quota of {key.daily_quota} messages is used up.",
            retry_after=_seconds_until(midnight.timestamp()),
        )


def ip_limit() -> str:
    """Return the per-client-IP limit for chat routes."""
    return current_app.config["RATE_LIMIT_IP"]


# One budget per client IP across every chat route: Flask-Limiter's shared limit keeps
# one counter under this scope for all the routes it decorates, and the WebSocket's
# questions count against the same counter (charge_ip).
IP_SCOPE = "chat"
chat_ip_limit = limiter.shared_limit(ip_limit, scope=IP_SCOPE)


def charge_ip() -> None:
    """Count one question outside Flask-Limiter's decorators (WebSocket frames)."""
    identifiers = [get_remote_address(), IP_SCOPE]
    # The very identifiers Flask-Limiter hits for chat_ip_limit, its key prefix included.
    prefix = getattr(limiter, "_key_prefix", "")
    if prefix:
        identifiers.insert(0, prefix)
    for item in parse_many(ip_limit()):
        if not limiter.limiter.hit(item, *identifiers):
            reset, _ = limiter.limiter.get_window_stats(item, *identifiers)
            raise RateLimited(
                "Too many requests; slow down and retry later.",
                retry_after=_seconds_until(reset),
            )
