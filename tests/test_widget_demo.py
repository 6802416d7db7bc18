"""Demo host pages: only with DOCENT_DEMO, and only ever the seeded demo bot's key."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from app import create_app
from models import ApiKey, Bot, User, db, utcnow
from seed import DEMO_BOT, DEMO_EMAIL, DEMO_KEY_NAME
from services.accounts import create_user
from services.bots import create_bot
from services.keys import create_key
from tests import test_dashboard_support as support

LOCAL = "http://localhost:5000"


@pytest.fixture
def config(config: dict[str, Any]) -> dict[str, Any]:
    config["DEMO"] = True
    return config


def seed_demo_key(app: Flask) -> str:
    """Store what `flask seed` stores for the demo (owner, bot, key), without the documents."""
    with app.app_context():
        owner = create_user(DEMO_EMAIL, "docent-demo")
        bot = create_bot(DEMO_BOT, owner)
        _, text = create_key(bot, "public", origins=["http://localhost:*"], name=DEMO_KEY_NAME)
        return text


def embedded_keys(html: str) -> list[str]:
    return re.findall(r"pk_\w+", html)


@pytest.mark.parametrize("path", ["/demo/", "/demo/help", "/demo/static/demo.css"])
def test_no_demo_pages_without_docent_demo(config: dict[str, Any], path: str) -> None:
    config["DEMO"] = False
    client = create_app(config).test_client()
    response = client.get(path, base_url=LOCAL)
    response.close()
    assert response.status_code == 404
    assert response.json == {
        "success": False,
        "error": {"code": "not_found", "message": response.json["error"]["message"]},
    }


def test_docent_demo_from_the_environment(monkeypatch: Any, config: dict[str, Any]) -> None:
    del config["DEMO"]
    monkeypatch.setenv("DOCENT_DEMO", "1")
    assert create_app(config).config["DEMO"] is True
    monkeypatch.setenv("DOCENT_DEMO", "0")
    assert create_app(config).config["DEMO"] is False
    monkeypatch.setenv("DOCENT_DEMO", '"maybe"')
    with pytest.raises(ValueError, match="DOCENT_DEMO must be 1"):
        create_app(config)


def test_demo_embeds_only_the_demo_bot_key_even_after_an_owner_previews(
    app: Flask, client: Any
) -> None:
    demo_key = seed_demo_key(app)
    # A tenant whose public key allows the demo page's origin, who opens the preview...
    owner = support.make_owner(app)
    bot_id = support.owned_bot(app, owner)
    with app.app_context():
        _, tenant_key = create_key(
            db.session.get(Bot, bot_id), "public", origins=["http://localhost:*"]
        )
    owner_client = app.test_client()
    support.sign_in(owner_client)
    for base in ("http://localhost", LOCAL):
        preview = owner_client.get(f"/dashboard/bots/{bot_id}/widget/preview", base_url=base)
        assert preview.status_code == 200
    # ...and a look-alike made by another tenant: same bot and key names, other owner.
    with app.app_context():
        mimic = create_bot(DEMO_BOT, db.session.get(User, owner))
        _, mimic_key = create_key(
            mimic, "public", origins=["http://localhost:*"], name=DEMO_KEY_NAME
        )
    for path in ("/demo/", "/demo/help"):
        html = client.get(path, base_url=LOCAL).get_data(as_text=True)
        assert embedded_keys(html) == [demo_key], path
        assert tenant_key not in html and mimic_key not in html
    with app.app_context():
        # Opening the preview stored no key at all.
        assert db.session.execute(db.select(db.func.count()).select_from(ApiKey)).scalar() == 3


def test_a_revoked_demo_key_is_not_replaced_by_another(app: Flask, client: Any) -> None:
    seed_demo_key(app)
    with app.app_context():
        key = db.session.execute(db.select(ApiKey)).scalar_one()
        _, other = create_key(key.bot, "public", origins=["http://localhost:*"], name="Other")
        key.revoked_at = utcnow()
        db.session.commit()
    html = client.get("/demo/", base_url=LOCAL).get_data(as_text=True)
    assert embedded_keys(html) == [] and "widget.js" not in html
    assert "The demo bot is not seeded yet" in html


def test_demo_on_api_host_redirects_to_another_origin(client: Any) -> None:
    response = client.get("/demo/", base_url="http://127.0.0.1:5000")
    assert response.status_code == 302
    assert response.headers["Location"] == "http://localhost:5000/demo/"


def test_demo_page_embeds_widget_from_the_api_origin(app: Flask, client: Any) -> None:
    key = seed_demo_key(app)
    response = client.get("/demo/?theme=dark&dir=rtl", base_url=LOCAL)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<script src="http://127.0.0.1:5000/widget.js" data-key="{key}"' in html
    assert 'data-theme="dark"' in html and 'data-dir="rtl"' in html
    csp = response.headers["Content-Security-Policy"]
    assert "script-src http://127.0.0.1:5000;" in csp
    assert "connect-src http://127.0.0.1:5000;" in csp
    assert "'unsafe-inline'" not in csp
    # The seeded key really works from the demo page's origin.
    config = client.get(
        "/v1/widget/config", headers={"Authorization": f"Bearer {key}", "Origin": LOCAL}
    )
    assert config.status_code == 200


def test_demo_help_page_is_inline(app: Flask, client: Any) -> None:
    seed_demo_key(app)
    html = client.get("/demo/help", base_url=LOCAL).get_data(as_text=True)
    assert 'data-mode="inline" data-target="#assistant"' in html
    assert 'id="assistant"' in html


def test_demo_ignores_unknown_options(app: Flask, client: Any) -> None:
    seed_demo_key(app)
    html = client.get('/demo/?theme="><script>', base_url=LOCAL).get_data(as_text=True)
    assert "data-theme" not in html
    assert '"><script>' not in html


def test_demo_without_a_seeded_bot_explains_what_to_do(client: Any) -> None:
    html = client.get("/demo/", base_url=LOCAL).get_data(as_text=True)
    assert "The demo bot is not seeded yet" in html and "flask seed" in html
    assert "widget.js" not in html


def test_demo_static_files_are_served(client: Any) -> None:
    response = client.get("/demo/static/demo.css", base_url=LOCAL)
    assert response.status_code == 200 and b"{" in response.data
    response.close()
