"""The ApiError family and the one handler that renders SPEC's error shape."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, request
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

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


class ApiError(Exception):
    """An error a client can act on, rendered as SPEC's JSON error shape."""

    status = 400
    code = "invalid_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.retry_after = retry_after

    def to_dict(self) -> dict[str, Any]:
        """Return the payload of SPEC §3."""
        return error_body(self.code, self.message)


class InvalidRequest(ApiError):
    status, code = 400, "invalid_request"


class InvalidApiKey(ApiError):
    status, code = 401, "invalid_api_key"


class OriginNotAllowed(ApiError):
    status, code = 403, "origin_not_allowed"


class ScopeNotAllowed(ApiError):
    status, code = 403, "scope_not_allowed"


class NotFound(ApiError):
    status, code = 404, "not_found"


class RateLimited(ApiError):
    status, code = 429, "rate_limited"


class QuotaExceeded(ApiError):
    status, code = 429, "quota_exceeded"


class UpstreamError(ApiError):
    status, code = 502, "upstream_error"


def error_body(code: str, message: str) -> dict[str, Any]:
    """Build the error object every route and stream uses."""
    return {"success": False, "error": {"code": code, "message": message}}


def error_response(error: ApiError) -> Response:
    """Render an ApiError with its status and headers."""
    response = jsonify(error.to_dict())
    response.status_code = error.status
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(max(1, int(error.retry_after)))
    return response


def _http_error(error: HTTPException) -> Response:
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


def retry_after_only_when_asked(response: Response) -> Response:
    """Drop Retry-After where no retry is asked for (Flask-Limiter adds it to every response).

    A 429 says when the limit resets; a 503 says when the busy database may answer.
    """
    if response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    return response


def register(app: Flask) -> None:
    """Install the JSON error handlers on the app."""
    html_handler = app.extensions.setdefault("docent_html_errors", [])
    # After-request functions run last-registered first; at the front of the list this one
    # runs after Flask-Limiter has injected its headers.
    app.after_request_funcs.setdefault(None, []).insert(0, retry_after_only_when_asked)

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error)

    @app.errorhandler(HTTPException)
    def _werkzeug_error(error: HTTPException) -> Any:
        for wants_html, render in html_handler:
            if wants_html():
                return render(error)
        return _http_error(error)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Any:
        if isinstance(error, HTTPException):
            return _werkzeug_error(error)
        # A failed transaction must not fail again in the after-request hooks.
        from models import db

        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        if isinstance(error, OperationalError | PoolTimeout):
            # The database is busy or unreachable, or every pooled connection is in use
            # for longer than DB_POOL_TIMEOUT: the client may simply retry.
            response = jsonify(error_body("unavailable", "The service is busy; retry in a moment."))
            response.status_code = 503
            response.headers["Retry-After"] = "1"
            return response
        response = jsonify(error_body("internal_error", "Something went wrong on our side."))
        response.status_code = 500
        return response
