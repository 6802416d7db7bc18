"""The OpenAI-compatible routes, driven by the real openai SDK over a live socket."""

from __future__ import annotations

import openai
import pytest

from models import Conversation, Message, UsageDaily, db
from tests.test_chat import QUESTION


@pytest.fixture
def sdk(live_server, bot, make_key):
    """An OpenAI SDK client holding a secret key of `bot`, pointed at Docent."""
    return openai.OpenAI(base_url=f"{live_server}/v1", api_key=make_key(bot), max_retries=0)


def test_list_and_retrieve_models(sdk, bot):
    models = sdk.models.list()
    assert [m.id for m in models.data] == [f"bot-{bot}"]
    assert models.data[0].owned_by == "docent"
    assert sdk.models.retrieve(f"bot-{bot}").id == f"bot-{bot}"
    with pytest.raises(openai.NotFoundError):
        sdk.models.retrieve("bot-999")


def test_completion_answers_with_sources_and_is_stored(app, sdk, bot):
    completion = sdk.chat.completions.create(
        model=f"bot-{bot}",
        messages=[
            {"role": "system", "content": "Ignored: the bot keeps its own prompt."},
            {"role": "user", "content": QUESTION},
        ],
    )
    answer = completion.choices[0].message.content
    assert "seven to ten days" in answer and completion.choices[0].finish_reason == "stop"
    assert completion.object == "chat.completion" and completion.model == f"bot-{bot}"
    usage = completion.usage
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    sources = completion.model_extra["sources"]
    assert sources[0]["title"] == "Shipping policy" and sources[0]["url"].startswith("https://")
    with app.app_context():
        conversation = db.session.execute(db.select(Conversation)).scalar_one()
        assert conversation.session_id == completion.model_extra["session_id"]
        rows = db.session.execute(db.select(Message).order_by(Message.seq)).scalars().all()
        assert [(m.role, m.status) for m in rows] == [
            ("user", "complete"),
            ("assistant", "complete"),
        ]
        assert rows[0].content == QUESTION and rows[1].content == answer
        assert completion.id == f"chatcmpl-{rows[1].id}"
        assert db.session.execute(db.select(UsageDaily.requests)).scalar_one() == 1


def test_earlier_messages_are_the_history(llm_app, live_server, llm, bot, make_key):
    sdk = openai.OpenAI(base_url=f"{live_server}/v1", api_key=make_key(bot), max_retries=0)
    completion = sdk.chat.completions.create(
        model=f"bot-{bot}",
        messages=[
            {"role": "user", "content": "Do you ship abroad?"},
            {"role": "assistant", "content": "Yes, to forty countries."},
            {"role": "user", "content": [{"type": "text", "text": QUESTION}]},
        ],
        extra_body={"session_id": "sdk-1"},
    )
    assert completion.choices[0].message.content.startswith("Docent answers")
    assert completion.usage.prompt_tokens == 42  # the model server's own count
    sent = llm.requests[-1]["body"]["messages"]
    assert {"role": "assistant", "content": "Yes, to forty countries."} in sent
    assert sent[-1]["role"] == "user" and QUESTION in sent[-1]["content"]
    with llm_app.app_context():
        assert db.session.execute(db.select(Conversation.session_id)).scalar_one() == "sdk-1"


