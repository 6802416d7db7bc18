"""Per-IP and per-key limits, daily quotas (429 + Retry-After) and CORS."""

from __future__ import annotations

import os
import uuid

import pytest

QUESTION = {"sessionId": "limits", "message": "How long does shipping take?"}


def ask(client, key, **headers):
    return client.post(
        "/v1/chat", json=QUESTION, headers={"Authorization": f"Bearer {key}", **headers}
    )


REDIS_URL = os.environ.get("DOCENT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_reason() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:  # any failure means "not here"
        return f"Redis at {REDIS_URL} is not reachable: {type(exc).__name__}"
    return None


@pytest.fixture(params=["memory", "redis"], autouse=True)
def storage(request, config, monkeypatch):
    """Run every limit test on in-memory storage and on Redis where it is reachable."""
    from extensions import limiter

    # Flask-Limiter keeps the first key prefix it saw; each test's app must use its own.
    monkeypatch.setattr(limiter, "_key_prefix", "")
    if request.param == "redis":
        reason = _redis_reason()
        if reason:
            pytest.skip(reason)
        config["RATELIMIT_STORAGE_URI"] = REDIS_URL
        # A fresh prefix per test: key ids restart with each test database.
        config["RATELIMIT_KEY_PREFIX"] = f"docent-test-{uuid.uuid4().hex}"
    return request.param


@pytest.fixture
def tight_ip(config):
    config["RATE_LIMIT_IP"] = "2/minute"


def test_per_ip_limit(tight_ip, client, make_bot, make_key):
    key = make_key(make_bot())
    assert [ask(client, key).status_code for _ in range(2)] == [200, 200]
    response = ask(client, key)
    assert response.status_code == 429
    assert response.json["error"]["code"] == "rate_limited"
    assert 0 < int(response.headers["Retry-After"]) <= 60


def test_per_ip_limit_counts_each_client_separately(tight_ip, client, make_bot, make_key):
    key = make_key(make_bot())
    for _ in range(2):
        ask(client, key)
    other = client.post(
        "/v1/chat",
        json=QUESTION,
        headers={"Authorization": f"Bearer {key}"},
        environ_base={"REMOTE_ADDR": "10.0.0.7"},
    )
    assert other.status_code == 200


@pytest.fixture
def behind_proxy(config):
    config.update(RATE_LIMIT_IP="1/minute", TRUSTED_PROXIES=1)


def test_trusted_proxy_hops(behind_proxy, client, make_bot, make_key):
    key = make_key(make_bot())
    first = ask(client, key, **{"X-Forwarded-For": "203.0.113.1"})
    second = ask(client, key, **{"X-Forwarded-For": "203.0.113.2"})
    third = ask(client, key, **{"X-Forwarded-For": "203.0.113.1"})
    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 429)


def test_per_key_rate_limit(client, make_bot, make_key):
    bot = make_bot()
    limited = make_key(bot, rate_limit="2/minute")
    other = make_key(bot)
    assert [ask(client, limited).status_code for _ in range(2)] == [200, 200]
    response = ask(client, limited)
    assert response.status_code == 429 and response.json["error"]["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1
    assert ask(client, other).status_code == 200  # the limit is the key's own


def test_daily_quota(client, make_bot, make_key):
    key = make_key(make_bot(), daily_quota=2)
    assert [ask(client, key).status_code for _ in range(2)] == [200, 200]
    response = ask(client, key)
    assert response.status_code == 429 and response.json["error"]["code"] == "quota_exceeded"
    assert 0 < int(response.headers["Retry-After"]) <= 86400


def test_limited_request_stores_nothing(app, client, make_bot, make_key):
    from models import Message, db

    key = make_key(make_bot(), daily_quota=1)
    ask(client, key)
    ask(client, key)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Message.id))).scalar() == 2


