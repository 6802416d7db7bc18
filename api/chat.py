"""Chat routes: /v1/chat, /v1/chat/stream (NDJSON) and /api/v1/chat (JSON or SSE)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from api.auth import Caller, authenticate, chat_ip_limit, key_from_request, request_origin
from api.blueprints import developer, headless
from api.errors import InvalidRequest
from api.streams import collect, ndjson_response, sse_response
from api.validation import body_flag, history, json_body, message, session_id
from engine.answer import stream_answer
from services.admission import in_line
from services.conversations import Turn, start_turn


def turn_from_body(
    body: dict[str, Any],
    sid: str | None,
    *,
    turns: list[dict[str, str]] | None = None,
    caller: Caller | None = None,
) -> tuple[Caller, Turn]:
    """Authenticate and validate a chat body, then start the turn: all before any byte."""
    caller = caller or authenticate(key_from_request(body), "chat", request_origin())
    if "message" in body and "question" in body:
        raise InvalidRequest("Send the text as 'message' or as 'question', not both.")
    # DocsBot-style clients send `question`; the developer schema documents both.
    name = "question" if "question" in body else "message"
    text = message(body.get(name), name)
    return caller, start_turn(caller.key, caller.bot, sid, text, history=turns)


def given_session_id(body: dict[str, Any], *names: str) -> str | None:
    """Return the first session id given under any of the names; each given one must be valid."""
    found = [session_id(body[name], name, required=True) for name in names if name in body]
    return found[0] if found else None


@headless.post("/chat")
@chat_ip_limit
@in_line
def headless_chat() -> Response:
    """Answer a widget or headless client's question in one JSON reply."""
    body = json_body("HeadlessChatRequest")
    sid = given_session_id(body, "sessionId", "session_id")
    _, turn = turn_from_body(body, session_id(sid, required=True))
    result = collect(stream_answer(turn))
    return jsonify({"sessionId": turn.session_id, **result})


@headless.post("/chat/stream")
@chat_ip_limit
@in_line
def headless_chat_stream() -> Response:
    """Stream an answer as NDJSON, one event per line."""
    body = json_body("HeadlessChatRequest")
    sid = given_session_id(body, "sessionId", "session_id")
    _, turn = turn_from_body(body, session_id(sid, required=True))
    return ndjson_response(lambda: stream_answer(turn))


@developer.post("/chat")
@chat_ip_limit
@in_line
def developer_chat() -> Response:
    """Answer over JSON or SSE; with `history` and no `session_id`, stay stateless."""
    body = json_body("DeveloperChatRequest")
    sid = given_session_id(body, "session_id")
    # Checked even when a session_id makes it unused: a bad body is a 400 either way.
    turns = history(body.get("history"))
    if sid is not None:
        turns = None
    streaming = body_flag(body, "stream")
    _, turn = turn_from_body(body, sid, turns=turns)
    if streaming:
        return sse_response(lambda: stream_answer(turn))
    result = collect(stream_answer(turn))
    reply = {"success": True, "session_id": turn.session_id, **result}
    if turns is not None:
        reply["history"] = [
            *turns,
            {"role": "user", "content": turn.question},
            {"role": "assistant", "content": result["answer"]},
        ]
    return jsonify(reply)
