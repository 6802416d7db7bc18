"""Widget appearance: settings, the live preview with the real widget, the embed snippet."""

from __future__ import annotations

import json
import re
import time

import pytest

from models import ApiKey, Bot, Conversation, db
from services.keys import create_key
from tests import test_dashboard_support as support
from tests.test_dashboard_support import XSS

# Shared fixtures.
bot_id = support.bot_id
owner = support.owner
signed_in = support.signed_in

FORM = {
    "title": "Acme help",
    "accent_color": "#0EA5E9",
    "position": "left",
    "welcome_message": "Hello! Ask about orders.",
    "starter_questions": "Where is my order?\n\nHow do refunds work?\n",
    "avatar_url": "https://cdn.example/avatar.png",
    "placeholder": "Type here",
    "labels": "send = Envoyer\nclose = Fermer",
    "handoff": "unanswered",
    "lead_form": "y",
}


def test_appearance_is_saved_and_served_to_the_widget(app, client, signed_in, bot_id):
    page = signed_in.get(f"/dashboard/bots/{bot_id}/widget")
    assert page.status_code == 200 and b"Live preview" in page.data
    assert signed_in.post(f"/dashboard/bots/{bot_id}/widget", data=FORM).status_code == 302
    with app.app_context():
        widget = db.session.get(Bot, bot_id).widget
    assert widget == {
        "title": "Acme help",
        "accent_color": "#0ea5e9",
        "position": "left",
        "welcome_message": "Hello! Ask about orders.",
        "starter_questions": ["Where is my order?", "How do refunds work?"],
        "avatar_url": "https://cdn.example/avatar.png",
        "placeholder": "Type here",
        "labels": {"send": "Envoyer", "close": "Fermer"},
        "handoff": "unanswered",
        "lead_form": True,
    }
    with app.app_context():
        _, key = create_key(db.session.get(Bot, bot_id), "public", origins=["https://a.example"])
    served = client.get(
        "/v1/widget/config", headers={"x-api-key": key, "Origin": "https://a.example"}
    ).json
    assert served["title"] == "Acme help" and served["labels"]["send"] == "Envoyer"
    assert (served["handoff"], served["lead_form"]) == ("unanswered", True)
    again = signed_in.get(f"/dashboard/bots/{bot_id}/widget").data.decode()
    assert "send = Envoyer" in again and 'value="#0ea5e9"' in again


@pytest.mark.parametrize(
    "field, value",
    [
        ("accent_color", "red"),
        ("accent_color", "#12345z"),
        ("avatar_url", "javascript:alert(1)"),
        ("avatar_url", "data:image/svg+xml,<svg onload=alert(1)>"),
        ("starter_questions", "\n".join(f"Q{i}" for i in range(7))),
        ("labels", "no equals sign"),
    ],
)
def test_appearance_refuses_bad_values(app, signed_in, bot_id, field, value):
    response = signed_in.post(f"/dashboard/bots/{bot_id}/widget", data={**FORM, field: value})
    assert response.status_code == 400 and b'class="error"' in response.data
    with app.app_context():
        assert db.session.get(Bot, bot_id).widget == {}


def preview_token(client, bot_id, **query) -> str:
    """Open the preview and return the credential it gives the widget."""
    html = client.get(f"/dashboard/bots/{bot_id}/widget/preview", query_string=query).data
    match = re.search(r'<script src="/widget.js" data-key="(pv_[\w.-]+)"', html.decode())
    assert match, html
    return match.group(1)


def test_preview_embeds_the_real_widget_with_an_owner_bound_token(app, signed_in, bot_id):
    response = signed_in.get(
        f"/dashboard/bots/{bot_id}/widget/preview",
        query_string={**FORM, "mode": "inline"},
    )
    html = response.data.decode()
    assert response.status_code == 200
    assert re.search(r'<script src="/widget.js" data-key="pv_[\w.-]+"', html)
    assert "pk_" not in html
    assert 'data-title="Acme help"' in html and 'data-position="left"' in html
    assert 'data-mode="inline"' in html and 'data-target="#docent-preview"' in html
    questions = re.search(r'data-starter-questions="([^"]+)"', html).group(1)
    assert json.loads(questions.replace("&#34;", '"')) == [
        "Where is my order?",
        "How do refunds work?",
    ]
    token = preview_token(signed_in, bot_id)
    # No key is created for the preview: nothing another page could find.
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(ApiKey)).scalar() == 0
    # The token works for its owner's session from the dashboard's own origin.
    ok = signed_in.get(
        "/v1/widget/config", headers={"x-api-key": token, "Origin": "http://localhost"}
    )
    assert ok.status_code == 200
    answer = signed_in.post(
        "/v1/chat",
        json={"sessionId": "preview-1", "message": "How long does shipping take?"},
        headers={"Authorization": f"Bearer {token}", "Origin": "http://localhost"},
    )
    assert answer.status_code == 200 and answer.json["answer"]
    with app.app_context():
        conversation = db.session.execute(db.select(Conversation)).scalar_one()
        assert conversation.key_id is None and conversation.bot_id == bot_id
    listed = signed_in.get(f"/dashboard/bots/{bot_id}/conversations").data.decode()
    assert '<span class="badge">preview</span>' in listed


