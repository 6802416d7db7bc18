"""SPEC §5 promises over a real socket: questions stored first, partial answers kept."""

from __future__ import annotations

import http.client
import json
import socket
import time
from urllib.parse import urlsplit

import tests.llm_server as server
from models import Bot, Message, UsageDaily, db

QUESTION = "How long does international shipping take?"


def wait_for(predicate, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def answers(app):
    with app.app_context():
        return (
            db.session.execute(db.select(Message).where(Message.role == "assistant"))
            .scalars()
            .all()
        )


def open_stream(base, key, path="/v1/chat/stream", body=None):
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request(
        "POST",
        path,
        body=json.dumps(body or {"sessionId": "live", "message": QUESTION}),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    return connection, connection.getresponse()


def read_until(base, key, marker, path="/v1/chat/stream", body=None):
    """Send a request over a raw socket, read until marker appears; return the socket."""
    parts = urlsplit(base)
    payload = json.dumps(body or {"sessionId": "live", "message": QUESTION}).encode()
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n".encode()
        + payload
    )
    seen = b""
    while marker not in seen:
        data = sock.recv(4096)
        assert data, "stream ended early"
        seen += data
    return sock


def test_client_disconnect_keeps_partial_answer(
    llm_app, live_server, make_bot, make_key, llm, monkeypatch
):
    monkeypatch.setattr(server, "SLOW_SECONDS", 0.3)
    # A model name of its own, so other tests' streams cannot be mistaken for this one.
    key = make_key(make_bot(model="slow-disconnect"))
    sock = read_until(live_server, key, b'"type": "delta"')
    sock.close()  # the visitor closes the tab
    [answer] = wait_for(lambda: answers(llm_app))
    assert answer.status == "interrupted"
    assert answer.content and server.REPLY.startswith(answer.content)
    assert answer.content != server.REPLY
    assert answer.answered is True  # the partial text came from the retrieved passages
    # The upstream call was closed rather than left to run to its end.
    outcomes = wait_for(lambda: [o for m, o in llm.outcomes if m == "slow-disconnect"])
    assert outcomes == ["client closed"]
    with llm_app.app_context():
        row = db.session.execute(db.select(UsageDaily)).scalar_one()
        assert row.requests == 1 and row.output_tokens > 0


def test_sse_client_disconnect(llm_app, live_server, make_bot, make_key, monkeypatch):
    monkeypatch.setattr(server, "SLOW_SECONDS", 0.3)
    key = make_key(make_bot(model="slow"))
    sock = read_until(
        live_server, key, b"event: message", "/api/v1/chat", {"message": QUESTION, "stream": True}
    )
    sock.close()
    [answer] = wait_for(lambda: answers(llm_app))
    assert answer.status == "interrupted"


def test_offline_stream_over_real_http(app, live_server, make_bot, make_key):
    key = make_key(make_bot())
    connection, response = open_stream(live_server, key)
    assert response.getheader("Content-Type") == "application/x-ndjson"
    lines = [json.loads(line) for line in response.read().splitlines()]
    connection.close()
    assert lines[0]["type"] == "start" and lines[-1]["type"] == "end"


def test_no_database_write_per_token(llm_app, client, make_bot, make_key):
    from sqlalchemy import event

    key = make_key(make_bot())
    statements = []
    with llm_app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.post(
            "/v1/chat/stream",
            json={"sessionId": "writes", "message": QUESTION},
            headers={"Authorization": f"Bearer {key}"},
        )
        deltas = response.get_data(as_text=True).count('"delta"')
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert deltas > 5 and len(writes) <= 6


def test_leaving_after_the_answer_is_stored_stores_it_once(app, make_bot, caplog):
    """A client gone while `sources` or `end` is sent: one stored answer, no second insert."""
    from engine.answer import stream_answer
    from services.conversations import prepare_turn

    bot = make_bot()
    for last in ("sources", "end"):
        with app.test_request_context():
            turn = prepare_turn(db.session.get(Bot, bot), f"gone-{last}", QUESTION, None)
            events = stream_answer(turn)
            for event in events:
                if event["type"] == last:
                    break
            events.close()
        with app.app_context():
            stored = (
                db.session.execute(db.select(Message).where(Message.id == turn.assistant_id))
                .scalars()
                .all()
            )
            assert [m.status for m in stored] == ["complete"]
            assert db.session.execute(db.select(db.func.sum(UsageDaily.requests))).scalar() == (
                1 if last == "sources" else 2
            )
    assert "UNIQUE" not in caplog.text and "duplicate key" not in caplog.text
