"""WebSocket chat through websocket-client over a real socket: auth, origins, frames, limits."""

from __future__ import annotations

import json
import struct
import time
import urllib.error
import urllib.request

import pytest
import websocket

from models import Conversation, Message, db

QUESTION = "How long does international shipping take?"
SITE = "https://shop.example"


@pytest.fixture
def bot(make_bot):
    return make_bot()


@pytest.fixture
def ws_url(live_server):
    return live_server.replace("http://", "ws://") + "/api/v1/chat/ws"


def connect(url, origin=None, **options):
    """Open a socket; server-side clients send no Origin (websocket-client adds one by default)."""
    if origin is None:
        return websocket.create_connection(url, suppress_origin=True, timeout=10, **options)
    return websocket.create_connection(url, origin=origin, timeout=10, **options)


def answer(ws, question=QUESTION, **fields):
    """Send a question and read events up to end or error."""
    ws.send(json.dumps({"message": question, **fields}))
    events = []
    while not events or events[-1]["type"] not in ("end", "error"):
        events.append(json.loads(ws.recv()))
    return events


def closed_with(ws):
    """Read frames until the close frame; return (error event or None, close code, reason)."""
    error = None
    while True:
        opcode, frame = ws.recv_data_frame(True)
        if opcode == websocket.ABNF.OPCODE_TEXT:
            error = json.loads(frame.data)
        elif opcode == websocket.ABNF.OPCODE_CLOSE:
            code = struct.unpack("!H", frame.data[:2])[0] if len(frame.data) >= 2 else None
            ws.shutdown()
            return error, code, frame.data[2:].decode()


def handshake_refused(url, origin=None):
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        connect(url, origin=origin)
    return refused.value.status_code, json.loads(refused.value.resp_body)


def test_several_questions_on_one_socket(app, ws_url, bot, make_key):
    ws = connect(f"{ws_url}?api_key={make_key(bot)}")
    first = answer(ws)
    assert first[0]["type"] == "start" and [e["type"] for e in first[-2:]] == ["sources", "end"]
    assert {e["type"] for e in first[1:-2]} == {"delta"}
    assert "seven to ten days" in "".join(e["content"] for e in first if e["type"] == "delta")
    assert first[-1]["usage"]["total_tokens"] > 0
    second = answer(ws, "And what about refunds?")
    # Without a session_id a socket keeps one conversation.
    assert second[0]["sessionId"] == first[0]["sessionId"]
    third = answer(ws, "Refunds?", session_id="named-1")
    assert third[-1]["sessionId"] == "named-1"
    ws.close()
    with app.app_context():
        conversations = {
            c.session_id: c.message_count for c in db.session.scalars(db.select(Conversation))
        }
    assert conversations == {first[0]["sessionId"]: 4, "named-1": 2}


def test_auth_frame_then_questions(ws_url, bot, make_key):
    ws = connect(ws_url)
    ws.send(json.dumps({"type": "auth", "api_key": make_key(bot)}))
    assert json.loads(ws.recv()) == {"type": "ready", "bot": "Shop bot"}
    ws.send(json.dumps({"type": "ping"}))
    assert json.loads(ws.recv()) == {"type": "pong"}
    assert answer(ws)[-1]["type"] == "end"
    ws.close()


def test_public_key_from_its_origin(ws_url, bot, make_key):
    key = make_key(bot, "public", origins=[SITE])
    ws = connect(f"{ws_url}?api_key={key}", origin=SITE)
    assert answer(ws)[-1]["type"] == "end"
    ws.close()


@pytest.mark.parametrize(
    ("kind", "origin"),
    [
        ("public", "https://evil.example"),
        ("public", None),
        ("public", "null"),
        ("secret", "https://evil.example"),
    ],
)
def test_refused_origin_before_the_upgrade(ws_url, bot, make_key, kind, origin):
    key = make_key(bot, kind, origins=[SITE] if kind == "public" else [])
    status, body = handshake_refused(f"{ws_url}?api_key={key}", origin)
    assert status == 403
    assert body["success"] is False and body["error"]["code"] == "origin_not_allowed"


def test_unknown_origin_without_key_refused_before_the_upgrade(ws_url, bot, make_key):
    make_key(bot, "public", origins=[SITE])
    status, body = handshake_refused(ws_url, "https://evil.example")
    assert status == 403 and body["error"]["code"] == "origin_not_allowed"


def test_auth_frame_key_checked_against_the_handshake_origin(ws_url, bot, make_bot, make_key):
    make_key(make_bot("Other"), "public", origins=[SITE])  # lets the handshake through
    key = make_key(bot, "public", origins=["https://elsewhere.example"])
    ws = connect(ws_url, origin=SITE)
    ws.send(json.dumps({"type": "auth", "api_key": key}))
    error, code, _ = closed_with(ws)
    assert error["error"]["code"] == "origin_not_allowed" and code == 4403


def test_bad_keys(ws_url, bot, make_key):
    status, body = handshake_refused(f"{ws_url}?api_key=sk_{'A' * 38}")
    assert status == 401 and body["error"]["code"] == "invalid_api_key"
    ws = connect(ws_url)
    ws.send(json.dumps({"type": "auth", "api_key": "pk_nonsense"}))
    error, code, reason = closed_with(ws)
    assert error["type"] == "error" and error["error"]["code"] == "invalid_api_key"
    assert code == 4401 and reason
    ws = connect(ws_url)
    ws.send(json.dumps({"message": QUESTION}))
    error, code, _ = closed_with(ws)
    assert error["error"]["code"] == "invalid_api_key" and code == 4401


