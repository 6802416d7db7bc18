"""The bare relay: the least a server can do to stream a model's answer.

    OPENAI_BASE_URL=http://127.0.0.1:8000/v1 .venv/bin/gunicorn -k gthread bench.relay:app

A few lines of Flask and the `openai` SDK that forward a model's deltas, with no auth,
no storage and no retrieval: the reference bench/streams.py measures Docent against.
One route per wire, each shaped like Docent's own events:
- POST /ndjson {"message": ...}: one `{"type": "delta"}` line per delta, then `end`;
- POST /sse {"message": ...}: `event: message` blocks, then `event: end`;
- WebSocket /ws: each `{"message": ...}` frame is answered with delta frames, then `end`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import openai
from flask import Flask, Response, request
from flask_sock import Sock
from simple_websocket import ConnectionClosed, Server

app = Flask(__name__)
sock = Sock(app)
client = openai.OpenAI(
    api_key=os.environ.get("OPENAI_API_KEY", "sk-relay"), base_url=os.environ.get("OPENAI_BASE_URL")
)
MODEL = os.environ.get("RELAY_MODEL", "slow")


def deltas(question: str) -> Iterator[str]:
    """Yield the model's text deltas for one question."""
    stream = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": question}], stream=True
    )
    for chunk in stream:
        for choice in chunk.choices:
            if choice.delta is not None and choice.delta.content:
                yield choice.delta.content


@app.post("/ndjson")
def ndjson() -> Response:
    question = request.get_json()["message"]

    def lines() -> Iterator[str]:
        for text in deltas(question):
            yield json.dumps({"type": "delta", "content": text}) + "\n"
        yield json.dumps({"type": "end"}) + "\n"

    return Response(lines(), mimetype="application/x-ndjson")


@app.post("/sse")
def sse() -> Response:
    question = request.get_json()["message"]

    def blocks() -> Iterator[str]:
        for text in deltas(question):
            yield f"event: message\ndata: {json.dumps({'content': text})}\n\n"
        yield "event: end\ndata: {}\n\n"

    return Response(blocks(), mimetype="text/event-stream")


@sock.route("/ws")
def ws(socket: Server) -> None:
    try:
        while True:
            question = json.loads(socket.receive())["message"]
            for text in deltas(question):
                socket.send(json.dumps({"type": "delta", "content": text}))
            socket.send(json.dumps({"type": "end"}))
    except ConnectionClosed:
        pass
