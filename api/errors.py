"""The app's default error rendering: SPEC's JSON error shape (the ApiError family is
defined in services/errors.py and re-exported here for the adapters)."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from models import db
from services.errors import (
    ApiError,
    InvalidApiKey,
    InvalidRequest,
    NotFound,
    OriginNotAllowed,
    QuotaExceeded,
    RateLimited,
    ScopeNotAllowed,
    Unavailable,
    UpstreamError,
    error_body,
)
from web import error_response, http_error_response

__all__ = [
    "ApiError",
    "InvalidApiKey",
    "InvalidRequest",
    "NotFound",
    "OriginNotAllowed",
    "QuotaExceeded",
    "RateLimited",
    "ScopeNotAllowed",
    "Unavailable",
    "UpstreamError",
    "error_body",
    "error_response",
    "register",
]


def retry_after_only_when_asked(response: Response) -> Response:
    """Drop Retry-After where no retry is asked for (Flask-Limiter adds it to every response).

    A 429 says when the limit resets; a 503 says when the busy database may answer.
    """
    if response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    return response


def register(app: Flask) -> None:
    """Install SPEC's JSON errors as the app's default rendering.

    Every audience but the dashboard answers errors this way; the dashboard's blueprint
    renders its own (dashboard/errors.py).
    """
    # After-request functions run last-registered first; at the front of the list this one
    # runs after Flask-Limiter has injected its headers.
    app.after_request_funcs.setdefault(None, []).insert(0, retry_after_only_when_asked)

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error)

    @app.errorhandler(HTTPException)
    def _werkzeug_error(error: HTTPException) -> Response:
        return http_error_response(error)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Any:
        if isinstance(error, HTTPException):
            return _werkzeug_error(error)
        # A failed transaction must not fail again in the after-request hooks.
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        busy = Unavailable.from_database(error)
        if busy is not None:
            return error_response(busy)
        response = jsonify(error_body("internal_error", "Something went wrong on our side."))
        response.status_code = 500
        return response
