"""Unanswered page and curated answers in the dashboard: grouping, forms, CSRF, escaping."""

from __future__ import annotations

import re

from models import Document, Message, db
from services.questions import Asked, Group, normalise
from tests import test_dashboard_support as support
from tests.test_dashboard_support import XSS

bot_id = support.bot_id
owner = support.owner
signed_in = support.signed_in
SITE = {"Origin": "https://shop.example"}


def ask(client, key, session, message):
    reply = client.post(
        "/v1/chat",
        json={"sessionId": session, "message": message},
        headers={"x-api-key": key, **SITE},
    )
    assert reply.status_code == 200, reply.json
    return reply.json


def test_normalise_groups_spelling_variants():
    assert normalise("  Do you ship to the MOON?? ") == normalise("do you ship to the moon")
    assert normalise("Où est-ce?") == "où est ce"


def test_a_group_shows_its_most_asked_wording():
    def asked(text):
        question = Message(role="user", content=text)
        return Asked(Message(role="assistant"), question, "s", 1)

    newest_first = ["do you ship", "Do you ship?", "DO YOU SHIP", "Do you ship?"]
    assert Group("do you ship", [asked(t) for t in newest_first]).question == "Do you ship?"
    assert Group("do you ship", [asked(t) for t in newest_first[:3]]).question == "do you ship"


def test_empty_state(signed_in, bot_id):
    page = signed_in.get(f"/dashboard/bots/{bot_id}/unanswered").data.decode()
    assert "Nothing unanswered" in page
    assert 'aria-current="page"' in page and ">Unanswered<" in page


def test_groups_unanswered_and_rated_down_with_comments(app, client, signed_in, bot_id, make_key):
    key = make_key(bot_id, "public", origins=["https://shop.example"])
    ask(client, key, "v1", "Do you ship to the Moon?")
    ask(client, key, "v2", "do you ship to the moon")
    ask(client, key, "v3", "How long does international shipping take?")
    rated = ask(client, key, "v4", "When are refunds issued?")
    client.post(
        f"/v1/messages/{rated['message_id']}/feedback",
        json={"rating": "down", "comment": f"Not clear {XSS}"},
        headers={"x-api-key": key, **SITE},
    )
    page = signed_in.get(f"/dashboard/bots/{bot_id}/unanswered").data.decode()
    items = re.findall(r'<li data-question="([^"]+)">', page)
    assert items == ["when are refunds issued", "do you ship to the moon"]
    assert "Asked 2 times" in page and "unanswered ×2" in page
    assert "rated down" in page and "Not clear &lt;script&gt;" in page and XSS not in page
    assert "How long does international shipping take?" not in page
    assert "Write the answer" in page
    assert "/answers/new?question=do+you+ship+to+the+moon" in page


def test_write_edit_and_delete_an_answer(app, client, signed_in, bot_id, make_key):
    key = make_key(bot_id, "public", origins=["https://shop.example"])
    ask(client, key, "v1", "Do you gift wrap?")
    form = signed_in.get(
        f"/dashboard/bots/{bot_id}/answers/new", query_string={"question": "Do you gift wrap?"}
    ).data.decode()
    assert 'value="Do you gift wrap?"' in form
    token = support.csrf_from(form)
    missing = signed_in.post(
        f"/dashboard/bots/{bot_id}/answers/new",
        data={"csrf_token": token, "question": "Do you gift wrap?", "answer": "  "},
    )
    assert missing.status_code == 400
    bad_url = signed_in.post(
        f"/dashboard/bots/{bot_id}/answers/new",
        data={
            "csrf_token": token,
            "question": "Do you gift wrap?",
            "answer": "Yes.",
            "url": "javascript:alert(1)",
        },
    )
    assert bad_url.status_code == 400
    saved = signed_in.post(
        f"/dashboard/bots/{bot_id}/answers/new",
        data={
            "csrf_token": token,
            "question": "Do you gift wrap?",
            "answer": "Yes, gift wrapping is $4.",
            "url": "",
        },
    )
    assert saved.status_code == 302 and saved.location.endswith(f"/dashboard/bots/{bot_id}/answers")
    listing = signed_in.get(saved.location).data.decode()
    assert "Do you gift wrap?" in listing and "Yes, gift wrapping is $4." in listing
    with app.app_context():
        answer_id = db.session.scalar(
            db.select(Document.id).where(Document.title == "Do you gift wrap?")
        )
    # Curated answers are not listed as documents on the Knowledge page.
    knowledge = signed_in.get(f"/dashboard/bots/{bot_id}/documents").data.decode()
    assert "Shipping policy" in knowledge and "Do you gift wrap?" not in knowledge
    unanswered = signed_in.get(f"/dashboard/bots/{bot_id}/unanswered").data.decode()
    assert "answer written" in unanswered and f"/answers/{answer_id}/edit" in unanswered
    reply = ask(client, key, "v2", "Can you gift wrap it?")
    assert reply["answer"] == "Yes, gift wrapping is $4. [1]"
    assert reply["sources"][0]["title"] == "Do you gift wrap?"

    edit = signed_in.get(f"/dashboard/bots/{bot_id}/answers/{answer_id}/edit").data.decode()
    assert "Yes, gift wrapping is $4." in edit
    signed_in.post(
        f"/dashboard/bots/{bot_id}/answers/{answer_id}/edit",
        data={
            "csrf_token": support.csrf_from(edit),
            "question": "Do you gift wrap?",
            "answer": "Gift wrapping is free.",
            "url": "https://shop.example/gifts",
        },
    )
    assert ask(client, key, "v3", "Can you gift wrap it?")["answer"] == "Gift wrapping is free. [1]"
    listing = signed_in.get(f"/dashboard/bots/{bot_id}/answers").data.decode()
    gone = signed_in.post(
        f"/dashboard/bots/{bot_id}/answers/{answer_id}/delete",
        data={"csrf_token": support.csrf_from(listing)},
    )
    assert gone.status_code == 302
    with app.app_context():
        assert db.session.get(Document, answer_id) is None


def test_another_owners_bot_and_answers_are_404(app, client, signed_in, bot_id):
    other_owner = support.make_owner(app, "other@example.com")
    theirs = support.owned_bot(app, other_owner, "Theirs")
    for path in (
        f"/dashboard/bots/{theirs}/unanswered",
        f"/dashboard/bots/{theirs}/answers",
        f"/dashboard/bots/{theirs}/answers/new",
        f"/dashboard/bots/{bot_id}/answers/999999/edit",
    ):
        assert signed_in.get(path).status_code == 404, path
    with app.app_context():
        plain = db.session.scalar(db.select(Document.id).where(Document.bot_id == bot_id))
    assert signed_in.get(f"/dashboard/bots/{bot_id}/answers/{plain}/edit").status_code == 404


def test_signed_out_is_sent_to_login(client, bot_id):
    response = client.get(f"/dashboard/bots/{bot_id}/unanswered")
    assert response.status_code == 302 and "/dashboard/login" in response.location
