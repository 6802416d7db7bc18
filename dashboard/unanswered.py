"""Unanswered: what visitors asked that went unanswered or was rated down, grouped by question."""

from __future__ import annotations

from flask import render_template

from dashboard.access import owned_bot
from dashboard.blueprint import bp
from services.answers import curated_questions
from services.questions import unanswered_groups

# Enough recent answers to see what recurs, few enough for one page.
RECENT = 1000


@bp.get("/dashboard/bots/<int:bot_id>/unanswered")
def unanswered(bot_id: int) -> str:
    """List the recent questions that need an answer, most recently asked first."""
    bot = owned_bot(bot_id)
    return render_template(
        "dashboard/unanswered.html",
        bot=bot,
        groups=unanswered_groups(bot.id, RECENT),
        curated=curated_questions(bot.id),
    )
