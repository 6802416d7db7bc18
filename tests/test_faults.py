"""Every upstream fault on every transport: an error event, a failed answer, usage, recovery."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

import tests.llm_server as server
from models import Message, UsageDaily, db
from tests.fault_proxy import MODES, FaultProxy
from tests.test_api_wires import QUESTION, from_ndjson, from_sse, from_websocket

FAULTS = ["refused", *(mode for mode in MODES if mode is not None)]
MID_STREAM = ("reset", "stall", "malformed", "truncate")
TRANSPORTS = ["ndjson", "sse", "websocket", "json"]
# The first two chunks of server.REPLY pass before a mid-stream fault.
PARTIAL = "Docent answers "


@pytest.fixture
def proxy(llm_app, llm) -> Iterator[FaultProxy]:
    """The fault proxy in front of the loopback model server, and the app pointed at it."""
    faulty = FaultProxy(llm.server_address[:2]).start()
    llm_app.config.update(
        OPENAI_BASE_URL=faulty.url, UPSTREAM_IDLE_TIMEOUT=0.5, UPSTREAM_CONNECT_TIMEOUT=1
    )
    yield faulty
    faulty.stop()


def ask(transport: str, client: Any, live_server: str | None, key: str) -> tuple[int, list[dict]]:
    """Ask QUESTION over one transport; return the HTTP status and the events (or body)."""
    auth = {"Authorization": f"Bearer {key}"}
    if transport == "ndjson":
        response = client.post(
            "/v1/chat/stream", json={"sessionId": "fault", "message": QUESTION}, headers=auth
        )
        return response.status_code, from_ndjson(response.get_data(as_text=True))
    if transport == "sse":
        body = {"message": QUESTION, "stream": True}
        response = client.post("/api/v1/chat", json=body, headers=auth)
        return response.status_code, from_sse(response.get_data(as_text=True))
    if transport == "websocket":
        url = live_server.replace("http://", "ws://") + "/api/v1/chat/ws"
        return 101, from_websocket(url, key)
    response = client.post("/api/v1/chat", json={"message": QUESTION}, headers=auth)
    return response.status_code, [json.loads(response.get_data(as_text=True))]


def last_answer(app: Any) -> Message:
    with app.app_context():
        query = db.select(Message).where(Message.role == "assistant").order_by(Message.seq)
        return db.session.execute(query).scalars().all()[-1]


def requests_counted(app: Any) -> tuple[int, int]:
    with app.app_context():
        rows = db.session.execute(db.select(UsageDaily)).scalars().all()
        return sum(r.requests for r in rows), sum(r.output_tokens for r in rows)


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("fault", FAULTS)
def test_fault_ends_in_error_is_stored_failed_and_the_next_request_works(
    request, llm_app, client, proxy, make_bot, make_key, fault, transport
):
    # A real HTTP server only where the transport needs one.
    live_server = request.getfixturevalue("live_server") if transport == "websocket" else None
    key = make_key(make_bot())
    if fault == "refused":
        llm_app.config["OPENAI_BASE_URL"] = proxy.refused_url
    else:
        proxy.mode = fault
    before = requests_counted(llm_app)
    status, events = ask(transport, client, live_server, key)
    timeout = fault in ("stall", "slow-first-byte")
    if transport == "json":
        assert status == (504 if timeout else 502)
        assert events[0]["success"] is False
        assert events[0]["error"]["code"] == "upstream_error"
    else:
        assert status in (101, 200)
        assert events[0]["type"] == "start"
        assert events[-1]["type"] == "error"
        assert events[-1]["error"]["code"] == "upstream_error"
        assert [e["type"] for e in events].count("error") == 1
        text = "".join(e["content"] for e in events if e["type"] == "delta")
        assert text == (PARTIAL if fault in MID_STREAM else "")
    answer = last_answer(llm_app)
    assert answer.status == "failed"
    assert answer.error["code"] == "upstream_error"
    assert answer.content == (PARTIAL if fault in MID_STREAM else "")
    requests, output_tokens = requests_counted(llm_app)
    assert requests == before[0] + 1
    if fault in MID_STREAM:
        assert output_tokens > before[1]  # the partial text is paid for
    assert fault == "refused" or fault in proxy.connections

    proxy.mode = None
    llm_app.config["OPENAI_BASE_URL"] = proxy.url
    status, events = ask(transport, client, live_server, key)
    if transport == "json":
        assert status == 200 and events[0]["answer"] == server.REPLY
    else:
        assert events[-1]["type"] == "end"
        assert "".join(e["content"] for e in events if e["type"] == "delta") == server.REPLY
    assert last_answer(llm_app).status == "complete"
    assert requests_counted(llm_app)[0] == before[0] + 2
