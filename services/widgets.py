"""A bot's public widget settings, with their defaults."""

from __future__ import annotations

from typing import Any

from models import Bot

WIDGET_DEFAULTS: dict[str, Any] = {
    "title": "",
    "accent_color": "#4f46e5",
    "position": "right",
    "welcome_message": "Hi! Ask me anything about this site.",
    "starter_questions": [],
    "avatar_url": "",
    "placeholder": "",  # empty: the widget says "Ask a question…" in its language
    "labels": {},
    # "Talk to a person": off, always, or once an answer went unanswered; the lead form.
    "handoff": "off",
    "lead_form": False,
}


def widget_settings(bot: Bot) -> dict[str, Any]:
    """Return the bot's public widget settings with defaults filled in."""
    settings = {
        **WIDGET_DEFAULTS,
        **{k: v for k, v in (bot.widget or {}).items() if k in WIDGET_DEFAULTS},
    }
    settings["title"] = settings["title"] or bot.name
    settings["bot_name"] = bot.name
    return settings
