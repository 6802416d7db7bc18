"""Shared helpers for the dashboard tests: owners, signed-in clients and bots."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from models import Bot, Chunk, Document, User, db
from services.accounts import create_user
from services.bots import create_bot

PASSWORD = "correct horse battery"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def make_owner(app: Flask, email: str = "owner@example.com") -> int:
    """Store an owner and return their id."""
    with app.app_context():
        return create_user(email, PASSWORD).id


def sign_in(client: FlaskClient, email: str = "owner@example.com", password: str = PASSWORD) -> Any:
    """Sign a test client in through the real form."""
    return client.post("/dashboard/login", data={"email": email, "password": password})


def owned_bot(
    app: Flask,
    owner_id: int,
    name: str = "Help bot",
    docs: list[tuple[str, str]] | None = None,
    **fields: Any,
) -> int:
    """Store a bot for an owner, with (title, text) documents of one chunk each."""
    with app.app_context():
        bot = create_bot(name, db.session.get(User, owner_id))
        for field, value in fields.items():
            setattr(bot, field, value)
        for title, body in docs or []:
            document = Document(
                bot_id=bot.id, title=title, size_bytes=len(body), chunk_count=1, source="text"
            )
            db.session.add(document)
            db.session.flush()
            db.session.add(Chunk(document_id=document.id, bot_id=bot.id, title=title, content=body))
        db.session.commit()
        return bot.id


def csrf_from(html: str) -> str:
    """Return the CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def owner(app: Flask) -> int:
    return make_owner(app)


@pytest.fixture
def signed_in(app: Flask, client: FlaskClient, owner: int) -> FlaskClient:
    """A client signed in as `owner`."""
    assert sign_in(client).status_code == 302
    return client


@pytest.fixture
def bot_id(app: Flask, owner: int) -> int:
    return owned_bot(
        app,
        owner,
        docs=[
            (
                "Shipping policy",
                "Orders ship within two business days. International shipping "
                "takes seven to ten days.",
            ),
            ("Refunds", "Refunds are issued within fourteen days of receiving the returned item."),
        ],
    )


def get_bot(app: Flask, bot_id: int) -> Bot:
    with app.app_context():
        bot = db.session.get(Bot, bot_id)
        db.session.expunge(bot)
        return bot
