"""OpenAI-compatible routes: /v1/models and /v1/chat/completions, a bot being a model."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from flask import Response, current_app, g, jsonify, request

from api.auth import Caller, authenticate, key_from_request, request_origin
from api.blueprints import headless
from api.chat import turn_from_body
from api.errors import InvalidApiKey, InvalidRequest, NotFound
from api.streams import STREAM_HEADERS, collect, in_background
from api.validation import body_flag, history, json_body, session_id
from engine.answer import stream_answer
from engine.events import Event
from extensions import limiter
from models import Bot
from services.admission import in_line
from services.conversations import Turn
from services.keys import key_kind
from services.limits import ip_limit

PARAMS = ("stream", "session_id")
ENDPOINTS = {
    "api.headless.list_models",
    "api.headless.get_model",
    "api.headless.chat_completions",
}
# OpenAI's error `type` for each HTTP status; the SDKs pick their exception class by status.
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    429: "rate_limit_error",
}


def secret_caller() -> Caller:
    """Authenticate a secret key with the chat scope; public keys are refused."""
    text = key_from_request()
    if text and key_kind(text) == "public":
        raise InvalidApiKey("This route takes a secret key (sk_…); public keys are for the widget.")
    return authenticate(text, "chat", request_origin())


def model_id(bot: Bot) -> str:
    """Return the model name a bot answers to."""
    return f"bot-{bot.id}"


def model_dict(bot: Bot) -> dict[str, Any]:
    """Return a bot as an OpenAI model object."""
    return {
        "id": model_id(bot),
        "object": "model",
        "created": int(bot.created_at.timestamp()) if bot.created_at else 0,
        "owned_by": "docent",
        "name": bot.name,
    }


@headless.get("/models")
def list_models() -> Response:
    """List the one model the key reaches: its bot."""
    caller = secret_caller()
    return jsonify({"object": "list", "data": [model_dict(caller.bot)]})


@headless.get("/models/<name>")
def get_model(name: str) -> Response:
    """Describe the key's bot by its model name."""
    caller = secret_caller()
    if name != model_id(caller.bot):
        raise NotFound(f"The model '{name[:100]}' does not exist or this key cannot use it.")
    return jsonify(model_dict(caller.bot))


def text_of(content: Any) -> str:
    """Return a message's text: a string, or the text parts of a content list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text") for p in content if isinstance(p, dict) and p.get("type") == "text"]
        texts = [p for p in parts if isinstance(p, str)]
        if len(texts) == len(parts):
            return "\n".join(texts)
    raise InvalidRequest("Each message's 'content' must be text or a list of text parts.")


def split_messages(value: Any) -> tuple[str, list[dict[str, str]]]:
    """Return the last user message as the question and earlier turns as history."""
    if not isinstance(value, list) or not value:
        raise InvalidRequest("'messages' must be a non-empty list of {role, content} objects.")
    turns: list[dict[str, str]] = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("role"), str):
            raise InvalidRequest("Each item of 'messages' must be an object with a 'role'.")
        if item["role"] in ("user", "assistant"):
            turns.append({"role": item["role"], "content": text_of(item.get("content"))})
        # System, developer and tool messages are ignored: the bot keeps its own prompt.
    if not turns or turns[-1]["role"] != "user":
        raise InvalidRequest("The last of 'messages' must be the user's question.")
    question = turns.pop()["content"]
    return question, history(turns[-100:]) or []


def completion_id(message_id: str) -> str:
    """Return the completion id for an answer's stored message id."""
    return f"chatcmpl-{message_id}"


def openai_usage(usage: dict[str, Any]) -> dict[str, int]:
    """Return Docent's usage object as OpenAI's."""
    return {
        "prompt_tokens": usage["input_tokens"],
        "completion_tokens": usage["output_tokens"],
        "total_tokens": usage["total_tokens"],
    }


