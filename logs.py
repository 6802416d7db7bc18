"""Logs: one JSON line per request, and key text kept out of every line (SPEC §2)."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, current_app, g, request

KEY_PARAM_RE = re.compile(r"(api_key=)[^&\s\"]+", re.IGNORECASE)
KEY_TEXT_RE = re.compile(r"\b([ps]k_)[0-9A-Za-z]{30,}")
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
log = logging.getLogger("docent.request")
# The current request's log fields; stream threads run in a copy of the context and
# so add their model and tokens to the same dict.
_fields: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "docent_log_fields", default=None
)
# Attributes every LogRecord has; anything else was passed as `extra` and is logged.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


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


class JsonLines(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message and extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


def install() -> None:
    """Redact keys in the request logs of the development server and gunicorn."""
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactKeys) for f in logger.filters):
            logger.addFilter(RedactKeys())


def configure(json_lines: bool = True, names: tuple[str, ...] = ("docent",)) -> None:
    """Send Docent's loggers to stderr, as JSON lines or text, unless logging is set up."""
    for name in names:
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        if logger.handlers or logging.getLogger().handlers:
            continue  # the host (pytest, a logging config) already decides
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(
            JsonLines() if json_lines else logging.Formatter("%(levelname)s %(name)s %(message)s")
        )
        handler.addFilter(RedactKeys())
        logger.addHandler(handler)


@contextmanager
def root_kept() -> Iterator[None]:
    """Keep the root logger's handlers and level as they are across a library's import.

    Some libraries call logging.basicConfig() when imported (the local embedding
    model's does): the root logger then prints, at INFO, a second plain-text copy of
    every request line and a line for every HTTP call to the model server.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        for handler in [h for h in root.handlers if h not in handlers]:
            root.removeHandler(handler)
        root.setLevel(level)


def note(**fields: Any) -> None:
    """Add fields to the current request's log line; tokens add up over model calls."""
    current = _fields.get()
    if current is None:
        return
    for name, value in fields.items():
        if name.endswith("_tokens") and isinstance(value, int):
            current[name] = current.get(name, 0) + value
        else:
            current[name] = value


def request_id() -> str:
    """Return the id of the current request (from a trusted proxy, or a new one)."""
    return g.request_id


def _begin() -> None:
    incoming = request.headers.get("X-Request-Id", "")
    trusted = current_app.config["TRUSTED_PROXIES"] > 0 and REQUEST_ID_RE.match(incoming)
    g.request_id = incoming if trusted else uuid.uuid4().hex
    g.log_started = time.perf_counter()
    fields: dict[str, Any] = {}
    if request.view_args and isinstance(request.view_args.get("bot_id"), int):
        fields["bot_id"] = request.view_args["bot_id"]
    _fields.set(fields)


def _end(response: Response) -> Response:
    response.headers["X-Request-Id"] = g.request_id
    fields = _fields.get() or {}
    base = {
        "request_id": g.request_id,
        "method": request.method,
        # The rule, never the path: paths may carry session ids and queries carry keys.
        "route": request.url_rule.rule if request.url_rule else None,
        "status": response.status_code,
    }
    started = g.log_started

    def emit() -> None:
        entry = {**base, **fields, "latency_ms": round(1000 * (time.perf_counter() - started), 1)}
        log.info("request", extra=entry)

    if response.is_streamed:
        response.call_on_close(emit)  # a stream logs when it ends
    else:
        emit()
    return response


def _forget(exc: BaseException | None) -> None:
    """Drop the request's fields from its thread (stream threads keep their own copy)."""
    _fields.set(None)


def init_app(app: Flask) -> None:
    """Give every request an id (sent back as X-Request-Id) and one log line."""
    # First of all before-request hooks, so a request the limiter refuses has an id too.
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    app.after_request(_end)
    app.teardown_request(_forget)
