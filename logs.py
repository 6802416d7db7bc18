"""Keep key text out of logs: request lines may carry `?api_key=…` (SPEC §2)."""

from __future__ import annotations

import logging
import re

KEY_PARAM_RE = re.compile(r"(api_key=)[^&\s\"]+", re.IGNORECASE)
KEY_TEXT_RE = re.compile(r"\b([ps]k_)[0-9A-Za-z]{30,}")


def redact(text: str) -> str:
    """Replace key text and api_key query values with a marker."""
    return KEY_TEXT_RE.sub(r"\1[redacted]", KEY_PARAM_RE.sub(r"\1[redacted]", text))


class RedactKeys(logging.Filter):
    """A logging filter that redacts keys from every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def install() -> None:
    """Redact keys in the request logs of the development server and gunicorn."""
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactKeys) for f in logger.filters):
            logger.addFilter(RedactKeys())
