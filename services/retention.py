"""Retention: each bot's conversations older than its limit are deleted; usage stays."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

import tasks
from models import Bot, Conversation, Feedback, Lead, Message, db, utcnow


def delete_conversations(ids: list[int]) -> None:
    """Delete conversations with their messages, feedback and leads (usage rows stay)."""
    if not ids:
        return
    messages = select(Message.id).where(Message.conversation_id.in_(ids))
    for statement in (
        delete(Feedback).where(Feedback.message_id.in_(messages)),
        delete(Message).where(Message.conversation_id.in_(ids)),
        delete(Lead).where(Lead.conversation_id.in_(ids)),
        delete(Conversation).where(Conversation.id.in_(ids)),
    ):
        db.session.execute(statement, execution_options={"synchronize_session": False})


def purge_bot(bot: Bot, now: datetime | None = None) -> int:
    """Delete a bot's conversations and leads last active before its limit; return how many."""
    if not bot.retention_days:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=bot.retention_days)
    ids = list(
        db.session.scalars(
            select(Conversation.id).where(
                Conversation.bot_id == bot.id, Conversation.last_at < cutoff
            )
        )
    )
    delete_conversations(ids)
    # Leads sent before any question belong to no conversation: they go by their own age.
    db.session.execute(
        delete(Lead).where(
            Lead.bot_id == bot.id, Lead.conversation_id.is_(None), Lead.created_at < cutoff
        ),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    return len(ids)


def purge_all(now: datetime | None = None) -> int:
    """Apply every bot's retention limit; return how many conversations went."""
    bots = db.session.scalars(select(Bot).where(Bot.retention_days.is_not(None))).all()
    return sum(purge_bot(bot, now) for bot in bots)


@tasks.periodic("retention_purge", minute="17")
def retention_purge() -> None:
    """Hourly: delete what each bot keeps no longer."""
    purge_all()
