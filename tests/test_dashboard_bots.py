"""Bots: list, create, overview, settings, delete; ownership on every route; escaping."""

from __future__ import annotations

import pytest

from models import ApiKey, Bot, Chunk, Conversation, Document, Message, UsageDaily, db, utcnow
from services.keys import create_key
from tests import test_dashboard_support as support
from tests.test_dashboard_support import XSS, make_owner, owned_bot

# Shared fixtures.
bot_id = support.bot_id
owner = support.owner
signed_in = support.signed_in


def test_home_empty_state_then_create(app, signed_in):
    page = signed_in.get("/dashboard")
    assert b"Create your first bot" in page.data
    response = signed_in.post("/dashboard/bots", data={"name": "Acme Help"})
    assert response.status_code == 302
    with app.app_context():
        bot = db.session.execute(db.select(Bot)).scalar_one()
        assert bot.name == "Acme Help" and bot.owner.email == "owner@example.com"
    overview = signed_in.get(response.headers["Location"])
    assert b"Set up" in overview.data and b"0 of 4 done" in overview.data
    assert b"Acme Help" in signed_in.get("/dashboard").data


def test_create_refuses_a_blank_name(signed_in):
    response = signed_in.post("/dashboard/bots", data={"name": "   "})
    assert response.status_code == 400 and b"required" in response.data


