"""WebSocket chat at /api/v1/chat/ws: the NDJSON events as frames, many questions a socket.

Browsers do not apply CORS to WebSockets, so the handshake's Origin is checked
before the upgrade: against the key when it comes in the query string or a header,
otherwise against every live key, and then against the key of the first frame.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, g, request
from flask.sansio.blueprints import BlueprintSetupState
from flask_limiter.util import get_remote_address
from simple_websocket import ConnectionClosed, Server

from api.auth import authenticate, key_from_request, request_origin
from api.blueprints import developer
from api.errors import (
    ApiError,
    InvalidApiKey,
    InvalidRequest,
    OriginNotAllowed,
    Unavailable,
)
from api.streams import in_background, ndjson
from api.validation import message, parse_json, session_id
from engine.answer import stream_answer
from engine.events import Event
from extensions import sock
from models import db
from services.admission import waiting_in_line
from services.conversations import Turn, start_turn
from services.keys import any_key_allows

# The socket's path within the developer blueprint, and in full for logs.
ROUTE = "/chat/ws"
PATH = f"{developer.url_prefix}{ROUTE}"
# flask-sock's SOCK_SERVER_OPTIONS; DOCENT_SOCK_SERVER_OPTIONS='{"ping_interval": 10}' overrides.
DEFAULT_OPTIONS = {"ping_interval": 25, "max_message_size": 64 * 1024}
# Seconds a socket opened without a key has to send its auth frame.
AUTH_SECONDS = 10
# Close codes: 4000 + the HTTP status the same error would have; 1003 for binary frames.
UNSUPPORTED_DATA = 1003
INTERNAL_ERROR = 1011


@developer.record_once
def _defaults(state: BlueprintSetupState) -> None:
    config = state.app.config
    config["SOCK_SERVER_OPTIONS"] = {**DEFAULT_OPTIONS, **config["SOCK_SERVER_OPTIONS"]}


@developer.before_request
def check_handshake() -> None:
    """Refuse a bad key or Origin with an HTTP error, before the connection is upgraded."""
    if request.endpoint != "api.developer.chat_ws":
        return
    origin = request_origin()
    text = key_from_request()
    if text:
        authenticate(text, "chat", origin)
        g.ws_key = text
    elif origin is not None and not any_key_allows(origin):
        raise OriginNotAllowed(f"Origin {origin[:200]} is not allowed to open this socket.")
    db.session.close()


def frame(event: Event) -> str:
    """Serialise an event as a WebSocket text frame: an NDJSON line without its newline."""
    return ndjson(event).rstrip("\n")


def error_frame(error: ApiError) -> str:
    """Serialise an ApiError as a stream error event."""
    event: Event = {
        "type": "error",
        "error": {"code": error.code, "message": error.message},
        "status": error.status,
    }
    if error.retry_after is not None:
        event["retry_after"] = max(1, int(error.retry_after))
    return frame(event)


class Closing(Exception):
    """End the socket after sending the error with the close code."""

    def __init__(self, error: ApiError, code: int | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.code = code or 4000 + error.status


@dataclass
class Socket:
    """What one connection remembers between frames."""

    ws: Server
    origin: str | None
    key: str | None
    # A socket is one conversation unless a frame names its session_id.
    session_id: str | None = None


def read_frame(ws: Server, timeout: float | None = None) -> dict[str, Any] | None:
    """Receive one JSON object frame; None when the timeout passes."""
    raw = ws.receive(timeout=timeout)
    if raw is None:
        return None
    if isinstance(raw, bytes):
        raise Closing(InvalidRequest("Send text frames holding JSON objects."), UNSUPPORTED_DATA)
    try:
        data = parse_json(raw)
    except InvalidRequest as exc:
        raise Closing(exc) from None
    if not isinstance(data, dict):
        raise Closing(InvalidRequest("Each frame must be a JSON object."))
    return data


def start(state: Socket, data: dict[str, Any]) -> Turn:
    """Check the key and the frame, then start the question's turn."""
    try:
        caller = authenticate(state.key, "chat", state.origin)
    except ApiError as exc:
        raise Closing(exc) from None
    text = message(data.get("message"))
    sid = session_id(data.get("session_id", data.get("sessionId")), "session_id")
    try:
        return start_turn(
            caller.key, caller.bot, sid or state.session_id, text, client_ip=get_remote_address()
        )
    except ApiError as exc:
        # A spent limit ends the socket: its close code says when to come back.
        raise Closing(exc) from None
    except Exception as exc:
        # A busy database fails this question as a 503; the socket stays open.
        busy = Unavailable.from_database(exc)
        if busy is None:
            raise
        current_app.logger.exception("Question not stored on %s", PATH)
        raise busy from None