@headless.post("/chat/completions")
@limiter.limit(ip_limit)
@in_line
def chat_completions() -> Response:
    """Answer the last user message as a chat completion, streamed or whole."""
    body = json_body()
    caller = secret_caller()
    name = body.get("model")
    g.openai_param = "model"
    if name != model_id(caller.bot):
        raise NotFound(
            f"The model '{str(name)[:100]}' does not exist; this key's model is "
            f"'{model_id(caller.bot)}'."
        )
    g.openai_param = "messages"
    question, turns = split_messages(body.get("messages"))
    g.openai_param = None
    streaming = body_flag(body, "stream", nullable=True)
    options = body.get("stream_options")
    if options is not None and not isinstance(options, dict):
        raise InvalidRequest("'stream_options' must be an object.")
    include_usage = body_flag(options or {}, "include_usage", nullable=True)
    sid = session_id(body.get("session_id"), "session_id")
    g.openai_param = "messages"
    _, turn = turn_from_body({"message": question}, sid, turns=turns, caller=caller)
    g.openai_param = None
    created = int(time.time())
    if streaming:
        keepalive = float(current_app.config["SSE_PING_SECONDS"])
        events = in_background(lambda: stream_answer(turn), keepalive)
        chunks = stream_chunks(events, turn, name, created, include_usage)
        return Response(chunks, mimetype="text/event-stream", headers=STREAM_HEADERS)
    result = collect(stream_answer(turn))
    return jsonify(
        {
            "id": completion_id(result["message_id"]),
            "object": "chat.completion",
            "created": created,
            "model": name,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": result["answer"], "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": openai_usage(result["usage"]),
            "system_fingerprint": None,
            "sources": result["sources"],
            "session_id": turn.session_id,
        }
    )


def stream_chunks(
    events: Iterator[Event | None], turn: Turn, model: str, created: int, include_usage: bool
) -> Iterator[str]:
    """Turn the answer's events into OpenAI chunk lines, ending with `data: [DONE]`."""
    head: dict[str, Any] = {
        "id": completion_id(turn.assistant_id),
        "object": "chat.completion.chunk",
    }
    head |= {"created": created, "model": model, "system_fingerprint": None}

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        data = {**head, "choices": [choice], **extra}
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

    sources: list[dict[str, Any]] = []
    event: Event | None
    for event in events:
        if event is None:
            yield ": ping\n\n"
        elif event["type"] == "start":
            yield chunk({"role": "assistant", "content": ""})
        elif event["type"] == "delta":
            yield chunk({"content": event["content"]})
        elif event["type"] == "sources":
            sources = event["sources"]
        elif event["type"] == "end":
            extra = {"sources": sources, "session_id": turn.session_id}
            if include_usage:
                yield chunk({}, "stop", **extra)
                usage = {**head, "choices": [], "usage": openai_usage(event["usage"]), **extra}
                yield f"data: {json.dumps(usage, ensure_ascii=False)}\n\n"
            else:
                yield chunk({}, "stop", usage=openai_usage(event["usage"]), **extra)
            yield "data: [DONE]\n\n"
        elif event["type"] == "error":
            error = {**event["error"], "type": "api_error", "param": None}
            yield f"data: {json.dumps({'success': False, 'error': error})}\n\n"


@headless.after_request
def openai_error_fields(response: Response) -> Response:
    """Add OpenAI's `type` and `param` to errors on these routes, keeping SPEC's shape."""
    if request.endpoint not in ENDPOINTS or response.status_code < 400 or not response.is_json:
        return response
    body = response.get_json(silent=True)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        error.setdefault("type", ERROR_TYPES.get(response.status_code, "api_error"))
        guess = g.get("openai_param") if response.status_code in (400, 404) else None
        error.setdefault("param", param_of(error.get("message", "")) or guess)
        response.set_data(json.dumps(body))
    return response


def param_of(message: str) -> str | None:
    """Name the request field an error message is about, as OpenAI's `param` does."""
    names = ("stream", "session_id", "stream_options", "include_usage")
    return next((n for n in names if f"'{n}'" in message), None)