def test_stream_ends_with_sources_and_usage(sdk, bot):
    chunks = list(
        sdk.chat.completions.create(
            model=f"bot-{bot}",
            messages=[{"role": "user", "content": QUESTION}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "seven to ten days" in text
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    last = chunks[-1]
    assert last.choices == [] and last.usage.total_tokens > 0
    assert last.model_extra["sources"][0]["title"] == "Shipping policy"
    assert len({c.id for c in chunks}) == 1


def test_stream_without_usage_option_carries_sources_on_final_chunk(sdk, bot):
    with sdk.chat.completions.create(
        model=f"bot-{bot}", messages=[{"role": "user", "content": QUESTION}], stream=True
    ) as stream:
        chunks = list(stream)
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra["sources"][0]["title"] == "Shipping policy"


def test_upstream_failure_is_an_openai_error(llm_app, live_server, make_bot, make_key):
    bot = make_bot(model="fail-500")
    sdk = openai.OpenAI(base_url=f"{live_server}/v1", api_key=make_key(bot), max_retries=0)
    with pytest.raises(openai.APIStatusError) as caught:
        sdk.chat.completions.create(model=f"bot-{bot}", messages=[{"role": "user", "content": "x"}])
    assert caught.value.status_code == 502
    assert (
        caught.value.body["code"] == "upstream_error" and caught.value.body["type"] == "api_error"
    )
    with pytest.raises(openai.APIError) as caught:
        list(
            sdk.chat.completions.create(
                model=f"bot-{bot}", messages=[{"role": "user", "content": "x"}], stream=True
            )
        )
    assert "upstream" in str(caught.value).lower() or "model" in str(caught.value).lower()


def test_key_limits_apply(live_server, bot, make_key):
    key = make_key(bot, rate_limit="1/minute")
    sdk = openai.OpenAI(base_url=f"{live_server}/v1", api_key=key, max_retries=0)
    ask = {"model": f"bot-{bot}", "messages": [{"role": "user", "content": QUESTION}]}
    sdk.chat.completions.create(**ask)
    with pytest.raises(openai.RateLimitError) as caught:
        sdk.chat.completions.create(**ask)
    assert caught.value.response.headers["Retry-After"]
    assert caught.value.body["code"] == "rate_limited"


@pytest.mark.parametrize(
    ("body", "status", "code", "param"),
    [
        (
            {"model": "bot-999", "messages": [{"role": "user", "content": "hi"}]},
            404,
            "not_found",
            "model",
        ),
        ({"model": "gpt-4o", "messages": []}, 404, "not_found", "model"),
        ({"model": "BOT", "messages": []}, 400, "invalid_request", "messages"),
        ({"model": "BOT"}, 400, "invalid_request", "messages"),
        ({"model": "BOT", "messages": "hi"}, 400, "invalid_request", "messages"),
        ({"model": "BOT", "messages": [{"content": "hi"}]}, 400, "invalid_request", "messages"),
        (
            {"model": "BOT", "messages": [{"role": "assistant", "content": "hi"}]},
            400,
            "invalid_request",
            "messages",
        ),
        (
            {"model": "BOT", "messages": [{"role": "user", "content": 7}]},
            400,
            "invalid_request",
            "messages",
        ),
        (
            {"model": "BOT", "messages": [{"role": "user", "content": " "}]},
            400,
            "invalid_request",
            "messages",
        ),
        (
            {"model": "BOT", "messages": [{"role": "user", "content": "x" * 4001}]},
            400,
            "invalid_request",
            "messages",
        ),
        (
            {"model": "BOT", "messages": [{"role": "user", "content": "hi"}], "stream": "maybe"},
            400,
            "invalid_request",
            "stream",
        ),
        (
            {"model": "BOT", "messages": [{"role": "user", "content": "hi"}], "stream": "true"},
            400,
            "invalid_request",
            "stream",
        ),
        (
            {
                "model": "BOT",
                "messages": [{"role": "user", "content": "hi"}],
                "stream_options": "usage",
            },
            400,
            "invalid_request",
            "stream_options",
        ),
        (
            {
                "model": "BOT",
                "messages": [{"role": "user", "content": "hi"}],
                "stream": True,
                "stream_options": {"include_usage": "yes"},
            },
            400,
            "invalid_request",
            "include_usage",
        ),
        (
            {"model": "BOT", "messages": [{"role": "user", "content": "hi"}], "session_id": "a b"},
            400,
            "invalid_request",
            "session_id",
        ),
    ],
)
def test_bad_input(app, client, bot, auth, body, status, code, param):
    if body.get("model") == "BOT":
        body = {**body, "model": f"bot-{bot}"}
    response = client.post("/v1/chat/completions", json=body, headers=auth)
    assert response.status_code == status
    error = response.json["error"]
    assert response.json["success"] is False and error["code"] == code
    assert error["param"] == param and error["type"] == (
        "not_found_error" if status == 404 else "invalid_request_error"
    )
    assert error["message"]
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Message.id))).scalar() == 0


def test_not_json_is_refused_in_openai_shape(client, auth):
    response = client.post("/v1/chat/completions", data="x", headers=auth)
    assert response.status_code == 415
    assert response.json["error"]["type"] == "invalid_request_error"


def test_null_stream_options_are_left_out_as_openai_allows(client, bot, auth):
    # OpenAI's API documents stream and stream_options as nullable; a client that sends
    # null gets a whole completion, as if it had left them out.
    body = {
        "model": f"bot-{bot}",
        "messages": [{"role": "user", "content": "How long does shipping take?"}],
        "stream": None,
        "stream_options": None,
    }
    response = client.post("/v1/chat/completions", json=body, headers=auth)
    assert response.status_code == 200, response.json
    assert response.json["object"] == "chat.completion"
