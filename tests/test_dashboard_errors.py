"""Error pages, security headers, CSRF on every dashboard form, and the landing page."""

from __future__ import annotations

import pytest

from models import ApiKey, Bot, Conversation, Document, db
from tests import test_dashboard_support as support
from tests.test_dashboard_support import PASSWORD, csrf_from

# Shared fixtures.
bot_id = support.bot_id
owner = support.owner
signed_in = support.signed_in


def test_landing_page(client):
    page = client.get("/")
    assert page.status_code == 200 and b"Create your first bot" in page.data
    assert b'href="/dashboard/signup"' in page.data and b"/widget.js" in page.data


def test_unknown_dashboard_page_is_a_helpful_html_404(signed_in):
    response = signed_in.get("/dashboard/nope")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert b"Nothing here" in response.data and b"Your bots" in response.data


def test_api_errors_stay_json(client):
    response = client.get("/api/v1/nope")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_method_not_allowed_is_html(signed_in):
    response = signed_in.get("/dashboard/logout")
    assert response.status_code == 405 and b"Not like that" in response.data


def test_too_large_upload_is_explained(app, signed_in, bot_id):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = signed_in.post(
        f"/dashboard/bots/{bot_id}/documents/upload",
        data={"file": (__import__("io").BytesIO(b"x" * 5000), "big.txt")},
    )
    assert response.status_code == 413 and b"too large" in response.data


def test_server_errors_are_a_calm_page(app, signed_in, bot_id, monkeypatch):
    import dashboard.documents

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(dashboard.documents, "trial_answer", broken)
    response = signed_in.post(f"/dashboard/bots/{bot_id}/ask", data={"question": "hi?"})
    assert response.status_code == 500 and b"Something went wrong on our side" in response.data
    assert b"boom" not in response.data


def test_security_headers(signed_in, bot_id):
    response = signed_in.get(f"/dashboard/bots/{bot_id}/keys")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'self'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.fixture
def csrf_on(config):
    config["WTF_CSRF_ENABLED"] = True
    return config


def test_every_dashboard_form_refuses_a_missing_csrf_token(csrf_on, app, client, owner, bot_id):
    token = csrf_from(client.get("/dashboard/login").data.decode())
    client.post(
        "/dashboard/login",
        data={"email": "owner@example.com", "password": PASSWORD, "csrf_token": token},
    )
    with app.app_context():
        bot = db.session.get(Bot, bot_id)
        from services.keys import create_key

        key, _ = create_key(bot, "public", origins=["https://a.example"])
        conversation = Conversation(bot_id=bot_id, session_id="s")
        db.session.add(conversation)
        db.session.commit()
        document = db.session.execute(db.select(Document.id)).scalars().first()
        ids = {"key": key.id, "conversation": conversation.id, "document": document}
    forms = [
        ("/dashboard/bots", {"name": "Another"}),
        (
            f"/dashboard/bots/{bot_id}/settings",
            {"name": "Changed", "model": "offline", "temperature": "0", "max_tokens": "100"},
        ),
        (f"/dashboard/bots/{bot_id}/delete", {"confirm_name": "Help bot"}),
        (f"/dashboard/bots/{bot_id}/documents/text", {"paste-title": "t", "paste-text": "x"}),
        (f"/dashboard/bots/{bot_id}/documents/{ids['document']}/delete", {}),
        (f"/dashboard/bots/{bot_id}/ask", {"question": "hi"}),
        (f"/dashboard/bots/{bot_id}/widget", {"accent_color": "#000000"}),
        (f"/dashboard/bots/{bot_id}/keys", {"kind": "public", "origins": "https://b.example"}),
        (f"/dashboard/bots/{bot_id}/keys/{ids['key']}/revoke", {}),
        (f"/dashboard/bots/{bot_id}/conversations/{ids['conversation']}/delete", {}),
        (
            "/dashboard/account",
            {"current": PASSWORD, "password": "new-password-1", "confirm": "new-password-1"},
        ),
        ("/dashboard/logout", {}),
    ]
    for path, form in forms:
        response = client.post(path, data=form)
        assert response.status_code == 400, path
        assert b"This form has expired" in response.data, path
    upload = client.post(
        f"/dashboard/bots/{bot_id}/documents/upload",
        data={"file": (__import__("io").BytesIO(b"hello there"), "a.txt")},
        headers={"X-Requested-With": "fetch"},
    )
    assert upload.status_code == 400 and upload.json["error"]["code"] == "csrf_failed"
    with app.app_context():
        assert db.session.get(Bot, bot_id).name == "Help bot"
        assert db.session.execute(db.select(db.func.count()).select_from(Bot)).scalar() == 1
        assert db.session.get(ApiKey, ids["key"]).revoked_at is None
        assert db.session.get(Conversation, ids["conversation"]) is not None
        assert db.session.get(Document, ids["document"]) is not None
    assert client.get("/dashboard").status_code == 200  # still signed in


def test_scripted_upload_with_the_token_header_works(csrf_on, app, client, owner, bot_id):
    token = csrf_from(client.get("/dashboard/login").data.decode())
    client.post(
        "/dashboard/login",
        data={"email": "owner@example.com", "password": PASSWORD, "csrf_token": token},
    )
    page_token = csrf_from(client.get(f"/dashboard/bots/{bot_id}/documents").data.decode())
    response = client.post(
        f"/dashboard/bots/{bot_id}/documents/upload",
        data={"file": (__import__("io").BytesIO(b"Opening hours are nine to five."), "a.txt")},
        headers={"X-Requested-With": "fetch", "X-CSRFToken": page_token},
    )
    assert response.status_code == 200 and response.json["success"] is True
