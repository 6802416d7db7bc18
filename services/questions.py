"""What visitors asked, paired with the answers they got: the owner's loop."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, or_
from sqlalchemy.orm import aliased, selectinload

from models import Conversation, Feedback, Message, db


@dataclass
class Asked:
    """One question and the answer it got."""

    answer: Message
    question: Message | None
    session_id: str
    conversation_id: int

    @property
    def rating(self) -> str | None:
        return self.answer.feedback.rating if self.answer.feedback else None

    @property
    def comment(self) -> str:
        return self.answer.feedback.comment if self.answer.feedback else ""

    @property
    def asked_at(self) -> datetime:
        return self.question.created_at if self.question else self.answer.created_at

    @property
    def text(self) -> str:
        return self.question.content if self.question else ""


@dataclass
class Group:
    """The same question asked one or more times, newest first."""

    key: str
    items: list[Asked] = field(default_factory=list)

    @property
    def question(self) -> str:
        """Return the wording asked most often (the newest among equals)."""
        texts = [a.text for a in self.items]
        return max(texts, key=texts.count)

    @property
    def last_asked(self) -> datetime:
        return self.items[0].asked_at

    @property
    def unanswered(self) -> int:
        return sum(1 for a in self.items if a.answer.answered is False)

    @property
    def rated_down(self) -> int:
        return sum(1 for a in self.items if a.rating == "down")

    @property
    def comments(self) -> list[str]:
        return [a.comment for a in self.items if a.comment]


def normalise(text: str) -> str:
    """Return a question's text for grouping: lower case, words only, single spaces."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def answers_query(bot_id: int, answered: bool | None, rating: str | None) -> Select[Any]:
    """Select the bot's answers with their session and question id, newest first.

    With both filters, an answer matches either: unanswered or rated down is one list.
    """
    asked = aliased(Message)
    question_id = (
        db.select(asked.id)
        .where(
            asked.conversation_id == Message.conversation_id,
            asked.role == "user",
            asked.seq < Message.seq,
        )
        .order_by(asked.seq.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = (
        db.select(Message, Conversation.session_id, Conversation.id, question_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .outerjoin(Feedback, Feedback.message_id == Message.id)
        .options(selectinload(Message.feedback))
        .where(Conversation.bot_id == bot_id, Message.role == "assistant")
    )
    conditions: list[ColumnElement[bool]] = []
    if answered is not None:
        conditions.append(Message.answered.is_(answered))
    if rating is not None:
        conditions.append(Feedback.rating == rating)
    if conditions:
        query = query.where(or_(*conditions))
    return query.order_by(Message.created_at.desc(), Message.seq.desc())


def asked(query: Select[Any], offset: int, limit: int) -> list[Asked]:
    """Run an answers query for one page and pair each answer with its question."""
    rows = db.session.execute(query.offset(offset).limit(limit)).all()
    ids = [r[3] for r in rows if r[3]]
    questions = {
        m.id: m for m in db.session.execute(db.select(Message).where(Message.id.in_(ids))).scalars()
    }
    return [
        Asked(answer=m, question=questions.get(qid), session_id=sid, conversation_id=cid)
        for m, sid, cid, qid in rows
    ]


def question_dict(item: Asked) -> dict[str, Any]:
    """Return a question as GET /api/v1/questions shows it."""
    return {
        "message_id": item.answer.id,
        "session_id": item.session_id,
        "question": item.text,
        "answer": item.answer.content,
        "answered": item.answer.answered,
        "rating": item.rating,
        "comment": item.comment,
        "asked_at": item.asked_at.isoformat() + "Z",
    }


def unanswered_groups(bot_id: int, most: int = 1000) -> list[Group]:
    """Group the latest unanswered or rated-down questions by normalised text, newest first."""
    groups: dict[str, Group] = {}
    for item in asked(answers_query(bot_id, False, "down"), 0, most):
        key = normalise(item.text)
        if key:
            groups.setdefault(key, Group(key)).items.append(item)
    return list(groups.values())
