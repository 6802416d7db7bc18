"""CORS for the chat routes: echo only an allowed origin, always with Vary: Origin."""

from __future__ import annotations

from flask import Response, g, request
from sqlalchemy.exc import SQLAlchemyError

from api import bp
from api.auth import key_from_request
from api.keys import hash_key, key_kind
from api.origins import origin_allowed
from models import ApiKey, db

ALLOW_HEADERS = "Authorization, Content-Type, X-Api-Key, X-Widget-Api-Key"


def _key_allows(origin: str) -> bool:
    """Tell whether the request's key (if any) allows the origin, for early errors."""
    text = key_from_request()
    if not text or key_kind(text) is None:
        return False
    query = db.select(ApiKey.origins).where(
        ApiKey.key_hash == hash_key(text), ApiKey.revoked_at.is_(None)
    )
    try:
        origins = db.session.execute(query).scalar_one_or_none()
    except SQLAlchemyError:
        # The request's own transaction failed (a lock timeout, say): its error response
        # still needs its CORS headers, so start afresh rather than raise a second error.
        db.session.rollback()
        try:
            origins = db.session.execute(query).scalar_one_or_none()
        except SQLAlchemyError:
            db.session.rollback()
            return False
    return origins is not None and origin_allowed(origin, origins)


def any_key_allows(origin: str) -> bool:
    """Tell whether any live key allows the origin (preflights and handshakes carry none)."""
    lists = db.session.execute(
        db.select(ApiKey.origins).where(ApiKey.revoked_at.is_(None))
    ).scalars()
    return any(origin_allowed(origin, allowed) for allowed in lists)


@bp.before_request
def preflight() -> Response | None:
    """Answer CORS preflights before any auth or limit runs."""
    if request.method != "OPTIONS":
        return None
    response = Response(status=204)
    origin = request.headers.get("Origin")
    if origin and any_key_allows(origin):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
        response.headers["Access-Control-Max-Age"] = "600"
    response.vary.add("Origin")
    return response


@bp.after_app_request
def cors_headers(response: Response) -> Response:
    """Echo an allowed origin on API responses, including early errors."""
    if not request.path.startswith(("/v1/", "/api/v1/", "/chat")) or request.method == "OPTIONS":
        return response
    response.vary.add("Origin")
    origin = request.headers.get("Origin")
    if origin and (getattr(g, "cors_origin", None) == origin or _key_allows(origin)):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = "Retry-After"
    return response
