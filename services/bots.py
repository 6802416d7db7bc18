"""Bots: create one with the deployment's default model."""

from __future__ import annotations

from flask import current_app

from knowledge.languages import LANGUAGES
from models import Bot, User, db


def create_bot(
    name: str,
    owner: User | None = None,
    prompt: str = "",
    model: str | None = None,
    language: str = "en",
) -> Bot:
    """Store a new bot; raise ValueError with what to fix."""
    name = name.strip()
    if not name or len(name) > 200:
        raise ValueError("A bot needs a name of 1–200 characters.")
    if language not in LANGUAGES:
        raise ValueError(f"Unknown language {language!r}; use one of {', '.join(LANGUAGES)}.")
    bot = Bot(
        name=name,
        owner=owner,
        prompt=prompt,
        model=model or current_app.config["MODEL"],
        language=language,
        widget={},
    )
    db.session.add(bot)
    db.session.commit()
    return bot
