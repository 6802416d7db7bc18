"""The ApiError family: errors a client can act on, raised by services and adapters alike.

Each carries SPEC's error code and HTTP status; api/errors.py renders them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout


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


class Unavailable(ApiError):
    """The database is busy or out of reach, or every pooled connection is taken."""

    status, code = 503, "unavailable"

    @classmethod
    def from_database(cls, error: BaseException) -> Unavailable | None:
        """Return the 503 a database error means, or None if it means something else.

        A busy database (SQLite's writer held past its timeout), one out of reach, or
        every pooled connection taken for longer than DB_POOL_TIMEOUT: the client may
        simply retry, on every wire alike.
        """
        if isinstance(error, OperationalError | PoolTimeout):
            return cls(BUSY, retry_after=1)
        return None


BUSY = "The service is busy; retry in a moment."


def error_body(code: str, message: str) -> dict[str, Any]:
    """Build the error object every route and stream uses."""
    return {"success": False, "error": {"code": code, "message": message}}