def test_preflight_for_allowed_origin(client, make_bot, make_key):
    make_key(make_bot(), "public", origins=["https://shop.example"])
    response = client.options(
        "/v1/chat/stream",
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "authorization" in response.headers["Access-Control-Allow-Headers"].lower()
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Origin" in response.headers["Vary"]


@pytest.mark.parametrize("origin", ["https://evil.example", "null"])
def test_preflight_for_unknown_origin(client, make_bot, make_key, origin):
    make_key(make_bot(), "public", origins=["https://shop.example"])
    response = client.options(
        "/v1/chat", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
    )
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Origin" in response.headers["Vary"]


def test_cors_never_wildcard_and_errors_readable(tight_ip, client, make_bot, make_key):
    key = make_key(make_bot(), "public", origins=["https://shop.example"])
    origin = {"Origin": "https://shop.example"}
    for _ in range(2):
        assert (
            ask(client, key, **origin).headers["Access-Control-Allow-Origin"]
            == "https://shop.example"
        )
    limited = ask(client, key, **origin)
    assert limited.status_code == 429
    # The widget can read the 429 (and its Retry-After) because its origin is allowed.
    assert limited.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "Retry-After" in limited.headers["Access-Control-Expose-Headers"]


@pytest.fixture
def five_per_ip(config):
    config["RATE_LIMIT_IP"] = "5/minute"


def test_one_ip_budget_across_every_chat_route(
    five_per_ip, app, client, live_server, make_bot, make_key
):
    """Five questions spread over the chat routes pass; the sixth, on any of them, is a 429."""
    import json

    from tests.test_api_ws import closed_with, connect

    key = make_key(make_bot())
    auth = {"Authorization": f"Bearer {key}"}
    chat = client.post("/chat", json={"name": "Limits"}, headers=auth).json["chat_id"]
    routes = [
        ("/v1/chat", QUESTION),
        ("/v1/chat/stream", QUESTION),
        ("/api/v1/chat", {"message": QUESTION["message"]}),
        (f"/chat/{chat}/question", {"question": QUESTION["message"]}),
        (f"/chat/{chat}/question/stream", {"question": QUESTION["message"]}),
    ]

    def post(path, body):
        response = client.post(path, json=body, headers=auth)
        response.get_data()
        response.close()
        return response

    socket_url = live_server.replace("http://", "ws://") + f"/api/v1/chat/ws?api_key={key}"

    def ask_socket():
        ws = connect(socket_url)
        ws.send(json.dumps({"message": QUESTION["message"]}))
        event = json.loads(ws.recv())
        while event["type"] not in ("end", "error"):
            event = json.loads(ws.recv())
        return ws, event

    passed = [post(path, body).status_code for path, body in routes[:4]]
    ws, last = ask_socket()
    ws.close()
    assert passed == [200] * 4 and last["type"] == "end"
    for path, body in routes:
        limited = post(path, body)
        assert limited.status_code == 429, path
        assert limited.json["error"]["code"] == "rate_limited"
        assert 0 < int(limited.headers["Retry-After"]) <= 60
    ws, last = ask_socket()
    assert last["error"]["code"] == "rate_limited" and 0 < last["retry_after"] <= 60
    _, code, _ = closed_with(ws)
    assert code == 4429


@pytest.fixture
def no_proxy(config):
    config.update(RATE_LIMIT_IP="1/minute", TRUSTED_PROXIES=0)


def test_forwarded_for_changes_nothing_without_trusted_proxies(
    no_proxy, client, make_bot, make_key
):
    key = make_key(make_bot())
    first = ask(client, key, **{"X-Forwarded-For": "203.0.113.1"})
    spoofed = ask(client, key, **{"X-Forwarded-For": "203.0.113.2"})
    chained = ask(client, key, **{"X-Forwarded-For": "203.0.113.3, 198.51.100.9"})
    real = ask(client, key, **{"X-Real-IP": "203.0.113.4"})
    assert first.status_code == 200
    assert (spoofed.status_code, chained.status_code, real.status_code) == (429, 429, 429)


def test_retry_after_only_on_429(tight_ip, client, make_bot, make_key):
    key = make_key(make_bot())
    ok = ask(client, key)
    assert ok.status_code == 200 and "X-RateLimit-Limit" in ok.headers
    assert "Retry-After" not in ok.headers
    assert "Retry-After" not in client.get("/api/v1/openapi.json").headers
    ask(client, key)
    limited = ask(client, key)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
