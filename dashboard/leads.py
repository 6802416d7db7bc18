"""Leads and hand-off requests visitors sent from the widget."""

from __future__ import annotations

from flask import render_template

from dashboard.access import owned_bot
from dashboard.blueprint import bp
from models import Conversation, db
from services.leads import bot_leads


@bp.get("/dashboard/bots/<int:bot_id>/leads")
def leads(bot_id: int) -> str:
    """List the bot's leads and hand-off requests, newest first, with their conversations."""
    bot = owned_bot(bot_id)
    rows = bot_leads(bot.id)
    ids = {lead.conversation_id for lead in rows if lead.conversation_id}
    found = db.session.scalars(db.select(Conversation).where(Conversation.id.in_(ids)))
    conversations = {c.id: c for c in found} if ids else {}
    return render_template("dashboard/leads.html", bot=bot, rows=rows, conversations=conversations)
