"""GET /api/v1/questions: what visitors asked, newest first, filtered to what needs an answer."""

from __future__ import annotations

import pytest

from models import ApiKey, db, utcnow

KNOWN = "How long does international shipping take?"
UNKNOWN = "What is the boiling point of tungsten?"
REFUNDS = "When are refunds issued?"


def ask(client, auth, text, sid):
    reply = client.post("/api/v1/chat", json={"message": text, "session_id": sid}, headers=auth)
    assert reply.status_code == 200, reply.json
    return reply.json


@pytest.fixture
def asked(client, auth, bot, make_key):
    """Three questions: one answered, one unanswered, one answered but rated down."""
    ask(client, auth, KNOWN, "s1")
    ask(client, auth, UNKNOWN, "s2")
    rated = ask(client, auth, REFUNDS, "s1")
    public = make_key(bot, "public", origins=["https://shop.example"])
    feedback = client.post(
        f"/v1/messages/{rated['message_id']}/feedback",
        json={"rating": "down", "comment": "It did not say how."},
        headers={"Authorization": f"Bearer {public}", "Origin": "https://shop.example"},
    )
    assert feedback.status_code == 200
    return rated


def questions(client, auth, query=""):
    response = client.get(f"/api/v1/questions{query}", headers=auth)
    assert response.status_code == 200, response.json
    return response.json


def test_lists_every_question_newest_first(client, auth, asked):
    body = questions(client, auth)
    assert body["success"] is True
    assert [q["question"] for q in body["questions"]] == [REFUNDS, UNKNOWN, KNOWN]
    first = body["questions"][0]
    assert set(first) == {
        "message_id",
        "session_id",
        "question",
        "answer",
        "answered",
        "rating",
        "comment",
        "asked_at",
    }
    assert first["message_id"] == asked["message_id"] and first["session_id"] == "s1"
    assert first["answer"] == asked["answer"] and first["answered"] is True
    assert first["rating"] == "down" and first["comment"] == "It did not say how."
    assert first["asked_at"].endswith("Z")
    unknown = body["questions"][1]
    assert unknown["answered"] is False and unknown["rating"] is None
    assert unknown["session_id"] == "s2"
    assert body["meta"] == {"current_page": 1, "per_page": 20, "has_more": False}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?answered=false", [UNKNOWN]),
        ("?answered=true", [REFUNDS, KNOWN]),
        ("?rating=down", [REFUNDS]),
        ("?rating=up", []),
        ("?answered=false&rating=down", [REFUNDS, UNKNOWN]),
        ("?per_page=2", [REFUNDS, UNKNOWN]),
        ("?per_page=2&page=2", [KNOWN]),
        ("?answered=", [REFUNDS, UNKNOWN, KNOWN]),
        ("?rating=&answered=", [REFUNDS, UNKNOWN, KNOWN]),
    ],
)
def test_filters_and_pages(client, auth, asked, query, expected):
    body = questions(client, auth, query)
    assert [q["question"] for q in body["questions"]] == expected


def test_has_more(client, auth, asked):
    assert questions(client, auth, "?per_page=2")["meta"]["has_more"] is True
    assert questions(client, auth, "?per_page=3")["meta"]["has_more"] is False


@pytest.mark.parametrize(
    "query",
    [
        "answered=maybe",
        "answered=yes please",
        "rating=sideways",
        "rating=DOWN",
        "page=0",
        "page=x",
        "per_page=0",
        "per_page=101",
        "rating=&rating=down",
        "answered=true&answered=false",
        "page=1&page=2",
    ],
)
def test_bad_query_is_400(client, auth, query):
    response = client.get(f"/api/v1/questions?{query}", headers=auth)
    assert response.status_code == 400
    assert response.json["success"] is False
    assert response.json["error"]["code"] == "invalid_request"


def test_every_auth_form(client, bot, make_key, asked):
    key = make_key(bot, scopes=["sessions:read"])
    for headers, query in (
        ({"Authorization": f"Bearer {key}"}, ""),
        ({"x-api-key": key}, ""),
        ({"x-widget-api-key": key}, ""),
        ({}, f"?api_key={key}"),
    ):
        response = client.get(f"/api/v1/questions{query}", headers=headers)
        assert response.status_code == 200, response.json
        assert len(response.json["questions"]) == 3


def test_refused_keys(app, client, bot, make_key):
    cases = [
        ({}, 401, "invalid_api_key"),
        ({"Authorization": "Bearer sk_madeup"}, 401, "invalid_api_key"),
        (
            {"x-api-key": make_key(bot, scopes=["chat", "documents:write"])},
            403,
            "scope_not_allowed",
        ),
        (
            {
                "x-api-key": make_key(bot, "public", origins=["https://shop.example"]),
                "Origin": "https://shop.example",
            },
            403,
            "scope_not_allowed",
        ),
    ]
    revoked = make_key(bot, scopes=["sessions:read"])
    with app.app_context():
        key = db.session.execute(db.select(ApiKey).order_by(ApiKey.id.desc())).scalars().first()
        key.revoked_at = utcnow()
        db.session.commit()
    cases.append(({"x-api-key": revoked}, 401, "invalid_api_key"))
    for headers, status, code in cases:
        response = client.get("/api/v1/questions", headers=headers)
        assert response.status_code == status
        assert response.json["error"]["code"] == code


def test_another_bots_questions_are_not_listed(client, auth, asked, make_bot, make_key):
    other = {"Authorization": f"Bearer {make_key(make_bot('Other'))}"}
    ask(client, other, "A question for the other bot only?", "o1")
    listed = questions(client, auth)
    assert "other bot" not in str(listed)
    assert [q["question"] for q in questions(client, other)["questions"]] == [
        "A question for the other bot only?"
    ]