def test_the_preview_token_is_useless_to_anyone_else(app, client, signed_in, bot_id):
    token = preview_token(signed_in, bot_id)
    same = {"x-api-key": token, "Origin": "http://localhost"}
    # Another origin, even with the owner's cookie.
    for origin in ("https://evil.example", "http://localhost:5000", "null"):
        refused = signed_in.get("/v1/widget/config", headers={**same, "Origin": origin})
        assert (refused.status_code, refused.json["error"]["code"]) == (
            403,
            "origin_not_allowed",
        ), origin
    # The right origin without the owner's session, or with another owner's.
    anonymous = app.test_client()
    refused = anonymous.get("/v1/widget/config", headers=same)
    assert (refused.status_code, refused.json["error"]["code"]) == (401, "invalid_api_key")
    support.make_owner(app, "other@example.com")
    other = app.test_client()
    assert support.sign_in(other, "other@example.com").status_code == 302
    refused = other.get("/v1/widget/config", headers=same)
    assert (refused.status_code, refused.json["error"]["code"]) == (401, "invalid_api_key")
    # A tampered or forged token, or one for a bot the owner no longer has.
    for forged in (token[:-2] + "xx", "pv_e30.x", "pv_"):
        refused = signed_in.get("/v1/widget/config", headers={**same, "x-api-key": forged})
        assert (refused.status_code, refused.json["error"]["code"]) == (401, "invalid_api_key")
    # Only the chat scope: no sessions listing, documents or usage.
    for path in ("/api/v1/sessions", "/api/v1/documents", "/api/v1/usage"):
        refused = signed_in.get(path, headers=same)
        assert (refused.status_code, refused.json["error"]["code"]) == (
            403,
            "scope_not_allowed",
        ), path
    with app.app_context():
        bot = db.session.get(Bot, bot_id)
        bot.owner_id = support.make_owner(app, "new-owner@example.com")
        db.session.commit()
    refused = signed_in.get("/v1/widget/config", headers=same)
    assert (refused.status_code, refused.json["error"]["code"]) == (401, "invalid_api_key")


def test_the_preview_token_expires(app, signed_in, owner, bot_id):
    from services.preview import LIFETIME
    from services.preview import preview_token as issue

    with app.test_request_context():
        fresh = issue(owner, bot_id)
        stale = issue(owner, bot_id, now=time.time() - 2 * LIFETIME - 1)
    assert fresh == preview_token(signed_in, bot_id)  # stable within the hour
    headers = {"Origin": "http://localhost"}
    ok = signed_in.get("/v1/widget/config", headers={**headers, "x-api-key": fresh})
    assert ok.status_code == 200
    refused = signed_in.get("/v1/widget/config", headers={**headers, "x-api-key": stale})
    assert (refused.status_code, refused.json["error"]["code"]) == (401, "invalid_api_key")


def test_preview_attributes_are_escaped(signed_in, bot_id):
    html = signed_in.get(
        f"/dashboard/bots/{bot_id}/widget/preview",
        query_string={"title": '"><script>alert(1)</script>', "welcome_message": XSS},
    ).data.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert 'data-title="&#34;&gt;&lt;script&gt;' in html


def test_snippet_uses_the_newest_public_key(app, signed_in, bot_id):
    page = signed_in.get(f"/dashboard/bots/{bot_id}/widget").data.decode()
    assert "Create a public key" in page and 'data-key="pk_…"' in page.replace("&#34;", '"')
    with app.app_context():
        _, text = create_key(db.session.get(Bot, bot_id), "public", origins=["https://a.example"])
    page = signed_in.get(f"/dashboard/bots/{bot_id}/widget").data.decode()
    assert (
        f"&lt;script src=&#34;http://localhost/widget.js&#34; data-key=&#34;{text}&#34; async"
        in page
    )
    assert "data-copy" in page


def test_widget_settings_are_escaped_in_the_dashboard(app, signed_in, bot_id):
    with app.app_context():
        bot = db.session.get(Bot, bot_id)
        bot.widget = {
            "title": XSS,
            "welcome_message": XSS,
            "accent_color": "red;background:url(https://evil.example/x)",
            "starter_questions": [XSS],
            "labels": {"send": XSS},
        }
        db.session.commit()
    for path in ("/dashboard", f"/dashboard/bots/{bot_id}/widget"):
        html = signed_in.get(path).data.decode()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert not re.search(r'style="[^"]*evil', html)  # the colour never reaches CSS


def test_same_origin_preview_requests_are_checked_as_this_server(app, client, signed_in, bot_id):
    """Browsers leave Origin off same-origin GETs; Sec-Fetch-Site stands in for it."""
    token = preview_token(signed_in, bot_id)
    with app.app_context():
        _, own_key = create_key(db.session.get(Bot, bot_id), "public", origins=["http://localhost"])
    for text in (token, own_key):
        same = signed_in.get(
            "/v1/widget/config", headers={"x-api-key": text, "Sec-Fetch-Site": "same-origin"}
        )
        assert same.status_code == 200
        for site in ("cross-site", "same-site", "none"):
            other = signed_in.get(
                "/v1/widget/config", headers={"x-api-key": text, "Sec-Fetch-Site": site}
            )
            assert other.status_code == 403
    with app.app_context():
        _, site_key = create_key(
            db.session.get(Bot, bot_id), "public", origins=["https://a.example"]
        )
    refused = client.get(
        "/v1/widget/config", headers={"x-api-key": site_key, "Sec-Fetch-Site": "same-origin"}
    )
    assert refused.status_code == 403
