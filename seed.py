"""Seed the demo owner, bot, documents and public key on first start."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import knowledge
from knowledge import passage_vectors
from models import ApiKey, Bot, User, db
from services.accounts import create_user, find_user
from services.bots import create_bot
from services.keys import create_key

DEMO_EMAIL = "demo@docent.local"
DEMO_PASSWORD = "docent-demo"
DEMO_BOT = "Docent Guide"
# The name of the demo bot's public key: the only key a demo page ever embeds.
DEMO_KEY_NAME = "Demo host page"
DOCS_DIR = Path(__file__).parent / "demo_docs"


def seed_demo(port: int | None = None) -> dict[str, Any]:
    """Create what is missing of the demo and return its logins and URLs."""
    port = port or int(os.environ.get("PORT", "5000"))
    owner = find_user(DEMO_EMAIL)
    if owner is None:
        owner = create_user(DEMO_EMAIL, DEMO_PASSWORD)
    bot = db.session.execute(
        db.select(Bot).where(Bot.owner_id == owner.id, Bot.name == DEMO_BOT)
    ).scalar_one_or_none()
    if bot is None:
        bot = create_bot(
            DEMO_BOT, owner, prompt="You are Docent's own guide. Be brief and friendly."
        )
        bot.widget = {
            "title": "Ask Docent",
            "welcome_message": "Hi! I answer questions about Docent from its documentation.",
            "starter_questions": [
                "How do I install the widget?",
                "What is a public key?",
                "How is cost counted?",
            ],
        }
        db.session.commit()
        for path in sorted(DOCS_DIR.glob("*.md")):
            knowledge.add_file(bot.id, path.name, path.read_bytes())
        # A few seconds for the demo's few chunks, rather than the worker's next minute.
        passage_vectors.fill(bot_id=bot.id)
    host_origin = f"http://localhost:{port}"
    key = demo_key()
    if key is None:
        # The demo host page is served from localhost on whatever PORT is used.
        key, _ = create_key(bot, "public", origins=["http://localhost:*"], name=DEMO_KEY_NAME)
    return {
        "dashboard": f"http://127.0.0.1:{port}/dashboard",
        "email": DEMO_EMAIL,
        "password": DEMO_PASSWORD,
        "demo_page": f"{host_origin}/demo/",
        "bot_id": bot.id,
        "public_key": key.public_text,
    }


def demo_key() -> ApiKey | None:
    """Return the seeded demo bot's live public key: the demo owner's demo bot, by name."""
    return (
        db.session.execute(
            db.select(ApiKey)
            .join(Bot, ApiKey.bot_id == Bot.id)
            .join(User, Bot.owner_id == User.id)
            .where(
                User.email == DEMO_EMAIL,
                Bot.name == DEMO_BOT,
                ApiKey.name == DEMO_KEY_NAME,
                ApiKey.kind == "public",
                ApiKey.revoked_at.is_(None),
            )
            .order_by(ApiKey.id)
        )
        .scalars()
        .first()
    )
