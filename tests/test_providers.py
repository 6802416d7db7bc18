"""The OpenAI-compatible provider through the real SDK against a loopback server."""

from __future__ import annotations

import json

import pytest

import tests.llm_server as server
from models import Bot, Message, UsageDaily, db

QUESTION = "How long does international shipping take?"


def stream(client, key, sid="p1"):
    response = client.post(
        "/v1/chat/stream",
        json={"sessionId": sid, "message": QUESTION},
        headers={"Authorization": f"Bearer {key}"},
    )
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def stored(app):
    with app.app_context():
        return db.session.execute(db.select(Message).order_by(Message.seq)).scalars().all()


def usage_rows(app):
    with app.app_context():
        return db.session.execute(db.select(UsageDaily)).scalars().all()


def test_streamed_deltas_and_server_usage(llm_app, client, make_bot, make_key, llm):
    key = make_key(make_bot(model="gpt-4.1-mini"))
    events = stream(client, key)
    deltas = [e["content"] for e in events if e["type"] == "delta"]
    assert "".join(deltas) == server.REPLY and len(deltas) > 3
    end = events[-1]
    assert end["type"] == "end"
    # The server's own counts win over local estimates.
    assert end["usage"]["input_tokens"] == server.PROMPT_TOKENS
    assert end["usage"]["output_tokens"] == len(deltas)
    expected_cost = round((server.PROMPT_TOKENS * 0.40 + len(deltas) * 1.60) / 1_000_000, 6)
    assert end["usage"]["cost"] == expected_cost
    request = llm.requests[-1]
    assert request["auth"] == "Bearer sk-test"
    assert request["body"]["stream"] is True and request["body"]["stream_options"] == {
        "include_usage": True
    }
    assert "Orders ship within two business days" in request["body"]["messages"][0]["content"]
    answer = stored(llm_app)[-1]
    assert (answer.status, answer.content, answer.model) == (
        "complete",
        server.REPLY,
        "gpt-4.1-mini",
    )
    assert answer.cost_micros == round(server.PROMPT_TOKENS * 0.40 + len(deltas) * 1.60)
    assert answer.latency_ms is not None
    [row] = usage_rows(llm_app)
    assert (row.model, row.requests, row.input_tokens) == ("gpt-4.1-mini", 1, server.PROMPT_TOKENS)


def test_non_streaming_route_collects_the_stream(llm_app, client, make_bot, make_key):
    key = make_key(make_bot())
    body = client.post(
        "/api/v1/chat", json={"message": QUESTION}, headers={"Authorization": f"Bearer {key}"}
    ).json
    assert body["answer"] == server.REPLY and body["sources"][0]["title"] == "Shipping policy"


def test_500_before_first_token(llm_app, client, make_bot, make_key):
    key = make_key(make_bot(model="fail-500"))
    events = stream(client, key)
    assert [e["type"] for e in events] == ["start", "error"]
    assert events[-1]["error"]["code"] == "upstream_error"
    user, answer = stored(llm_app)
    assert user.role == "user" and user.content == QUESTION  # committed before the model call
    assert answer.status == "failed" and answer.error["code"] == "upstream_error"
    [row] = usage_rows(llm_app)
    assert row.requests == 1 and row.input_tokens == 0 and row.cost_micros == 0


