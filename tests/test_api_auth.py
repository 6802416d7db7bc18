"""Every developer route: each auth form, missing, malformed and revoked keys, scopes, origins."""

from __future__ import annotations

import pytest

from models import ApiKey, Document, db, utcnow
from services.keys import SCOPES

QUESTION = "How long does international shipping take?"

# (method, path, required scope or None for "any secret key", JSON body, success status)
ROUTES = [
    ("post", "/api/v1/chat", "chat", {"message": QUESTION}, 200),
    ("get", "/api/v1/sessions", "sessions:read", None, 200),
    ("get", "/api/v1/sessions/s1", "sessions:read", None, 200),
    ("delete", "/api/v1/sessions/s1", "sessions:write", None, 200),
    ("get", "/api/v1/usage", "usage:read", None, 200),
    ("get", "/api/v1/documents", None, None, 200),
    ("get", "/api/v1/documents/{doc}", None, None, 200),
    (
        "post",
        "/api/v1/documents",
        "documents:write",
        {"title": "Hours", "text": "Open 9 to 5."},
        201,
    ),
    ("delete", "/api/v1/documents/{doc}", "documents:write", None, 200),
    ("get", "/chat", "sessions:read", None, 200),
    ("post", "/chat", "sessions:write", {"name": "n"}, 200),
    ("put", "/chat/s1/metadata", "sessions:write", {"chat_name": "n"}, 200),
    ("delete", "/chat/s1", "sessions:write", None, 200),
    ("post", "/chat/s1/question", "chat", {"question": QUESTION}, 200),
    ("get", "/chat/s1/history", "sessions:read", None, 200),
]
IDS = [f"{method} {path}" for method, path, *_ in ROUTES]
FORMS = ["bearer", "x-api-key", "x-widget-api-key", "query", "body"]
# The body form needs a JSON body; routes without one are not asked to take it.
FORM_CASES = [
    pytest.param(form, *route, id=f"{form}-{route[0]} {route[1]}")
    for form in FORMS
    for route in ROUTES
    if not (form == "body" and route[3] is None)
]
# Routes that need a particular scope (documents are readable by any secret key).
SCOPED = [pytest.param(*r, id=f"{r[0]} {r[1]}") for r in ROUTES if r[2] is not None]
# Routes a public key may not use: everything but chatting.
NOT_CHAT = [pytest.param(*r, id=f"{r[0]} {r[1]}") for r in ROUTES if r[2] != "chat"]


@pytest.fixture
def setup(app, client, make_bot, make_key):
    """A bot with one session "s1"; returns (bot id, a document id, a full secret key)."""
    bot = make_bot()
    key = make_key(bot)
    client.post(
        "/api/v1/chat",
        json={"message": QUESTION, "session_id": "s1"},
        headers={"Authorization": f"Bearer {key}"},
    )
    with app.app_context():
        doc = db.session.scalar(db.select(Document.id).where(Document.bot_id == bot))
    return bot, doc, key


def call(client, method, path, doc, body=None, headers=None, query=""):
    url = path.format(doc=doc) + query
    kwargs = {"json": body} if body is not None else {}
    return getattr(client, method)(url, headers=headers or {}, **kwargs)


def auth_forms(key):
    return {
        "bearer": ({"Authorization": f"Bearer {key}"}, "", None),
        "x-api-key": ({"x-api-key": key}, "", None),
        "x-widget-api-key": ({"x-widget-api-key": key}, "", None),
        "query": ({}, f"?api_key={key}", None),
        "body": ({}, "", key),
    }


@pytest.mark.parametrize(("form", "method", "path", "scope", "body", "status"), FORM_CASES)
def test_each_auth_form(client, setup, form, method, path, scope, body, status):
    _, doc, key = setup
    headers, query, body_key = auth_forms(key)[form]
    if body_key is not None:
        body = {**body, "api_key": body_key}
    response = call(client, method, path, doc, body, headers, query)
    if form in ("query", "body") and not path.startswith("/api/v1"):
        # The query and body forms exist only on /api/v1 (seed compatibility).
        assert response.status_code == 401
        assert response.json["error"]["code"] == "invalid_api_key"
    else:
        assert response.status_code == status, response.json


@pytest.mark.parametrize(("method", "path", "scope", "body", "status"), ROUTES, ids=IDS)
def test_missing_malformed_and_revoked_keys(app, client, setup, method, path, scope, body, status):
    _, doc, key = setup
    made_up = "sk_" + "A" * 38
    for headers in ({}, {"Authorization": f"Bearer {made_up}"}, {"x-api-key": "nonsense"}):
        response = call(client, method, path, doc, body, headers)
        assert response.status_code == 401
        assert response.json == {
            "success": False,
            "error": {"code": "invalid_api_key", "message": response.json["error"]["message"]},
        }
    with app.app_context():
        db.session.execute(db.update(ApiKey).values(revoked_at=utcnow()))
        db.session.commit()
    response = call(client, method, path, doc, body, {"Authorization": f"Bearer {key}"})
    assert response.status_code == 401


@pytest.mark.parametrize(("method", "path", "scope", "body", "status"), SCOPED)
def test_wrong_scope(client, setup, make_key, method, path, scope, body, status):
    bot, doc, _ = setup
    key = make_key(bot, scopes=[s for s in SCOPES if s != scope])
    response = call(client, method, path, doc, body, {"Authorization": f"Bearer {key}"})
    assert response.status_code == 403
    assert response.json["error"]["code"] == "scope_not_allowed"


@pytest.mark.parametrize(("method", "path", "scope", "body", "status"), ROUTES, ids=IDS)
def test_secret_key_from_a_web_page_is_refused(client, setup, method, path, scope, body, status):
    _, doc, key = setup
    headers = {"Authorization": f"Bearer {key}", "Origin": "https://evil.example"}
    response = call(client, method, path, doc, body, headers)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize(("method", "path", "scope", "body", "status"), NOT_CHAT)
def test_public_key_cannot_use_developer_routes(
    client, setup, make_key, method, path, scope, body, status
):
    bot, doc, _ = setup
    key = make_key(bot, "public", origins=["https://shop.example"])
    headers = {"x-widget-api-key": key, "Origin": "https://shop.example"}
    response = call(client, method, path, doc, body, headers)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "scope_not_allowed"
