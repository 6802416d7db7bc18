"""Webhooks: add and delete endpoints, read each one's delivery log, redeliver, re-enable."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, make_response, redirect, render_template, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from dashboard.access import owned, owned_bot
from dashboard.blueprint import bp
from dashboard.forms import ButtonForm, MultiCheckboxField, web_url
from models import Bot, Webhook, WebhookDelivery, db
from services.webhooks import (
    EVENTS,
    WebhookError,
    bot_webhooks,
    create_webhook,
    delete_webhook,
    deliveries,
    enable_webhook,
    redeliver,
)


class WebhookForm(FlaskForm):
    url = URLField("Endpoint URL", validators=[DataRequired(), Length(max=2000), web_url])
    events = MultiCheckboxField(
        "Events",
        choices=[SelectChoice(name, name) for name in EVENTS],
        default=["conversation.created", "message.unanswered"],
    )


def _page(bot: Bot, form: WebhookForm, status: int = 200, **extra: Any) -> Any:
    hooks = bot_webhooks(bot.id)
    return render_template(
        "dashboard/webhooks.html",
        bot=bot,
        hooks=hooks,
        logs={hook.id: deliveries(hook.id, 20) for hook in hooks},
        events=EVENTS,
        form=form,
        button=ButtonForm(),
        **extra,
    ), status


def _hook(bot: Bot, webhook_id: int) -> Webhook:
    return owned(Webhook, webhook_id, bot)


@bp.get("/dashboard/bots/<int:bot_id>/webhooks")
def webhooks(bot_id: int) -> Any:
    """List the bot's webhooks with their delivery logs, and offer to add one."""
    return _page(owned_bot(bot_id), WebhookForm(formdata=None))


@bp.post("/dashboard/bots/<int:bot_id>/webhooks")
def new_webhook(bot_id: int) -> Any:
    """Add a webhook; its signing secret is shown on this response only."""
    bot = owned_bot(bot_id)
    form = WebhookForm()
    if not form.validate_on_submit():
        return _page(bot, form, 400)
    try:
        hook, secret = create_webhook(
            bot.id,
            form.url.data,
            form.events.data,
            allow_private=bool(current_app.config["ALLOW_PRIVATE_URLS"]),
        )
    except WebhookError as exc:
        (form.events if "event" in str(exc) else form.url).errors.append(str(exc))
        return _page(bot, form, 400)
    response = make_response(_page(bot, WebhookForm(formdata=None), created=hook, secret=secret))
    response.headers["Cache-Control"] = "no-store"
    return response


def _done(bot: Bot, message: str) -> Response:
    flash(message, "success")
    return redirect(url_for("dashboard.webhooks", bot_id=bot.id))


@bp.post("/dashboard/bots/<int:bot_id>/webhooks/<int:webhook_id>/delete")
def remove_webhook(bot_id: int, webhook_id: int) -> Response:
    """Delete a webhook and its log."""
    bot = owned_bot(bot_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    delete_webhook(_hook(bot, webhook_id))
    return _done(bot, "Webhook deleted.")


@bp.post("/dashboard/bots/<int:bot_id>/webhooks/<int:webhook_id>/enable")
def reenable_webhook(bot_id: int, webhook_id: int) -> Response:
    """Turn a disabled webhook back on; its pending deliveries resume."""
    bot = owned_bot(bot_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    enable_webhook(_hook(bot, webhook_id))
    return _done(bot, "Webhook enabled again.")


@bp.post("/dashboard/bots/<int:bot_id>/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>")
def redeliver_event(bot_id: int, webhook_id: int, delivery_id: int) -> Response:
    """Queue one delivery again, now."""
    bot = owned_bot(bot_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    hook = _hook(bot, webhook_id)
    delivery = db.session.execute(
        db.select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.webhook_id == hook.id
        )
    ).scalar_one_or_none()
    if delivery is None:
        abort(404)
    redeliver(delivery)
    return _done(bot, "Delivery queued again.")
