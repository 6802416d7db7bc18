"""Conversations: list, search, dates, transcript, delete, export; visitor text escaped."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pytest

from models import Conversation, Feedback, Message, UsageDaily, db
from tests import test_dashboard_support as support
from tests.test_dashboard_support import XSS

# Shared fixtures.
bot_id = support.bot_id
owner = support.owner
signed_in = support.signed_in


def ask_widget(client, key: str, session: str, message: str) -> dict:
    response = client.post(
        "/v1/chat",
        json={"sessionId": session, "message": message},
        headers={"x-api-key": key, "Origin": "https://shop.example"},
    )
    assert response.status_code == 200, response.data
    return response.json


def test_empty_state(signed_in, bot_id):
    page = signed_in.get(f"/dashboard/bots/{bot_id}/conversations")
    assert b"No conversations yet" in page.data and b"export" not in page.data.lower()


def test_list_search_transcript_and_feedback(app, client, signed_in, bot_id, make_key):
    key = make_key(bot_id, "public", origins=["https://shop.example"])
    answer = ask_widget(client, key, "visitor-a", "How long does shipping take?")
    ask_widget(client, key, "visitor-b", "When are refunds issued?")
    client.post(
        f"/v1/messages/{answer['message_id']}/feedback",
        json={"rating": "down", "comment": "Too vague"},
        headers={"x-api-key": key, "Origin": "https://shop.example"},
    )
    page = signed_in.get(f"/dashboard/bots/{bot_id}/conversations").data.decode()
    assert "How long does shipping take?" in page and "When are refunds issued?" in page
    found = signed_in.get(
        f"/dashboard/bots/{bot_id}/conversations", query_string={"q": "international"}
    ).data.decode()
    assert "How long does shipping take?" in found and "When are refunds" not in found
    nothing = signed_in.get(
        f"/dashboard/bots/{bot_id}/conversations", query_string={"q": "100%_"}
    ).data.decode()
    assert "No conversation matches" in nothing
    with app.app_context():
        conversation_id = db.session.execute(
            db.select(Conversation.id).where(Conversation.session_id == "visitor-a")
        ).scalar_one()
    transcript = signed_in.get(
        f"/dashboard/bots/{bot_id}/conversations/{conversation_id}"
    ).data.decode()
    assert "two business days" in transcript and "Shipping policy" in transcript
    assert "complete" in transcript and "Not helpful" in transcript and "Too vague" in transcript
    assert (
        'href="https://shop.example/shipping-policy"' not in transcript or "noopener" in transcript
    )


def test_date_filter(app, signed_in, bot_id):
    with app.app_context():
        for session, day in (("old", datetime(2024, 1, 10, 12)), ("new", datetime(2024, 3, 5, 9))):
            db.session.add(
                Conversation(
                    bot_id=bot_id, session_id=session, name=f"{session} question", last_at=day
                )
            )
        db.session.commit()
    url = f"/dashboard/bots/{bot_id}/conversations"
    march = signed_in.get(url, query_string={"start": "2024-03-01", "end": "2024-03-05"}).data
    assert b"new question" in march and b"old question" not in march
    january = signed_in.get(url, query_string={"end": "2024-01-10"}).data
    assert b"old question" in january and b"new question" not in january
    junk = signed_in.get(url, query_string={"start": "yesterday"})
    assert junk.status_code == 200 and b"old question" in junk.data


def seed_hostile(app, bot: int) -> int:
    with app.app_context():
        conversation = Conversation(bot_id=bot, session_id="hostile", name=XSS, preview=XSS)
        db.session.add(conversation)
        db.session.flush()
        db.session.add(Message(conversation_id=conversation.id, role="user", content=XSS, seq=1))
        answer = Message(
            conversation_id=conversation.id,
            role="assistant",
            seq=2,
            content=f"Sure! [click](javascript:alert(1)) {XSS}",
            status="failed",
            error={"code": "upstream_error", "message": XSS},
            sources=[
                {"title": XSS, "url": "javascript:alert(1)", "snippet": XSS, "score": 1},
                {"title": "Good", "url": "JaVaScRiPt:alert(2)", "snippet": "", "score": 1},
            ],
        )
        db.session.add(answer)
        db.session.flush()
        db.session.add(Feedback(message_id=answer.id, rating="up", comment=XSS))
        db.session.commit()
        return conversation.id


def test_visitor_text_and_model_output_are_escaped(app, signed_in, bot_id):
    conversation_id = seed_hostile(app, bot_id)
    for path in (
        f"/dashboard/bots/{bot_id}",
        f"/dashboard/bots/{bot_id}/conversations",
        f"/dashboard/bots/{bot_id}/conversations/{conversation_id}",
    ):
        html = signed_in.get(path).data.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;" in html
        assert 'href="javascript' not in html.lower(), path


def test_delete_conversation_keeps_usage(app, client, signed_in, bot_id, make_key):
    key = make_key(bot_id, "public", origins=["https://shop.example"])
    ask_widget(client, key, "visitor-a", "How long does shipping take?")
    with app.app_context():
        conversation_id = db.session.execute(db.select(Conversation.id)).scalar_one()
    response = signed_in.post(f"/dashboard/bots/{bot_id}/conversations/{conversation_id}/delete")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.execute(db.select(Message)).first() is None
        assert db.session.execute(db.select(UsageDaily)).scalar_one().requests == 1
    assert (
        signed_in.get(f"/dashboard/bots/{bot_id}/conversations/{conversation_id}").status_code
        == 404
    )


def test_export_json_and_csv(app, client, signed_in, bot_id, make_key):
    key = make_key(bot_id, "public", origins=["https://shop.example"])
    ask_widget(client, key, "visitor-a", "How long does shipping take?")
    seed_hostile(app, bot_id)
    with app.app_context():
        db.session.add(Conversation(bot_id=bot_id, session_id="formula", name="=HYPERLINK(1)"))
        db.session.commit()
    exported = signed_in.get(f"/dashboard/bots/{bot_id}/conversations/export.json")
    assert exported.mimetype == "application/json"
    assert "attachment" in exported.headers["Content-Disposition"]
    data = json.loads(exported.data)
    sessions = {c["session_id"]: c for c in data["conversations"]}
    assert set(sessions) == {"visitor-a", "hostile", "formula"}
    answer = sessions["visitor-a"]["messages"][1]
    assert answer["role"] == "assistant" and "seven to ten days" in answer["content"]
    assert answer["sources"] and answer["status"] == "complete" and answer["answered"] is True
    filtered = json.loads(
        signed_in.get(
            f"/dashboard/bots/{bot_id}/conversations/export.json", query_string={"q": "shipping"}
        ).data
    )
    assert [c["session_id"] for c in filtered["conversations"]] == ["visitor-a"]
    rows = list(
        csv.DictReader(
            io.StringIO(
                signed_in.get(f"/dashboard/bots/{bot_id}/conversations/export.csv").data.decode()
            )
        )
    )
    assert {r["session_id"] for r in rows} == {"visitor-a", "hostile"}
    assert any(r["role"] == "user" and r["content"] == "How long does shipping take?" for r in rows)
    assert any(r["feedback"] == "up" for r in rows)
    assert any(r["role"] == "assistant" and r["answered"] == "true" for r in rows)
    assert all(r["answered"] == "" for r in rows if r["role"] == "user")
    assert all(not r["conversation"].startswith("=") for r in rows)


def test_csv_cells_cannot_become_formulas(app, signed_in, bot_id):
    with app.app_context():
        conversation = Conversation(bot_id=bot_id, session_id="f", name="=cmd|' /C calc'!A0")
        db.session.add(conversation)
        db.session.flush()
        db.session.add(Message(conversation_id=conversation.id, role="user", content="+1+2"))
        db.session.commit()
    text = signed_in.get(f"/dashboard/bots/{bot_id}/conversations/export.csv").data.decode()
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["conversation"].startswith("'=") and row["content"] == "'+1+2"


@pytest.mark.parametrize(
    "start",
    ["=", "+", "-", "@", "\t", "\r", ";", " =", "\uff1d", "\uff0b", "\uff0d", "\uff20"],
)
def test_csv_neutralises_every_formula_start(app, signed_in, bot_id, start):
    with app.app_context():
        conversation = Conversation(bot_id=bot_id, session_id="f", name=start + "SUM(A1)")
        db.session.add(conversation)
        db.session.flush()
        db.session.add(Message(conversation_id=conversation.id, role="user", content=start + "1"))
        db.session.commit()
    text = signed_in.get(f"/dashboard/bots/{bot_id}/conversations/export.csv").data.decode()
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["conversation"] == "'" + start + "SUM(A1)"
    assert row["content"] == "'" + start + "1"
