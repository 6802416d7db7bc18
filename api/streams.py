"""One stream, three wires: NDJSON, Server-Sent Events and WebSocket frames."""

from __future__ import annotations

import contextvars
import json
import queue
import threading
from collections.abc import Callable, Generator, Iterator
from json.encoder import encode_basestring
from typing import Any

from flask import Flask, Response, current_app

from api.errors import ApiError
from engine.events import Event

_DONE = object()
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
# json.dumps(value, ensure_ascii=False), without building an encoder at every call.
_dumps = json.JSONEncoder(ensure_ascii=False).encode


def ndjson(event: Event) -> str:
    """Serialise an event as one NDJSON line."""
    if event["type"] == "delta" and isinstance(event["content"], str):
        # Most lines of an answer: the text json.dumps writes for events.delta, built directly.
        return '{"type": "delta", "content": ' + encode_basestring(event["content"]) + "}\n"
    return _dumps(event) + "\n"


def sse(event: Event) -> str:
    """Serialise an event as an SSE block with SPEC's `event:` names."""
    kind = event["type"]
    if kind == "delta":
        content = event["content"]
        if isinstance(content, str):  # as below, built directly
            return f'event: message\ndata: {{"content": {encode_basestring(content)}}}\n\n'
        name, data = "message", {"content": content}
    elif kind == "start":
        name, data = "start", {"session_id": event["sessionId"], "message_id": event["message_id"]}
    elif kind == "sources":
        name, data = "sources", {"sources": event["sources"]}
    elif kind == "end":
        name, data = (
            "end",
            {
                "session_id": event["sessionId"],
                "message_id": event["message_id"],
                "usage": event["usage"],
                "answered": event["answered"],
            },
        )
    else:
        name, data = "error", {"success": False, "error": event["error"]}
    return f"event: {name}\ndata: {_dumps(data)}\n\n"


def ndjson_response(factory: Callable[[], Generator[Event, None, None]]) -> Response:
    """Stream events as NDJSON, one per line."""
    lines = (ndjson(event) for event in in_background(factory) if event is not None)
    return Response(lines, mimetype="application/x-ndjson", headers=STREAM_HEADERS)


def sse_response(factory: Callable[[], Generator[Event, None, None]]) -> Response:
    """Stream events as SSE, with a `: ping` comment whenever the model stays silent."""
    keepalive = float(current_app.config["SSE_PING_SECONDS"])
    blocks = (
        sse(event) if event is not None else ": ping\n\n"
        for event in in_background(factory, keepalive)
    )
    return Response(blocks, mimetype="text/event-stream", headers=STREAM_HEADERS)


def in_background(
    factory: Callable[[], Generator[Event, None, None]], keepalive: float | None = None
) -> Iterator[Event | None]:
    """Run an event stream in its own app context; yield its events, and None while idle.

    The stream has its own app context (and so its own database session). With a
    keepalive it runs in a worker thread, so that silence can be noticed; without one
    it runs in the caller's thread, one step at a time, and a second thread per
    stream would only add a hand-off per event. When the consumer stops early, the
    stream is closed, which stores the partial answer as interrupted.
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    # A copy of the request's context, so the answer's model and tokens reach its log line.
    context = contextvars.copy_context()
    if keepalive is None:
        return _inline(app, factory, context)
    # The C queue: a hand-off per event, about a tenth of queue.Queue's cost.
    items: queue.SimpleQueue[Any] = queue.SimpleQueue()
    cancelled = threading.Event()
    return _relay(app, factory, items, cancelled, keepalive, context)


def _inline(
    app: Flask,
    factory: Callable[[], Generator[Event, None, None]],
    context: contextvars.Context,
) -> Generator[Event, None, None]:
    """Step the stream inside `context`, as the worker thread of `_relay` would."""

    def run() -> Generator[Event, None, None]:
        with app.app_context():
            stream = factory()
            try:
                yield from stream
            finally:
                stream.close()

    steps = run()
    try:
        while True:
            try:
                event = context.run(next, steps)
            except StopIteration:
                return
            yield event
    finally:
        context.run(steps.close)


def _relay(
    app: Flask,
    factory: Callable[[], Generator[Event, None, None]],
    items: queue.SimpleQueue[Any],
    cancelled: threading.Event,
    keepalive: float | None,
    context: contextvars.Context,
) -> Iterator[Event | None]:

    def work() -> None:
        with app.app_context():
            stream = factory()
            try:
                for event in stream:
                    items.put(event)
                    if cancelled.is_set():
                        break
            finally:
                stream.close()
                items.put(_DONE)

    worker = threading.Thread(target=context.run, args=(work,), name="docent-stream", daemon=True)
    worker.start()
    try:
        while True:
            try:
                item = items.get(timeout=keepalive)
            except queue.Empty:
                yield None
                continue
            if item is _DONE:
                return
            yield item
    finally:
        cancelled.set()


def collect(stream: Iterator[Event]) -> dict[str, Any]:
    """Run a stream to its end and return its parts, or raise its error."""
    answer: list[str] = []
    result: dict[str, Any] = {"sources": []}
    for event in stream:
        kind = event["type"]
        if kind == "start":
            result["message_id"] = event["message_id"]
        elif kind == "delta":
            answer.append(event["content"])
        elif kind == "sources":
            result["sources"] = event["sources"]
        elif kind == "end":
            result["usage"] = event["usage"]
            result["answered"] = event["answered"]
        elif kind == "error":
            error = event["error"]
            raise ApiError(error["message"], code=error["code"], status=event.get("status", 502))
    result["answer"] = "".join(answer)
    return result