def test_auth_frame_must_come_quickly(ws_url, monkeypatch):
    monkeypatch.setattr("api.ws.AUTH_SECONDS", 0.2)
    ws = connect(ws_url)
    error, code, _ = closed_with(ws)
    assert error["error"]["code"] == "invalid_api_key" and code == 4401


def test_revoked_key_closes_the_socket_at_the_next_question(app, ws_url, bot, make_key):
    from models import ApiKey, utcnow

    ws = connect(f"{ws_url}?api_key={make_key(bot)}")
    assert answer(ws)[-1]["type"] == "end"
    with app.app_context():
        db.session.execute(db.update(ApiKey).values(revoked_at=utcnow()))
        db.session.commit()
    ws.send(json.dumps({"message": QUESTION}))
    error, code, _ = closed_with(ws)
    assert error["error"]["code"] == "invalid_api_key" and code == 4401


@pytest.mark.parametrize(
    ("frame", "binary", "code"),
    [
        ("not json", False, 4400),
        ("[1, 2]", False, 4400),
        ('{"type": "dance"}', False, 4400),
        (b"\x00\x01", True, 1003),
    ],
)
def test_bad_frames_close_the_socket(ws_url, bot, make_key, frame, binary, code):
    ws = connect(f"{ws_url}?api_key={make_key(bot)}")
    if binary:
        ws.send_binary(frame)
    else:
        ws.send(frame)
    error, closed, _ = closed_with(ws)
    assert error["error"]["code"] == "invalid_request" and error["status"] == 400
    assert closed == code


@pytest.mark.parametrize(
    "frame",
    [
        {"message": ""},
        {"message": "x" * 4001},
        {"message": 5},
        {},
        {"message": "hi", "session_id": "bad id!"},
    ],
)
def test_bad_fields_keep_the_socket_open(app, ws_url, bot, make_key, frame):
    ws = connect(f"{ws_url}?api_key={make_key(bot)}")
    ws.send(json.dumps(frame))
    error = json.loads(ws.recv())
    assert error["type"] == "error" and error["error"]["code"] == "invalid_request"
    assert answer(ws)[-1]["type"] == "end"
    ws.close()
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == 2


def test_rate_limit_sends_error_and_closes(app, ws_url, bot, make_key):
    ws = connect(f"{ws_url}?api_key={make_key(bot, rate_limit='1/minute')}")
    assert answer(ws)[-1]["type"] == "end"
    ws.send(json.dumps({"message": QUESTION}))
    error, code, _ = closed_with(ws)
    assert error["error"]["code"] == "rate_limited" and error["retry_after"] >= 1
    assert code == 4429
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == 2


def test_per_ip_limit_applies_per_question(app, ws_url, bot, make_key):
    app.config["RATE_LIMIT_IP"] = "2/minute"
    ws = connect(f"{ws_url}?api_key={make_key(bot)}")
    answer(ws)
    answer(ws)
    ws.send(json.dumps({"message": QUESTION}))
    error, code, _ = closed_with(ws)
    assert error["error"]["code"] == "rate_limited" and code == 4429


def test_oversized_frame_closes_with_1009(app, ws_url, bot, make_key):
    app.config["SOCK_SERVER_OPTIONS"] = {
        **app.config["SOCK_SERVER_OPTIONS"],
        "max_message_size": 1000,
    }
    ws = connect(f"{ws_url}?api_key={make_key(bot)}")
    ws.send(json.dumps({"message": "x" * 2000}))
    _, code, _ = closed_with(ws)
    assert code == 1009


def test_server_options_have_defaults(app):
    assert app.config["SOCK_SERVER_OPTIONS"] == {"ping_interval": 25, "max_message_size": 65536}


def test_client_leaving_mid_answer_keeps_the_partial_answer(
    app, llm_app, ws_url, make_bot, make_key, monkeypatch
):
    monkeypatch.setattr("tests.llm_server.SLOW_SECONDS", 0.1)
    ws = connect(f"{ws_url}?api_key={make_key(make_bot(model='slow'))}")
    ws.send(json.dumps({"message": QUESTION}))
    assert json.loads(ws.recv())["type"] == "start"
    assert json.loads(ws.recv())["type"] == "delta"
    ws.close()
    for _ in range(100):
        with app.app_context():
            status = db.session.scalar(db.select(Message.status).where(Message.role == "assistant"))
        if status:
            break
        time.sleep(0.05)
    assert status == "interrupted"


def test_plain_http_get_is_told_to_upgrade(live_server):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{live_server}/api/v1/chat/ws")
    assert refused.value.code == 426
    assert json.loads(refused.value.read())["error"]["code"] == "upgrade_required"


def test_a_busy_database_fails_the_question_and_keeps_the_socket_open(
    app, ws_url, bot, make_key, monkeypatch
):
    """SQLite's writer held past its timeout: an `unavailable` error event, then the next
    question on the same socket is answered."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    import api.ws

    real = api.ws.start_turn
    calls = []

    def locked_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
        return real(*args, **kwargs)

    monkeypatch.setattr(api.ws, "start_turn", locked_once)
    ws = connect(f"{ws_url}?api_key={make_key(bot)}")
    events = answer(ws)
    assert [e["type"] for e in events] == ["error"]
    assert events[0]["error"]["code"] == "unavailable" and events[0]["status"] == 503
    assert events[0]["retry_after"] == 1
    assert answer(ws)[-1]["type"] == "end"
    ws.close()
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == 2