def test_settings_are_saved(app, signed_in, bot_id):
    page = signed_in.get(f"/dashboard/bots/{bot_id}/settings")
    assert page.status_code == 200 and b"System prompt" in page.data
    response = signed_in.post(
        f"/dashboard/bots/{bot_id}/settings",
        data={
            "name": "Renamed",
            "prompt": "Be brief.",
            "model": "gpt-4o-mini",
            "temperature": "0.7",
            "max_tokens": "300",
            "fallback_message": "Ask our team at help@example.com.",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        bot = db.session.get(Bot, bot_id)
        assert (
            bot.name,
            bot.prompt,
            bot.model,
            bot.temperature,
            bot.max_tokens,
            bot.fallback_message,
        ) == ("Renamed", "Be brief.", "gpt-4o-mini", 0.7, 300, "Ask our team at help@example.com.")


@pytest.mark.parametrize(
    "field, value",
    [
        ("temperature", "3"),
        ("temperature", "hot"),
        ("max_tokens", "0"),
        ("model", ""),
        ("name", ""),
    ],
)
def test_settings_refuse_bad_values(app, signed_in, bot_id, field, value):
    form = {
        "name": "Bot",
        "prompt": "",
        "model": "offline",
        "temperature": "0.2",
        "max_tokens": "600",
        "fallback_message": "",
        field: value,
    }
    response = signed_in.post(f"/dashboard/bots/{bot_id}/settings", data=form)
    assert response.status_code == 400 and b'class="error"' in response.data
    with app.app_context():
        assert db.session.get(Bot, bot_id).name == "Help bot"


def test_delete_needs_the_name_and_removes_everything(app, signed_in, bot_id):
    with app.app_context():
        bot = db.session.get(Bot, bot_id)
        create_key(bot, "public", origins=["https://shop.example"])
        conversation = Conversation(bot_id=bot_id, session_id="s1", name="hi")
        db.session.add(conversation)
        db.session.flush()
        db.session.add(Message(conversation_id=conversation.id, role="user", content="hi"))
        db.session.add(
            UsageDaily(bot_id=bot_id, key_id=0, model="offline", day=utcnow().date(), requests=1)
        )
        db.session.commit()
    page = signed_in.get(f"/dashboard/bots/{bot_id}/delete")
    assert b"2 documents" in page.data and b"1 conversation " in page.data
    wrong = signed_in.post(f"/dashboard/bots/{bot_id}/delete", data={"confirm_name": "Help"})
    assert wrong.status_code == 400 and b"nothing was deleted" in wrong.data
    done = signed_in.post(f"/dashboard/bots/{bot_id}/delete", data={"confirm_name": "Help bot"})
    assert done.status_code == 302
    with app.app_context():
        for model in (Bot, Document, Chunk, ApiKey, Conversation, Message, UsageDaily):
            assert db.session.execute(db.select(model)).first() is None, model
        if db.engine.dialect.name == "sqlite":
            # SQLite's full-text index is a table of its own; PostgreSQL's lives in chunks.
            fts = db.session.execute(db.text("SELECT count(*) FROM chunks_fts")).scalar()
            assert fts == 0


# Every owner-only route, with the method and form it takes.
ROUTES = [
    ("get", "/dashboard/bots/{bot}"),
    ("get", "/dashboard/bots/{bot}/settings"),
    ("post", "/dashboard/bots/{bot}/settings"),
    ("get", "/dashboard/bots/{bot}/delete"),
    ("post", "/dashboard/bots/{bot}/delete"),
    ("get", "/dashboard/bots/{bot}/documents"),
    ("get", "/dashboard/bots/{bot}/documents/status"),
    ("post", "/dashboard/bots/{bot}/documents/upload"),
    ("post", "/dashboard/bots/{bot}/documents/text"),
    ("post", "/dashboard/bots/{bot}/documents/{document}/delete"),
    ("post", "/dashboard/bots/{bot}/ask"),
    ("get", "/dashboard/bots/{bot}/widget"),
    ("post", "/dashboard/bots/{bot}/widget"),
    ("get", "/dashboard/bots/{bot}/widget/preview"),
    ("get", "/dashboard/bots/{bot}/install"),
    ("get", "/dashboard/bots/{bot}/keys"),
    ("post", "/dashboard/bots/{bot}/keys"),
    ("post", "/dashboard/bots/{bot}/keys/{key}/revoke"),
    ("get", "/dashboard/bots/{bot}/conversations"),
    ("get", "/dashboard/bots/{bot}/conversations/{conversation}"),
    ("post", "/dashboard/bots/{bot}/conversations/{conversation}/delete"),
    ("get", "/dashboard/bots/{bot}/conversations/export.json"),
    ("get", "/dashboard/bots/{bot}/conversations/export.csv"),
    ("get", "/dashboard/bots/{bot}/usage"),
    ("get", "/dashboard/bots/{bot}/usage.json"),
]


@pytest.fixture
def victim(app):
    """Another owner's bot with a document, a key and a conversation."""
    other = make_owner(app, "victim@example.com")
    bot = owned_bot(app, other, "Victim bot", docs=[("Secret plans", "The launch is in May.")])
    with app.app_context():
        key, _ = create_key(db.session.get(Bot, bot), "public", origins=["https://v.example"])
        conversation = Conversation(bot_id=bot, session_id="victim-session", name="private")
        db.session.add(conversation)
        db.session.commit()
        document = db.session.execute(
            db.select(Document.id).where(Document.bot_id == bot)
        ).scalar_one()
        return {"bot": bot, "document": document, "key": key.id, "conversation": conversation.id}


@pytest.mark.parametrize("method, path", ROUTES)
def test_another_owners_ids_are_404(app, signed_in, bot_id, victim, method, path):
    url = path.format(**victim)
    response = getattr(signed_in, method)(
        url,
        data={
            "name": "pwned",
            "confirm_name": "Victim bot",
            "question": "launch?",
            "title": "x",
            "text": "x",
            "kind": "public",
            "origins": "https://a.example",
        },
    )
    assert response.status_code == 404, url
    assert b"Victim bot" not in response.data and b"Secret plans" not in response.data
    with app.app_context():
        bot = db.session.get(Bot, victim["bot"])
        assert bot is not None and bot.name == "Victim bot"
        assert db.session.get(ApiKey, victim["key"]).revoked_at is None
        assert db.session.get(Conversation, victim["conversation"]) is not None
        assert db.session.get(Document, victim["document"]) is not None


ROW_ROUTES = [
    (m, p) for m, p in ROUTES if "{document}" in p or "{key}" in p or "{conversation}" in p
]


@pytest.mark.parametrize("method, path", ROW_ROUTES)
def test_own_rows_under_another_bot_are_404(app, signed_in, bot_id, victim, method, path):
    """Mixing the owner's bot id with another bot's row ids still finds nothing."""
    url = path.format(**{**victim, "bot": bot_id})
    assert getattr(signed_in, method)(url).status_code == 404


def test_bot_settings_are_escaped(app, signed_in, owner):
    bot = owned_bot(app, owner, name=XSS, prompt=XSS, fallback_message=XSS)
    for path in (
        "/dashboard",
        f"/dashboard/bots/{bot}",
        f"/dashboard/bots/{bot}/settings",
        f"/dashboard/bots/{bot}/delete",
        f"/dashboard/bots/{bot}/documents",
        f"/dashboard/bots/{bot}/widget",
        f"/dashboard/bots/{bot}/keys",
        f"/dashboard/bots/{bot}/conversations",
        f"/dashboard/bots/{bot}/usage",
    ):
        html = signed_in.get(path).data.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;" in html, path


def test_settings_choose_the_documents_language(app, signed_in, bot_id):
    page = signed_in.get(f"/dashboard/bots/{bot_id}/settings")
    assert b"Documents&#39; language" in page.data or b"Documents' language" in page.data
    assert b'<option value="fr">Fran' in page.data
    form = {
        "name": "Bot",
        "prompt": "",
        "model": "offline",
        "temperature": "0.2",
        "max_tokens": "600",
        "fallback_message": "",
        "language": "de",
    }
    assert signed_in.post(f"/dashboard/bots/{bot_id}/settings", data=form).status_code == 302
    with app.app_context():
        assert db.session.get(Bot, bot_id).language == "de"
    form["language"] = "xx"
    response = signed_in.post(f"/dashboard/bots/{bot_id}/settings", data=form)
    assert response.status_code == 400 and b'class="error"' in response.data
    with app.app_context():
        assert db.session.get(Bot, bot_id).language == "de"
