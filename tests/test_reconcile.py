"""Answers a stopped worker left unfinished become interrupted, with their text and usage."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from engine import drafts
from engine.tokens import count_tokens
from models import Bot, Conversation, Message, UsageDaily, db, utcnow
from services.conversations import prepare_turn
from tests.servers import children, gunicorn

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "Please repeat this sentence slowly so that the stream lasts for several seconds."


def assistant(message_id: str) -> Message | None:
    db.session.expire_all()
    return db.session.get(Message, message_id)


def usage_rows() -> list[tuple[int, int, int]]:
    return [
        (r.requests, r.input_tokens, r.output_tokens)
        for r in db.session.scalars(db.select(UsageDaily))
    ]


def test_a_stale_mark_becomes_interrupted_once_and_a_fresh_one_is_left(app, make_bot):
    bot_id = make_bot(model="offline")
    with app.app_context():
        bot = db.session.get(Bot, bot_id)
        stale = prepare_turn(bot, "stale", "How long does shipping take?", None)
        fresh = prepare_turn(bot, "fresh", "What about refunds?", None)
        conversation = db.session.get(Conversation, stale.conversation_id)
        conversation.pending_text = "Orders ship within"
        conversation.pending_at = utcnow() - timedelta(seconds=drafts.STALE_AFTER + 1)
        db.session.commit()
        assert drafts.reconcile() == 1
        assert drafts.reconcile() == 0
        message = assistant(stale.assistant_id)
        assert (message.status, message.content) == ("interrupted", "Orders ship within")
        assert message.error == drafts.STOPPED
        assert message.output_tokens == count_tokens("Orders ship within")
        assert message.input_tokens > count_tokens("How long does shipping take?")
        assert usage_rows() == [(1, message.input_tokens, message.output_tokens)]
        conversation = db.session.get(Conversation, stale.conversation_id)
        assert conversation.pending_id is None and conversation.message_count == 2
        assert assistant(fresh.assistant_id) is None
        assert db.session.get(Conversation, fresh.conversation_id).pending_id == fresh.assistant_id


def test_a_finished_answer_clears_its_mark(llm_app, client, make_bot, make_key):
    key = make_key(make_bot())
    response = client.post(
        "/v1/chat",
        json={"sessionId": "done", "message": "Hello?"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200
    with llm_app.app_context():
        conversation = db.session.scalars(db.select(Conversation)).one()
        assert (conversation.pending_id, conversation.pending_text) == (None, None)
        assert drafts.reconcile(older_than=0) == 0


@pytest.fixture
def served(app, llm, tmp_path) -> Iterator[Any]:
    """Serve the test database with two real gunicorn workers on loopback."""
    with gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], llm.url, tmp_path) as running:
        yield running


def test_worker_killed_mid_stream_is_reconciled(app, served, make_bot, make_key):
    base, server, log = served
    key = make_key(make_bot(model="slow-echo"))
    received: list[str] = []
    message_id = None
    with requests.post(
        base + "/v1/chat/stream",
        json={"sessionId": "killed", "message": QUESTION},
        headers={"Authorization": f"Bearer {key}"},
        stream=True,
        timeout=30,
    ) as response:
        assert response.status_code == 200
        lines = response.iter_lines()
        for line in lines:
            event = json.loads(line)
            if event["type"] == "start":
                message_id = event["message_id"]
            elif event["type"] == "delta":
                received.append(event["content"])
            # 0.2 s a chunk: after 16 chunks the partial text has been saved at least once.
            if len(received) == 16:
                for worker in children(server.pid):
                    os.kill(worker, signal.SIGKILL)
                break
        with pytest.raises(requests.RequestException):
            for line in lines:
                assert json.loads(line)["type"] == "delta"
    with app.app_context():
        assert assistant(message_id) is None
        conversation = db.session.scalars(db.select(Conversation)).one()
        assert conversation.pending_id == message_id
        result = app.test_cli_runner().invoke(args=["reconcile", "--older-than", "0"])
        assert json.loads(result.output) == {"answers": 1, "documents": 0}
        message = assistant(message_id)
        assert message.status == "interrupted"
        assert message.content and "".join(received).startswith(message.content)
        assert message.input_tokens > count_tokens(QUESTION)
        assert message.output_tokens == count_tokens(message.content)
        assert usage_rows() == [(1, message.input_tokens, message.output_tokens)]
    log.seek(0)
    assert "WARNING: RATELIMIT_STORAGE_URI is memory:// with 2 workers" in log.read()
