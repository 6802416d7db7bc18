"""The one exception ingestion raises for input a user can fix."""

from __future__ import annotations


class IngestError(Exception):
    """A document could not be ingested; the message is one sentence for the user."""

    def __init__(self, message: str, *, status: int = 400, code: str = "invalid_request") -> None:
        super().__init__(message)
        self.message = message
        # HTTP status and SPEC error code, so routes can render it without a table.
        self.status = status
        self.code = code
