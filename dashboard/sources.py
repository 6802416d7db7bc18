"""Site sources: add a site by its sitemap or by crawling, watch progress, sync now."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import RadioField, URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from dashboard.access import owned_bot
from dashboard.blueprint import bp
from dashboard.forms import ButtonForm, web_url
from knowledge.errors import IngestError
from knowledge.sources import add_source, request_sync
from models import Bot, Source, db


class SourceForm(FlaskForm):
    kind = RadioField(
        "How to find the pages",
        choices=[
            SelectChoice("sitemap", "From its sitemap.xml"),
            SelectChoice("crawl", "By following links from this page"),
        ],
        default="sitemap",
    )
    url = URLField("Address", validators=[DataRequired(), Length(max=2000), web_url])


def _page(bot: Bot, form: SourceForm, status: int = 200) -> Any:
    rows = db.session.scalars(db.select(Source).where(Source.bot_id == bot.id).order_by(Source.id))
    return render_template(
        "dashboard/sources.html", bot=bot, form=form, sources=list(rows), button=ButtonForm()
    ), status


@bp.get("/dashboard/bots/<int:bot_id>/sources")
def sources(bot_id: int) -> Any:
    """List the bot's sites with their progress and what the last sync did."""
    return _page(owned_bot(bot_id), SourceForm())


@bp.post("/dashboard/bots/<int:bot_id>/sources")
def new_source(bot_id: int) -> Any:
    """Add a site; its first sync is queued at once."""
    bot = owned_bot(bot_id)
    form = SourceForm()
    if not form.validate_on_submit():
        return _page(bot, form, 400)
    try:
        add_source(bot.id, form.kind.data or "sitemap", form.url.data or "")
    except IngestError as exc:
        form.url.errors = [str(exc)]
        return _page(bot, form, 400)
    flash("Site added. Its pages are being imported.", "success")
    return redirect(url_for("dashboard.sources", bot_id=bot.id))


@bp.post("/dashboard/bots/<int:bot_id>/sources/<int:source_id>/sync")
def sync_now(bot_id: int, source_id: int) -> Response:
    """Queue a sync of one site now."""
    bot = owned_bot(bot_id)
    source = db.session.get(Source, source_id)
    if source is None or source.bot_id != bot.id:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    request_sync(source)
    flash("Sync queued.", "success")
    return redirect(url_for("dashboard.sources", bot_id=bot.id))
