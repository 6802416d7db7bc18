"""Bots: the list, creating one, its overview, its settings and deleting it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import delete, func
from werkzeug.wrappers import Response

from dashboard.access import owned_bot, owner_bots
from dashboard.blueprint import bp
from dashboard.forms import BotCreateForm, BotDeleteForm, BotSettingsForm
from models import ApiKey, Bot, Chunk, Conversation, Document, User, db, utcnow
from services.bots import create_bot


def bot_counts(bot: Bot) -> dict[str, int]:
    """Return the numbers the overview and the bot list show."""

    def count(model: Any, *where: Any) -> int:
        return db.session.execute(
            db.select(func.count()).select_from(model).where(model.bot_id == bot.id, *where)
        ).scalar_one()

    week_ago = utcnow() - timedelta(days=7)
    return {
        "documents": count(Document),
        "ready": count(Document, Document.status == "ready"),
        "keys": count(ApiKey, ApiKey.revoked_at.is_(None), ApiKey.name != PREVIEW_KEY_NAME),
        "conversations": count(Conversation),
        "week": count(Conversation, Conversation.last_at >= week_ago),
    }


# The hidden key the live preview uses; never listed with the owner's keys.
PREVIEW_KEY_NAME = "__dashboard_preview__"


@bp.get("/dashboard", strict_slashes=False)
def home() -> str:
    """List the owner's bots, or say how to make the first one."""
    bots = owner_bots()
    return render_template(
        "dashboard/home.html",
        bots=bots,
        counts={b.id: bot_counts(b) for b in bots},
        form=BotCreateForm(),
    )


@bp.post("/dashboard/bots")
def new_bot() -> str | Response | tuple[str, int]:
    """Create a bot and open its setup checklist."""
    form = BotCreateForm()
    if form.validate_on_submit():
        owner = db.session.get(User, current_user.id)
        try:
            bot = create_bot(form.name.data or "", owner)
        except ValueError as exc:
            form.name.errors.append(str(exc))
        else:
            flash(f"Created “{bot.name}”. Next: give it some documents.", "success")
            return redirect(url_for("dashboard.overview", bot_id=bot.id))
    bots = owner_bots()
    return render_template(
        "dashboard/home.html", bots=bots, form=form, counts={b.id: bot_counts(b) for b in bots}
    ), 400


@bp.get("/dashboard/bots/<int:bot_id>")
def overview(bot_id: int) -> str:
    """Show the setup checklist and the bot's recent numbers."""
    bot = owned_bot(bot_id)
    counts = bot_counts(bot)
    recent = (
        db.session.execute(
            db.select(Conversation)
            .where(Conversation.bot_id == bot.id)
            .order_by(Conversation.last_at.desc())
            .limit(5)
        )
        .scalars()
        .all()
    )
    return render_template(
        "dashboard/overview.html",
        bot=bot,
        counts=counts,
        recent=recent,
        offline=not current_app.config.get("OPENAI_API_KEY"),
    )


@bp.route("/dashboard/bots/<int:bot_id>/settings", methods=["GET", "POST"])
def settings(bot_id: int) -> str | Response | tuple[str, int]:
    """Edit the name, prompt, model, temperature, answer length, fallback and language."""
    bot = owned_bot(bot_id)
    form = BotSettingsForm(obj=bot)
    if form.validate_on_submit():
        bot.name = (form.name.data or "").strip() or bot.name
        bot.prompt = form.prompt.data or ""
        bot.model = (form.model.data or "").strip()
        bot.temperature = float(form.temperature.data or Decimal(0))
        bot.max_tokens = int(form.max_tokens.data or 600)
        bot.fallback_message = form.fallback_message.data or ""
        bot.language = form.language.data or "en"
        bot.retention_days = form.retention_days.data or None
        db.session.commit()
        flash("Settings saved.", "success")
        return redirect(url_for("dashboard.settings", bot_id=bot.id))
    if not form.is_submitted():
        form.temperature.data = Decimal(str(bot.temperature))
    models = sorted(current_app.config["PRICE_TABLE"])
    status = 400 if form.errors else 200
    return render_template(
        "dashboard/settings.html",
        bot=bot,
        form=form,
        models=models,
        offline=not current_app.config.get("OPENAI_API_KEY"),
    ), status


@bp.route("/dashboard/bots/<int:bot_id>/delete", methods=["GET", "POST"])
def delete_bot(bot_id: int) -> str | Response | tuple[str, int]:
    """Delete a bot and everything it holds, after the owner types its name."""
    bot = owned_bot(bot_id)
    form = BotDeleteForm()
    if form.validate_on_submit():
        if (form.confirm_name.data or "").strip() != bot.name.strip():
            form.confirm_name.errors.append("That is not the bot's name; nothing was deleted.")
        else:
            name = bot.name
            # Chunks first, by bot, so the full-text index forgets them in the same commit.
            db.session.execute(
                delete(Chunk).where(Chunk.bot_id == bot.id),
                execution_options={"synchronize_session": False},
            )
            db.session.delete(bot)
            db.session.commit()
            flash(f"Deleted “{name}” with its documents, keys, conversations and usage.", "success")
            return redirect(url_for("dashboard.home"))
    counts = bot_counts(bot)
    return render_template("dashboard/delete_bot.html", bot=bot, form=form, counts=counts), (
        400 if form.errors else 200
    )
