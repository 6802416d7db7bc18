"""One stream, three wires: NDJSON, SSE and WebSocket carry the same event sequence."""

from __future__ import annotations

import json

import pytest
import websocket

QUESTION = "How long does international shipping take?"


def from_ndjson(text):
    return [json.loads(line) for line in text.splitlines() if line]


def from_sse(text):
    """Turn SSE blocks back into NDJSON-shaped events (the SSE data drops `type`)."""
    events = []
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if line and not line.startswith(":")]
        if not lines:
            continue
        name = lines[0].removeprefix("event: ")
        data = json.loads(lines[1].removeprefix("data: "))
        if name == "message":
            events.append({"type": "delta", **data})
        elif name == "error":
            events.append({"type": "error", "error": data["error"]})
        else:
            if "session_id" in data:
                data["sessionId"] = data.pop("session_id")
            events.append({"type": name, **data})
    return events


def from_websocket(url, key):
    ws = websocket.create_connection(f"{url}?api_key={key}", suppress_origin=True, timeout=10)
    try:
        ws.send(json.dumps({"message": QUESTION}))
        events = [json.loads(ws.recv())]
        while events[-1]["type"] not in ("end", "error"):
            events.append(json.loads(ws.recv()))
        return events
    finally:
        ws.close()


def shape(events):
    """Drop what differs by design between two answers: ids, session ids and latency."""
    kept = []
    for event in events:
        event = {k: v for k, v in event.items() if k not in ("sessionId", "message_id", "status")}
        kept.append(event)
    return kept


@pytest.mark.parametrize("engine", ["offline", "openai-compatible"])
def test_same_question_same_events_on_every_wire(
    request, app, client, live_server, make_bot, make_key, engine
):
    if engine != "offline":
        request.getfixturevalue("llm_app")
    key = make_key(make_bot())
    auth = {"Authorization": f"Bearer {key}"}
    ndjson = client.post(
        "/v1/chat/stream", json={"sessionId": "w1", "message": QUESTION}, headers=auth
    )
    sse = client.post("/api/v1/chat", json={"message": QUESTION, "stream": True}, headers=auth)
    ws_url = live_server.replace("http://", "ws://") + "/api/v1/chat/ws"
    wires = {
        "ndjson": from_ndjson(ndjson.get_data(as_text=True)),
        "sse": from_sse(sse.get_data(as_text=True)),
        "websocket": from_websocket(ws_url, key),
    }
    first = wires["ndjson"]
    assert [e["type"] for e in first][:1] == ["start"] and first[-1]["type"] == "end"
    assert len(first) > 4
    for name, events in wires.items():
        assert shape(events) == shape(first), name
        # Each wire names its own conversation and answer, consistently from start to end.
        assert events[0]["sessionId"] == events[-1]["sessionId"]
        assert events[0]["message_id"] == events[-1]["message_id"]


def test_same_error_event_on_every_wire(app, client, live_server, llm_app, make_bot, make_key):
    key = make_key(make_bot(model="fail-500"))
    auth = {"Authorization": f"Bearer {key}"}
    ndjson = from_ndjson(
        client.post(
            "/v1/chat/stream", json={"sessionId": "w1", "message": QUESTION}, headers=auth
        ).get_data(as_text=True)
    )
    sse = from_sse(
        client.post(
            "/api/v1/chat", json={"message": QUESTION, "stream": True}, headers=auth
        ).get_data(as_text=True)
    )
    ws = from_websocket(live_server.replace("http://", "ws://") + "/api/v1/chat/ws", key)
    assert ndjson[-1]["type"] == "error" and ndjson[-1]["error"]["code"] == "upstream_error"
    assert shape(ndjson) == shape(sse) == shape(ws)


@pytest.mark.parametrize(
    "text", ["w1 ", 'say "hi"\\n', "déjà vu … 東京", "a\u2028b\x00", "\ud800", ""]
)
def test_a_delta_is_written_as_json_dumps_writes_it(text):
    from api.streams import ndjson, sse
    from engine import events

    delta = events.delta(text)
    assert ndjson(delta) == json.dumps(delta, ensure_ascii=False) + "\n"
    data = json.dumps({"content": text}, ensure_ascii=False)
    assert sse(delta) == f"event: message\ndata: {data}\n\n"
