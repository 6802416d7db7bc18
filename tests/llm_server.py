"""An OpenAI-compatible HTTP server on loopback, for driving the real `openai` SDK.

The model name picks the behaviour:
- any other name: streams REPLY in small chunks, then a finish reason and usage;
- "echo": streams the last user message back, 3 characters a chunk ("slow-echo": slowly);
- "decline": streams the sentence the system message asks for when the passages do
  not answer (`reply with exactly: "…"`), as a model that declines would;
- "fail-500": answers HTTP 500 before any token;
- "flaky-500": answers 500 to the first request it sees, then behaves normally;
- "reset-mid": sends two chunks, then resets the TCP connection;
- "no-finish": sends chunks, then closes cleanly with no finish reason;
- "stall": sends one chunk, then goes silent for STALL_SECONDS;
- "slow" (or "slow-<anything>"): sends each chunk after a pause of SLOW_SECONDS.
`/v1/embeddings` returns deterministic bag-of-words vectors.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REPLY = "Docent answers from your documents [1]. It streams the answer."
PROMPT_TOKENS = 42
STALL_SECONDS = 5.0
SLOW_SECONDS = 0.2


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    server: LLMServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        self.server.requests.append(
            {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
        )
        if self.path.endswith("/embeddings"):
            return self._embeddings(body)
        if not self.path.endswith("/chat/completions"):
            return self._json(404, {"error": {"message": "not found"}})
        model = body.get("model", "")
        if model == "fail-500" or (model == "flaky-500" and self.server.flaky_once()):
            return self._json(
                500, {"error": {"message": "upstream exploded", "type": "server_error"}}
            )
        text = REPLY
        if model in ("echo", "slow-echo"):
            text = next(m["content"] for m in reversed(body["messages"]) if m["role"] == "user")
        elif model == "decline":
            system = body["messages"][0]["content"]
            text = re.search(r'reply with exactly: "(.*?)"', system, re.S).group(1)
        pieces = (
            [text[i : i + 3] for i in range(0, len(text), 3)]
            if model in ("echo", "slow-echo")
            else (re.findall(r"\S+\s*", text))
        )
        if not body.get("stream"):
            return self._json(200, completion(model, text))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            self._stream(model, body, pieces)
            self.server.outcomes.append((model, "sent"))
        except (BrokenPipeError, ConnectionResetError):
            self.server.outcomes.append((model, "client closed"))

    def _stream(self, model: str, body: dict[str, Any], pieces: list[str]) -> None:
        for index, piece in enumerate(pieces):
            if model.startswith("slow"):
                time.sleep(SLOW_SECONDS)
            self._event(
                chunk(model, {"content": piece, **({"role": "assistant"} if index == 0 else {})})
            )
            if model == "reset-mid" and index == 1:
                return self._reset()
            if model == "stall":
                time.sleep(STALL_SECONDS)
                return
        if model == "no-finish":
            return
        self._event(chunk(model, {}, finish="stop"))
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = {
                "prompt_tokens": PROMPT_TOKENS,
                "completion_tokens": len(pieces),
                "total_tokens": PROMPT_TOKENS + len(pieces),
            }
            self._event({**chunk(model, {}), "choices": [], "usage": usage})
        self.wfile.write(b"data: [DONE]\n\n")

    def _event(self, payload: dict[str, Any]) -> None:
        self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
        self.wfile.flush()

    def _reset(self) -> None:
        # SO_LINGER with a zero timeout makes close() send a TCP RST.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def _embeddings(self, body: dict[str, Any]) -> None:
        inputs = body.get("input")
        inputs = [inputs] if isinstance(inputs, str) else inputs
        data = [
            {"object": "embedding", "index": i, "embedding": embed(text)}
            for i, text in enumerate(inputs)
        ]
        self._json(
            200,
            {
                "object": "list",
                "data": data,
                "model": body.get("model"),
                "usage": {"prompt_tokens": 1, "total_tokens": 1},
            },
        )


def chunk(model: str, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    """Return one chat.completion.chunk object."""
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def completion(model: str, text: str) -> dict[str, Any]:
    """Return one non-streamed chat.completion object."""
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {
            "prompt_tokens": PROMPT_TOKENS,
            "completion_tokens": 5,
            "total_tokens": PROMPT_TOKENS + 5,
        },
    }


def embed(text: str, dimensions: int = 64) -> list[float]:
    """Return a deterministic, normalised bag-of-words vector."""
    vector = [0.0] * dimensions
    for word in re.findall(r"\w+", text.lower()):
        vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % dimensions] += 1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


class LLMServer(ThreadingHTTPServer):
    """The server; `url` is the base URL to give the SDK."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[dict[str, Any]] = []
        # How each stream ended, by model: "sent" in full, or "client closed" early.
        self.outcomes: list[tuple[str, str]] = []
        self._flaky_lock = threading.Lock()
        self._flaky_failed = False
        self.url = f"http://127.0.0.1:{self.server_address[1]}/v1"

    def flaky_once(self) -> bool:
        """Return True the first time only."""
        with self._flaky_lock:
            first, self._flaky_failed = not self._flaky_failed, True
            return first

    def start(self) -> LLMServer:
        """Serve in a daemon thread."""
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self
