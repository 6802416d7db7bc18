"""Widget appearance, its live preview (the real widget) and the embed snippet."""

from __future__ import annotations

import json
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from dashboard.access import owned_bot
from dashboard.blueprint import bp
from dashboard.bots import PREVIEW_KEY_NAME
from dashboard.forms import AppearanceForm
from models import ApiKey, Bot, db
from services.preview import preview_token
from services.widgets import widget_settings

# The widget's own label names, with its English defaults, for the form's hint.
LABEL_NAMES = (
    "open",
    "close",
    "send",
    "stop",
    "retry",
    "copy",
    "copied",
    "reset",
    "sources",
    "up",
    "down",
    "thanks",
    "typing",
    "stopped",
    "input",
    "error",
    "network",
    "rate",
    "why",
    "ask",
    "handoff",
    "lead",
    "name",
    "email",
    "sent",
)
# The widget's languages, for the preview's language picker.
LANGUAGES = (
    ("en", "English"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("nl", "Nederlands"),
    ("pt", "Português"),
    ("it", "Italiano"),
    ("ja", "日本語"),
)
# Preview query parameter -> the widget's data-* attribute.
PREVIEW_ATTRIBUTES = {
    "title": "data-title",
    "accent_color": "data-accent-color",
    "position": "data-position",
    "welcome_message": "data-welcome-message",
    "avatar_url": "data-avatar-url",
    "placeholder": "data-placeholder",
    "lang": "data-lang",
}


def parse_labels(text: str) -> dict[str, str]:
    """Return `name = text` lines as a dict, skipping blank lines."""
    labels: dict[str, str] = {}
    for line in text.splitlines():
        name, _, value = line.partition("=")
        if name.strip() and value.strip():
            labels[name.strip()[:40]] = value.strip()[:200]
    return labels


def parse_questions(text: str) -> list[str]:
    """Return the non-blank lines, at most six."""
    return [line.strip() for line in text.splitlines() if line.strip()][:6]


def embed_base() -> str:
    """Return the origin the widget script is served from, as the browser sees it."""
    return request.host_url.rstrip("/")


def site_key(bot: Bot) -> ApiKey | None:
    """Return the newest working public key the owner made, for the snippet."""
    return (
        db.session.execute(
            db.select(ApiKey)
            .where(
                ApiKey.bot_id == bot.id,
                ApiKey.kind == "public",
                ApiKey.revoked_at.is_(None),
                ApiKey.name != PREVIEW_KEY_NAME,
            )
            .order_by(ApiKey.id.desc())
        )
        .scalars()
        .first()
    )


def snippet(key_text: str | None) -> str:
    """Return the one tag a site owner pastes into their pages."""
    return f'<script src="{embed_base()}/widget.js" data-key="{key_text or "pk_…"}" async></script>'


@bp.route("/dashboard/bots/<int:bot_id>/widget", methods=["GET", "POST"])
def appearance(bot_id: int) -> Any:
    """Edit how the widget looks, with the real widget previewed beside the form."""
    bot = owned_bot(bot_id)
    current = widget_settings(bot)
    form = AppearanceForm(
        data={
            **current,
            "title": (bot.widget or {}).get("title", ""),
            "starter_questions": "\n".join(current["starter_questions"]),
            "labels": "\n".join(f"{k} = {v}" for k, v in (current["labels"] or {}).items()),
        }
    )
    if form.validate_on_submit():
        bot.widget = {
            "title": (form.title.data or "").strip(),
            "accent_color": (form.accent_color.data or "").strip().lower(),
            "position": form.position.data if form.position.data in ("left", "right") else "right",
            "welcome_message": (form.welcome_message.data or "").strip(),
            "starter_questions": parse_questions(form.starter_questions.data or ""),
            "avatar_url": (form.avatar_url.data or "").strip(),
            "placeholder": (form.placeholder.data or "").strip(),
            "labels": parse_labels(form.labels.data or ""),
            "handoff": form.handoff.data
            if form.handoff.data in ("always", "unanswered")
            else "off",
            "lead_form": bool(form.lead_form.data),
        }
        db.session.commit()
        flash(
            "Widget appearance saved. Sites that embed it show the change on their next load.",
            "success",
        )
        return redirect(url_for("dashboard.appearance", bot_id=bot.id))
    key = site_key(bot)
    return render_template(
        "dashboard/appearance.html",
        bot=bot,
        form=form,
        key=key,
        snippet=snippet(key.public_text if key else None),
        label_names=LABEL_NAMES,
        languages=LANGUAGES,
    ), (400 if form.errors else 200)


@bp.get("/dashboard/bots/<int:bot_id>/widget/preview")
def preview(bot_id: int) -> str:
    """Render a stand-in host page with the real widget, the form's values as data-* options."""
    bot = owned_bot(bot_id)
    token = preview_token(current_user.id, bot.id)
    attributes: dict[str, str] = {}
    for name, attribute in PREVIEW_ATTRIBUTES.items():
        value = request.args.get(name)
        if value is not None:
            attributes[attribute] = value[:2000]
    if "starter_questions" in request.args:
        attributes["data-starter-questions"] = json.dumps(
            parse_questions(request.args["starter_questions"])
        )
    if "labels" in request.args:
        attributes["data-labels"] = json.dumps(parse_labels(request.args["labels"]))
    mode = "inline" if request.args.get("mode") == "inline" else "launcher"
    if mode == "inline":
        attributes.update({"data-mode": "inline", "data-target": "#docent-preview"})
    if request.args.get("theme") in ("light", "dark"):
        attributes["data-theme"] = request.args["theme"]
    return render_template(
        "dashboard/preview.html", bot=bot, token=token, attributes=attributes, mode=mode
    )


@bp.get("/dashboard/bots/<int:bot_id>/install")
def install(bot_id: int) -> Response:
    """Send the owner to the page with the embed snippet."""
    owned_bot(bot_id)
    return redirect(url_for("dashboard.appearance", bot_id=bot_id) + "#install")