def answer(state: Socket, data: dict[str, Any]) -> None:
    """Answer one question frame, sending each event as it comes."""
    db.session.close()  # a question waits in line holding no database connection
    with waiting_in_line():
        turn = start(state, data)
    state.session_id = turn.session_id
    db.session.close()
    events: Iterator[Any] = in_background(lambda: stream_answer(turn))
    try:
        for event in events:
            state.ws.send(frame(event))
    finally:
        # Closing early (the client went away) stores the partial answer as interrupted.
        events.close()  # type: ignore[attr-defined]


def authenticate_first_frame(state: Socket) -> None:
    """Wait for the auth frame of a socket opened without a key."""
    data = read_frame(state.ws, AUTH_SECONDS)
    if data is None:
        raise Closing(InvalidApiKey('Send {"type": "auth", "api_key": ...} first.'))
    if data.get("type") != "auth" or not isinstance(data.get("api_key"), str):
        raise Closing(InvalidApiKey('The first frame must be {"type": "auth", "api_key": ...}.'))
    try:
        caller = authenticate(data["api_key"].strip(), "chat", state.origin)
    except ApiError as exc:
        raise Closing(exc) from None
    state.key = data["api_key"].strip()
    state.ws.send(json.dumps({"type": "ready", "bot": caller.bot.name}))


def serve(state: Socket) -> None:
    """Run the socket: optional auth frame, then questions until the client leaves."""
    if state.key is None:
        authenticate_first_frame(state)
    while True:
        db.session.close()
        data = read_frame(state.ws)
        if data is None:
            continue
        kind = data.get("type", "message")
        if kind == "ping":
            state.ws.send(json.dumps({"type": "pong"}))
        elif kind in ("message", "question"):
            try:
                answer(state, data)
            except ApiError as exc:
                # A bad field is the client's to fix; the socket stays open.
                db.session.rollback()
                state.ws.send(error_frame(exc))
        elif kind == "auth":
            state.ws.send(error_frame(InvalidRequest("This socket is already authenticated.")))
        else:
            raise Closing(InvalidRequest(f"Unknown frame type {str(kind)[:40]!r}."))


def close(ws: Server, closing: Closing) -> None:
    """Send the error event and close with its code, if the client is still there."""
    db.session.rollback()
    try:
        ws.send(error_frame(closing.error))
        # A close reason may carry at most 123 bytes.
        reason = closing.error.message.encode()[:120].decode(errors="ignore")
        ws.close(reason=closing.code, message=reason)
    except ConnectionClosed:
        pass


@developer.get(ROUTE)
def chat_ws_plain() -> Response:
    """Tell a plain HTTP client that this URL needs a WebSocket."""
    raise ApiError(
        "Open this URL with a WebSocket client (Upgrade: websocket).",
        code="upgrade_required",
        status=426,
    )


@sock.route(ROUTE, bp=developer)
def chat_ws(ws: Server) -> None:
    """Serve one WebSocket connection."""
    state = Socket(ws=ws, origin=request_origin(), key=g.get("ws_key"))
    try:
        serve(state)
    except Closing as closing:
        close(ws, closing)
    except ConnectionClosed:
        pass
    except Exception:
        # Never let Flask write an HTTP 500 onto the upgraded socket: an error event, then 1011.
        current_app.logger.exception("WebSocket error on %s", PATH)
        close(
            ws,
            Closing(
                ApiError("Something went wrong on our side.", code="internal_error", status=500),
                INTERNAL_ERROR,
            ),
        )
    finally:
        db.session.remove()
