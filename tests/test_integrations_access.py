"""OpenAI-compatible, MCP and webhook routes refuse public and revoked keys and foreign origins."""

from __future__ import annotations

import pytest

from models import ApiKey, Message, Webhook, db, utcnow

SHOP = "https://shop.example"
ROUTES = [
    ("get", "/v1/models", None),
    ("get", "/v1/models/bot-{bot}", None),
    (
        "post",
        "/v1/chat/completions",
        {"model": "bot-{bot}", "messages": [{"role": "user", "content": "Hi"}]},
    ),
    ("post", "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
    ("get", "/api/v1/webhooks", None),
    ("post", "/api/v1/webhooks", {"url": "https://example.com/hook", "events": ["lead.created"]}),
    ("delete", "/api/v1/webhooks/1", None),
    ("get", "/api/v1/webhooks/1/deliveries", None),
]
OPENAI_ROUTES = {"/v1/models", "/v1/models/bot-{bot}", "/v1/chat/completions"}


def fill(value, bot):
    if isinstance(value, str):
        return value.replace("{bot}", str(bot))
    if isinstance(value, dict):
        return {k: fill(v, bot) for k, v in value.items()}
    return value


@pytest.fixture
def keys(app, bot, make_key):
    """A public key for the shop, a revoked secret key, and a live secret key for the shop."""
    public = make_key(bot, "public", origins=[SHOP])
    revoked = make_key(bot)
    live = make_key(bot, origins=[SHOP])
    with app.app_context():
        key = db.session.execute(db.select(ApiKey).where(ApiKey.kind == "secret")).scalars().first()
        key.revoked_at = utcnow()
        db.session.commit()
    return {"public": public, "revoked": revoked, "live": live}


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
@pytest.mark.parametrize(
    ("case", "origin", "status", "code"),
    [
        ("public", SHOP, 401, "invalid_api_key"),
        ("public", None, 401, "invalid_api_key"),
        ("revoked", None, 401, "invalid_api_key"),
        ("live", "https://evil.example", 403, "origin_not_allowed"),
        ("live", "null", 403, "origin_not_allowed"),
    ],
)
def test_refused(app, client, bot, keys, method, path, body, case, origin, status, code):
    headers = {"Authorization": f"Bearer {keys[case]}"}
    if origin:
        headers["Origin"] = origin
    kwargs = {"json": fill(body, bot)} if body is not None else {}
    response = getattr(client, method)(fill(path, bot), headers=headers, **kwargs)
    assert response.status_code == status
    assert response.json["success"] is False and response.json["error"]["code"] == code
    if path in OPENAI_ROUTES:
        assert response.json["error"]["type"] in ("authentication_error", "permission_error")
    if origin != SHOP:
        assert "Access-Control-Allow-Origin" not in response.headers
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Message.id))).scalar() == 0
        assert db.session.execute(db.select(db.func.count(Webhook.id))).scalar() == 0


@pytest.mark.parametrize(("method", "path", "body"), ROUTES[:3] + ROUTES[4:6])
def test_live_secret_key_from_a_server_works(client, bot, keys, method, path, body):
    headers = {"Authorization": f"Bearer {keys['live']}"}
    kwargs = {"json": fill(body, bot)} if body is not None else {}
    response = getattr(client, method)(fill(path, bot), headers=headers, **kwargs)
    assert response.status_code in (200, 201, 400)  # 400: example.com may not resolve offline
    if response.status_code == 400:
        assert path == "/api/v1/webhooks"
