"""The one limit charger: a question counts against the client IP, the key's rate and its quota.

Per-minute limits live in Flask-Limiter's storage (shared through Redis across workers);
daily quotas live in the database (services/quota.py), exact across restarts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from limits import parse_many

from extensions import limiter
from models import ApiKey
from services import quota
from services.errors import QuotaExceeded, RateLimited

# One budget per client IP across every chat route: Flask-Limiter's shared limit keeps
# one counter under this scope for the routes it decorates (api/auth.chat_ip_limit), and
# questions that arrive outside a decorated route (WebSocket frames) count against it here.
IP_SCOPE = "chat"


def ip_limit() -> str:
    """Return the per-client-IP limit for chat routes."""
    return str(current_app.config["RATE_LIMIT_IP"])


def seconds_until(reset_time: float) -> int:
    """Return whole seconds (at least 1) until a moment, for Retry-After."""
    return max(1, int(reset_time - datetime.now(UTC).timestamp()) + 1)


def _hit(limit_text: str, identifiers: list[str], message: str) -> None:
    """Count one hit of every limit in the text; raise RateLimited when one is spent."""
    strategy = limiter.limiter
    for item in parse_many(limit_text):
        if not strategy.hit(item, *identifiers):
            reset, _ = strategy.get_window_stats(item, *identifiers)
            raise RateLimited(message, retry_after=seconds_until(reset))


def charge_question(key: ApiKey, client_ip: str | None = None) -> None:
    """Count one question: against the client IP when given, then the key's rate and quota.

    HTTP routes pass no IP: Flask-Limiter's decorator has counted it already. The
    quota's count joins the caller's transaction: start_turn commits it with the question.
    """
    if client_ip is not None:
        # The very identifiers Flask-Limiter hits for the shared chat limit, prefix included.
        prefix = getattr(limiter, "_key_prefix", "")
        identifiers = [prefix, client_ip, IP_SCOPE] if prefix else [client_ip, IP_SCOPE]
        _hit(ip_limit(), identifiers, "Too many requests; slow down and retry later.")
    if key.rate_limit:
        # The same prefix as Flask-Limiter's own keys, so deployments can share a Redis.
        prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or "docent"
        _hit(
            key.rate_limit,
            [prefix, "key", str(key.id)],
            f"This key allows {key.rate_limit}; retry later.",
        )
    if key.daily_quota and not quota.take(key.id, key.daily_quota, commit=False):
        midnight = datetime.combine(quota.today() + timedelta(days=1), datetime.min.time(), UTC)
        raise QuotaExceeded(
            f"This key's daily quota of {key.daily_quota} messages is used up.",
            retry_after=seconds_until(midnight.timestamp()),
        )
