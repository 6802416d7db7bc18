"""What every blueprint shares: audiences, which one a request belongs to, and cookies.

Each audience (machine clients under api/, site owners under dashboard/, the widget
script, the demo pages) is a blueprint, and attaches its own CORS, cookie and error
rendering as blueprint hooks. A request that matches no route (a 404 or 405) still
belongs to the audience whose URL space it falls in, so it gets that audience's
error page or JSON, and its headers.
"""

from __future__ import annotations

from typing import Any

import flask
from flask import Blueprint, Flask, Response, current_app, jsonify
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import HTTPException

from services.errors import ApiError


class Audience(Blueprint):
    """A blueprint for one audience.

    `cookieless`: its responses never depend on the owner's session cookie (keys
    authenticate them), so they never say `Vary: Cookie`. `claims`: the URL prefixes
    whose unrouted requests it answers (its url_prefix unless given).
    """

    def __init__(
        self,
        name: str,
        import_name: str,
        *,
        cookieless: bool = False,
        claims: tuple[str, ...] = (),
        **options: Any,
    ) -> None:
        super().__init__(name, import_name, **options)
        self.cookieless = cookieless
        self.claims = claims or ((self.url_prefix,) if self.url_prefix else ())


def _within(path: str, prefix: str) -> bool:
    if prefix == "/":
        return path == "/"
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


def owner_of(app: Flask, path: str) -> str | None:
    """Return the full name of the audience whose URL space holds the path, if any."""
    best, length = None, -1
    for name, blueprint in app.blueprints.items():
        for prefix in getattr(blueprint, "claims", ()):
            if _within(path, prefix) and len(prefix) > length:
                best, length = name, len(prefix)
    return best


class Request(flask.Request):
    """A request whose blueprint, when no route matched, is the audience that claims it."""

    @property
    def blueprint(self) -> str | None:
        if self.url_rule is None and self.routing_exception is not None:
            return owner_of(current_app, self.path)
        return super().blueprint


def cookieless(blueprints: list[str]) -> bool:
    """Tell whether a request's blueprints answer without the session cookie."""
    return any(getattr(current_app.blueprints.get(n), "cookieless", False) for n in blueprints)


class SessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure over HTTPS; keep `Vary: Cookie` off cookieless audiences."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or flask.request.is_secure)

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        super().save_session(app, session, response)
        # Flask-Login peeks at the session on every request, which makes Flask add
        # `Vary: Cookie`; on the widget script that would defeat shared caches.
        if not session and cookieless(flask.request.blueprints):
            kept = [v for v in response.vary if v.lower() != "cookie"]
            if kept:
                response.headers["Vary"] = ", ".join(kept)
            else:
                del response.headers["Vary"]


def install(app: Flask) -> None:
    """Give the app audience-aware requests and sessions."""
    app.request_class = Request
    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = SessionInterface()


# werkzeug status codes mapped to SPEC error codes.
HTTP_CODES = {
    400: "invalid_request",
    401: "invalid_api_key",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def error_response(error: ApiError) -> Response:
    """Render an ApiError with its status and headers."""
    response = jsonify(error.to_dict())
    response.status_code = error.status
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(max(1, int(error.retry_after)))
    return response


def http_error_response(error: HTTPException) -> Response:
    """Render a werkzeug or Flask-Limiter error in SPEC's JSON shape, keeping its headers."""
    status = error.code or 500
    if status == 429:
        message = "Too many requests; slow down and retry later."
    elif status == 413:
        message = "The request body is larger than this server accepts."
    else:
        message = (error.description or error.name).split("\n")[0].strip()
    response = error_response(
        ApiError(message, code=HTTP_CODES.get(status, "http_error"), status=status)
    )
    return keep_headers(error, response)


def keep_headers(error: HTTPException, response: Response) -> Response:
    """Copy the headers werkzeug or Flask-Limiter set (Retry-After, Allow) onto a response."""
    for name, value in error.get_headers():
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    if response.status_code == 429 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = "60"
    return response