def test_500_on_json_route_is_502(llm_app, client, make_bot, make_key):
    key = make_key(make_bot(model="fail-500"))
    response = client.post(
        "/v1/chat",
        json={"sessionId": "p1", "message": QUESTION},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 502 and response.json["error"]["code"] == "upstream_error"


def test_retry_before_first_token(llm_app, client, make_bot, make_key, llm):
    llm_app.config["UPSTREAM_RETRIES"] = 1
    llm._flaky_failed = False
    key = make_key(make_bot(model="flaky-500"))
    before = len(llm.requests)
    events = stream(client, key)
    assert events[-1]["type"] == "end"
    assert "".join(e["content"] for e in events if e["type"] == "delta") == server.REPLY
    assert len(llm.requests) - before == 2  # one failure, one retry, text sent once


def test_tcp_reset_mid_stream(llm_app, client, make_bot, make_key):
    key = make_key(make_bot(model="reset-mid"))
    events = stream(client, key)
    assert events[-1]["type"] == "error" and events[-1]["error"]["code"] == "upstream_error"
    assert [e["type"] for e in events[:3]] == ["start", "delta", "delta"]
    answer = stored(llm_app)[-1]
    assert answer.status == "failed" and answer.content == "Docent answers "
    [row] = usage_rows(llm_app)
    assert row.requests == 1 and row.output_tokens > 0  # partial output is accounted


def test_clean_close_without_finish_reason_is_a_failure(llm_app, client, make_bot, make_key):
    key = make_key(make_bot(model="no-finish"))
    events = stream(client, key)
    assert events[-1]["type"] == "error"
    assert "without finishing" in events[-1]["error"]["message"]
    assert stored(llm_app)[-1].status == "failed"


def test_stall_hits_idle_timeout(llm_app, client, make_bot, make_key, monkeypatch):
    monkeypatch.setattr(server, "STALL_SECONDS", 3.0)
    llm_app.config["UPSTREAM_IDLE_TIMEOUT"] = 0.5
    key = make_key(make_bot(model="stall"))
    events = stream(client, key)
    assert events[-1]["type"] == "error" and events[-1]["error"]["code"] == "upstream_error"
    assert stored(llm_app)[-1].status == "failed"


def test_stall_on_json_route_is_504(llm_app, client, make_bot, make_key, monkeypatch):
    monkeypatch.setattr(server, "STALL_SECONDS", 3.0)
    llm_app.config["UPSTREAM_IDLE_TIMEOUT"] = 0.5
    key = make_key(make_bot(model="stall"))
    response = client.post(
        "/v1/chat",
        json={"sessionId": "p1", "message": QUESTION},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 504 and response.json["error"]["code"] == "upstream_error"


def test_unreachable_server(llm_app, client, make_bot, make_key):
    llm_app.config["OPENAI_BASE_URL"] = "http://127.0.0.1:9/v1"
    key = make_key(make_bot())
    events = stream(client, key)
    assert events[-1]["type"] == "error" and events[-1]["error"]["code"] == "upstream_error"


@pytest.mark.parametrize("model", ["offline"])
def test_offline_model_forced_even_with_key(llm_app, client, make_bot, make_key, llm, model):
    before = len(llm.requests)
    key = make_key(make_bot(model=model))
    events = stream(client, key)
    assert events[-1]["type"] == "end" and len(llm.requests) == before


def test_deployment_price_override(config, request):
    config["PRICES"] = {"house-model": [3.0, 5.0]}
    app = request.getfixturevalue("llm_app")
    client = app.test_client()
    key = request.getfixturevalue("make_key")(
        request.getfixturevalue("make_bot")(model="house-model")
    )
    end = stream(client, key)[-1]
    tokens = end["usage"]["output_tokens"]
    assert end["usage"]["cost"] == round((server.PROMPT_TOKENS * 3.0 + tokens * 5.0) / 1_000_000, 6)


def test_the_request_is_the_one_the_sdk_sends(llm_app, client, make_bot, make_key, llm):
    """Docent's call reads the chunks itself; what it sends is chat.completions.create's."""
    import openai

    bot_id = make_bot(model="gpt-4.1-mini")
    key = make_key(bot_id)
    assert stream(client, key)[-1]["type"] == "end"
    ours = llm.requests[-1]
    with llm_app.app_context():
        bot = db.session.get(Bot, bot_id)
        temperature, max_tokens = bot.temperature, bot.max_tokens
    sdk = openai.OpenAI(api_key="sk-test", base_url=llm.url, max_retries=0)
    chunks = sdk.chat.completions.create(
        model="gpt-4.1-mini",
        messages=ours["body"]["messages"],
        temperature=temperature,
        max_tokens=max_tokens,
        stream=True,
        stream_options={"include_usage": True},
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == server.REPLY
    theirs = llm.requests[-1]
    assert (ours["path"], ours["auth"], ours["body"]) == (
        theirs["path"],
        theirs["auth"],
        theirs["body"],
    )
    assert list(ours["body"]) == list(theirs["body"])  # in the same order, too


def test_a_changed_model_key_is_used_at_once(llm_app, client, make_bot, make_key, llm):
    key = make_key(make_bot())
    assert stream(client, key)[-1]["type"] == "end"
    assert llm.requests[-1]["auth"] == "Bearer sk-test"
    llm_app.config["OPENAI_API_KEY"] = "sk-rotated"
    assert stream(client, key, sid="p2")[-1]["type"] == "end"
    assert llm.requests[-1]["auth"] == "Bearer sk-rotated"
