"""Widget appearance: settings, the live preview with the real widget, the embed snippet."""

from __future__ import annotations

import json
import re

import pytest

from api.keys import create_key
from models import ApiKey, Bot, db
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


def test_preview_embeds_the_real_widget_with_a_hidden_key(app, client, signed_in, bot_id):
    response = signed_in.get(
        f"/dashboard/bots/{bot_id}/widget/preview",
        query_string={**FORM, "mode": "inline"},
    )
    html = response.data.decode()
    assert response.status_code == 200
    assert re.search(r'<script src="/widget.js" data-key="pk_\w+"', html)
    assert 'data-title="Acme help"' in html and 'data-position="left"' in html
    assert 'data-mode="inline"' in html and 'data-target="#docent-preview"' in html
    questions = re.search(r'data-starter-questions="([^"]+)"', html).group(1)
    assert json.loads(questions.replace("&#34;", '"')) == [
        "Where is my order?",
        "How do refunds work?",
    ]
    with app.app_context():
        key = db.session.execute(db.select(ApiKey)).scalar_one()
        assert key.kind == "public" and key.origins == ["http://localhost"]
        text = key.public_text
    # The preview key really works from the dashboard's own origin, and only there.
    ok = client.get("/v1/widget/config", headers={"x-api-key": text, "Origin": "http://localhost"})
    assert ok.status_code == 200
    refused = client.get(
        "/v1/widget/config", headers={"x-api-key": text, "Origin": "https://evil.example"}
    )
    assert refused.status_code == 403
    # Reused, and hidden from the owner's key list.
    signed_in.get(f"/dashboard/bots/{bot_id}/widget/preview")
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(ApiKey)).scalar() == 1
    assert text.encode() not in signed_in.get(f"/dashboard/bots/{bot_id}/keys").data


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
    signed_in.get(f"/dashboard/bots/{bot_id}/widget/preview")
    with app.app_context():
        text = db.session.execute(db.select(ApiKey.public_text)).scalar_one()
    same = client.get(
        "/v1/widget/config", headers={"x-api-key": text, "Sec-Fetch-Site": "same-origin"}
    )
    assert same.status_code == 200
    for site in ("cross-site", "same-site", "none"):
        other = client.get("/v1/widget/config", headers={"x-api-key": text, "Sec-Fetch-Site": site})
        assert other.status_code == 403
    with app.app_context():
        _, site_key = create_key(
            db.session.get(Bot, bot_id), "public", origins=["https://a.example"]
        )
    refused = client.get(
        "/v1/widget/config", headers={"x-api-key": site_key, "Sec-Fetch-Site": "same-origin"}
    )
    assert refused.status_code == 403
