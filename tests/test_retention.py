"""Retention: conversations older than a bot's limit go, with what hangs off them; nothing else."""
# ruff: noqa: F811  (dashboard fixtures are parameters here)

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from models import Bot, Conversation, Feedback, Lead, Message, UsageDaily, db, utcnow
from services.retention import purge_all, retention_purge
from tasks.registry import periodics
from tests.test_dashboard_support import bot_id, owner, signed_in  # noqa: F401  (fixtures)

NOW = datetime(2026, 6, 1, 12, 0, 0)


def conversation(bot_id: int, sid: str, last_at: datetime) -> int:
    """Store a conversation with a question, a rated answer and a lead."""
    row = Conversation(bot_id=bot_id, session_id=sid, last_at=last_at, created_at=last_at)
    db.session.add(row)
    db.session.flush()
    db.session.add(Message(conversation_id=row.id, role="user", content="Q", status="complete"))
    answer = Message(conversation_id=row.id, role="assistant", content="A", status="complete")
    answer.feedback = Feedback(rating="down", comment="meh")
    db.session.add(answer)
    db.session.add(
        Lead(bot_id=bot_id, session_id=sid, conversation_id=row.id, kind="lead", email="a@b.co")
    )
    return row.id


def state(app: Any) -> dict[str, Any]:
    with app.app_context():
        return {
            "conversations": sorted(db.session.scalars(db.select(Conversation.session_id))),
            "messages": db.session.scalar(db.select(db.func.count(Message.id))),
            "feedback": db.session.scalar(db.select(db.func.count(Feedback.id))),
            "leads": sorted(db.session.scalars(db.select(Lead.session_id))),
            "usage": db.session.scalar(db.select(db.func.count(UsageDaily.id))),
        }


def test_purge_removes_exactly_what_is_older_than_the_limit(app, make_bot):
    kept_bot, limited = make_bot(name="Keeps all"), make_bot(name="Thirty days")
    day = timedelta(days=1)
    with app.app_context():
        db.session.get(Bot, limited).retention_days = 30
        conversation(limited, "old", NOW - 30 * day - timedelta(seconds=1))
        conversation(limited, "edge", NOW - 30 * day + timedelta(seconds=1))
        conversation(limited, "new", NOW - day)
        conversation(kept_bot, "ancient", NOW - 3000 * day)
        # A lead sent before any question: it goes by its own age.
        db.session.add_all(
            [
                Lead(bot_id=limited, session_id="lonely-old", kind="handoff", email="x@y.co",
                     created_at=NOW - 31 * day),
                Lead(bot_id=limited, session_id="lonely-new", kind="handoff", email="x@y.co",
                     created_at=NOW - 29 * day),
                UsageDaily(bot_id=limited, key_id=0, model="m", day=(NOW - 60 * day).date(),
                           requests=1),
            ]
        )  # fmt: skip
        db.session.commit()
    before = state(app)
    assert before["conversations"] == ["ancient", "edge", "new", "old"]
    with app.app_context():
        assert purge_all(NOW) == 1
    after = state(app)
    assert after["conversations"] == ["ancient", "edge", "new"]
    assert after["messages"] == before["messages"] - 2
    assert after["feedback"] == before["feedback"] - 1
    assert after["leads"] == ["ancient", "edge", "lonely-new", "new"]
    assert after["usage"] == before["usage"] == 1
    with app.app_context():
        assert purge_all(NOW) == 0  # nothing more is old enough


def test_purge_is_a_periodic_task_and_a_command(app, make_bot, runner):
    assert periodics["retention_purge"].run is retention_purge
    bot = make_bot()
    with app.app_context():
        db.session.get(Bot, bot).retention_days = 1
        conversation(bot, "yesterday-and-more", utcnow() - timedelta(days=2))
        conversation(bot, "today", utcnow())
        db.session.commit()
    result = runner.invoke(args=["retention", "purge"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"conversations_deleted": 1}
    assert state(app)["conversations"] == ["today"]


SETTINGS = {"name": "Bot", "model": "offline", "temperature": "0.2", "max_tokens": "600"}


def test_settings_page_sets_the_limit_and_says_what_is_kept(app, signed_in, bot_id):
    url = f"/dashboard/bots/{bot_id}/settings"
    page = signed_in.get(url).get_data(as_text=True)
    assert "kept until you delete them" in page and "Usage totals" in page
    assert signed_in.post(url, data={**SETTINGS, "retention_days": "90"}).status_code == 302
    with app.app_context():
        assert db.session.get(Bot, bot_id).retention_days == 90
    assert "deleted 90 days after their last message" in signed_in.get(url).get_data(as_text=True)
    for bad in ("0", "-3", "soon", "4000"):
        response = signed_in.post(url, data={**SETTINGS, "retention_days": bad})
        assert response.status_code == 400
    assert signed_in.post(url, data={**SETTINGS, "retention_days": ""}).status_code == 302
    with app.app_context():
        assert db.session.get(Bot, bot_id).retention_days is None
