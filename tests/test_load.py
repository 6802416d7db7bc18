"""Load with exact accounting: many visitors on every transport, some leaving, a worker killed.

Two gunicorn worker processes write to the test database (SQLite here, PostgreSQL on
the PostgreSQL run) while 60 visitors each ask one unique question. Afterwards every
question is stored once, every answer once with a status, and usage matches both the
stored answers and what the model server itself received.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
import websocket
from sqlalchemy import func

import tests.llm_server as server
from engine import drafts
from models import Conversation, Message, UsageDaily, db
from tests.servers import children, gunicorn

VISITORS = 60
TRANSPORTS = ("ndjson", "sse", "websocket", "json")


@pytest.fixture
def served(app, llm, tmp_path) -> Iterator[Any]:
    with gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], llm.url, tmp_path, threads=8) as run:
        yield run


def visit(base: str, key: str, number: int) -> dict[str, Any]:
    """Ask one unique question; leave after the first delta when the number says so."""
    transport = TRANSPORTS[number % len(TRANSPORTS)]
    leave = transport != "json" and number % 6 == 5
    question = f"Visitor {number} asks about shipping, ticket {uuid.uuid4().hex}"
    outcome: dict[str, Any] = {"question": question, "transport": transport, "left": leave}
    auth = {"Authorization": f"Bearer {key}"}
    try:
        if transport == "websocket":
            url = base.replace("http://", "ws://") + f"/api/v1/chat/ws?api_key={key}"
            ws = websocket.create_connection(url, suppress_origin=True, timeout=20)
            try:
                ws.send(json.dumps({"message": question}))
                while True:
                    event = json.loads(ws.recv())
                    outcome.setdefault("first", event["type"])
                    outcome["last"] = event["type"]
                    if event["type"] in ("end", "error") or (leave and event["type"] == "delta"):
                        break
            finally:
                ws.close()
        elif transport == "json":
            response = requests.post(
                base + "/v1/chat",
                json={"sessionId": f"load-{number}", "message": question},
                headers=auth,
                timeout=20,
            )
            outcome["first"] = outcome["last"] = response.status_code
        else:
            path, body = (
                ("/v1/chat/stream", {"sessionId": f"load-{number}", "message": question})
                if transport == "ndjson"
                else ("/api/v1/chat", {"message": question, "stream": True})
            )
            with requests.post(base + path, json=body, headers=auth, stream=True, timeout=20) as r:
                for line in r.iter_lines():
                    if not line or line.startswith(b":"):
                        continue
                    kind = _kind(transport, line)
                    if kind is None:
                        continue
                    outcome.setdefault("first", kind)
                    outcome["last"] = kind
                    if leave and kind == "delta":
                        break
    except (requests.RequestException, websocket.WebSocketException, OSError) as exc:
        outcome["broken"] = type(exc).__name__
    return outcome


def _kind(transport: str, line: bytes) -> str | None:
    if transport == "ndjson":
        return json.loads(line)["type"]
    if line.startswith(b"event: "):
        name = line[7:].decode()
        return "delta" if name == "message" else name
    return None


def test_load_with_exact_accounting(app, llm, served, make_bot, make_key, monkeypatch):
    monkeypatch.setattr(server, "SLOW_SECONDS", 0.08)  # a second an answer: visitors overlap
    base, process, _ = served
    key = make_key(make_bot(model="slow"))
    asked_before = len(llm.requests)
    killed = threading.Event()

    def one(number: int) -> dict[str, Any]:
        if number == VISITORS // 3 and not killed.is_set():
            killed.set()
            time.sleep(0.5)  # let the visitors before this one be mid-answer
            os.kill(children(process.pid)[0], signal.SIGKILL)
        return visit(base, key, number)

    with ThreadPoolExecutor(12) as pool:
        outcomes = list(pool.map(one, range(VISITORS)))
    time.sleep(1.0)  # streams whose visitor left notice it at their next chunk
    with app.app_context():
        reconciled = drafts.reconcile(older_than=0)
        db.session.expire_all()
        questions = db.session.scalars(db.select(Message).where(Message.role == "user")).all()
        answers = db.session.scalars(db.select(Message).where(Message.role == "assistant")).all()
        by_text: dict[str, list[Message]] = {}
        for message in questions:
            by_text.setdefault(message.content, []).append(message)
        # Every question stored once; every one that reached a worker is there.
        assert all(len(stored) == 1 for stored in by_text.values())
        for outcome in outcomes:
            if outcome.get("first") in ("start", 200):
                assert outcome["question"] in by_text, outcome
        assert set(by_text) <= {o["question"] for o in outcomes}
        # Every question has exactly one answer with a status, and nothing is left pending.
        per_conversation = {m.conversation_id: [] for m in questions}
        for answer in answers:
            per_conversation[answer.conversation_id].append(answer)
        assert all(len(found) == 1 for found in per_conversation.values())
        assert {a.status for a in answers} <= {"complete", "interrupted", "failed"}
        pending = db.select(func.count()).where(Conversation.pending_id.is_not(None))
        assert db.session.scalar(pending) == 0
        stopped = [a for a in answers if a.error == drafts.STOPPED]
        assert len(stopped) == reconciled
        # Visitors who stayed on a live worker got complete answers.
        completed = {o["question"] for o in outcomes if o.get("last") in ("end", 200)}
        for text in completed:
            answer = per_conversation[by_text[text][0].conversation_id][0]
            assert answer.status == "complete" and answer.content == server.REPLY
            assert (answer.input_tokens, answer.output_tokens) == (server.PROMPT_TOKENS, 10)
        assert len(completed) >= VISITORS // 2
        # Usage rows hold exactly the stored answers' counts: one request per answer.
        usage = db.session.execute(
            db.select(
                func.sum(UsageDaily.requests),
                func.sum(UsageDaily.input_tokens),
                func.sum(UsageDaily.output_tokens),
            )
        ).one()
        assert tuple(int(v) for v in usage) == (
            len(answers),
            sum(a.input_tokens for a in answers),
            sum(a.output_tokens for a in answers),
        )
        # The model server saw each question at most once, and every answer not settled
        # by reconciliation corresponds to exactly one call it received.
        seen: dict[str, int] = {}
        for request in llm.requests[asked_before:]:
            if request["path"].endswith("/chat/completions"):
                text = request["body"]["messages"][-1]["content"]
                seen[text] = seen.get(text, 0) + 1
        assert all(count == 1 for count in seen.values())
        for text, (message,) in by_text.items():
            answer = per_conversation[message.conversation_id][0]
            if answer.error != drafts.STOPPED:
                assert seen.get(text) == 1, text
        unseen_stopped = [
            a
            for a in stopped
            if a.conversation_id
            not in {by_text[t][0].conversation_id for t in seen if t in by_text}
        ]
        # A worker killed between storing a question and calling the model leaves a
        # reconciled answer for a call that was never made: the known, narrow window.
        assert len(seen) == len(answers) - len(unseen_stopped)
    print(
        f"\n{VISITORS} visitors: {len(completed)} complete, "
        f"{sum(o['left'] for o in outcomes)} left early, {reconciled} reconciled after the kill, "
        f"{len(unseen_stopped)} reconciled before their model call"
    )
