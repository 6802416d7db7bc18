"""CORS for the machine audiences: echo only an allowed origin, always with Vary: Origin.

Preflights are answered on the parent blueprint before any auth or limit runs; the
origin is echoed on every response of the /v1, /api/v1 and /chat blueprints,
early errors included.
"""

from __future__ import annotations

from flask import Response, g, request
from sqlalchemy.exc import SQLAlchemyError

from api.auth import key_from_request
from api.blueprints import bp, chats, developer, headless
from models import db
from services.keys import any_key_allows, find_key
from services.origins import origin_allowed

ALLOW_HEADERS = "Authorization, Content-Type, X-Api-Key, X-Widget-Api-Key"
# How long a browser may reuse a preflight's answer: two hours, Chromium's ceiling
# (Firefox allows a day), so a widget's visitor pays for the preflight of
# GET /v1/widget/config once per visit rather than on every page. A cached preflight
# grants nothing by itself: every actual response still echoes the origin only if the
# request's key allows it.
PREFLIGHT_MAX_AGE = "7200"


def _key_allows(origin: str) -> bool:
    """Tell whether the request's key (if any) allows the origin, for early errors."""
    text = key_from_request()
    try:
        key = find_key(text)
    except SQLAlchemyError:
        # The request's own transaction failed (a lock timeout, say): its error response
        # still needs its CORS headers, so start afresh rather than raise a second error.
        db.session.rollback()
        try:
            key = find_key(text)
        except SQLAlchemyError:
            db.session.rollback()
            return False
    return key is not None and origin_allowed(origin, key.origins)


@bp.before_request
def preflight() -> Response | None:
    """Answer CORS preflights before any auth or limit runs."""
    if request.method != "OPTIONS" or request.url_rule is None:
        return None
    response = Response(status=204)
    origin = request.headers.get("Origin")
    if origin and any_key_allows(origin):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    response.vary.add("Origin")
    return response


def cors_headers(response: Response) -> Response:
    """Echo an allowed origin on API responses, including early errors."""
    if request.method == "OPTIONS":
        return response
    response.vary.add("Origin")
    origin = request.headers.get("Origin")
    if origin and (getattr(g, "cors_origin", None) == origin or _key_allows(origin)):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = "Retry-After"
    return response


for audience in (headless, developer, chats):
    audience.after_request(cors_headers)
