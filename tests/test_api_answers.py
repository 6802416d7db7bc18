"""Curated answers through /api/v1/answers: stored as one chunk, retrieved first, cited."""

from __future__ import annotations

import pytest

from engine.curated import CURATED, promote
from knowledge.retrieval import Passage
from models import Chunk, Document, db

QUESTION = "Do you offer gift wrapping?"
ANSWER = "Yes: gift wrapping costs $4 an order and comes with a handwritten card."
PARAPHRASE = "Can you gift wrap my present?"
URL = "https://shop.example/gifts"


def create(client, auth, **fields):
    body = {"question": QUESTION, "answer": ANSWER, **fields}
    response = client.post("/api/v1/answers", json=body, headers=auth)
    assert response.status_code == 201, response.json
    return response.json["answer"]


def chat(client, auth, text=PARAPHRASE):
    reply = client.post("/api/v1/chat", json={"message": text}, headers=auth)
    assert reply.status_code == 200, reply.json
    return reply.json


def chunks_of(app, answer_id):
    with app.app_context():
        return db.session.scalars(db.select(Chunk).where(Chunk.document_id == answer_id)).all()


def test_create_list_and_answer_a_paraphrase_from_it(app, client, auth):
    made = create(client, auth, url=URL)
    assert made["question"] == QUESTION and made["answer"] == ANSWER and made["url"] == URL
    assert made["created_at"].endswith("Z")
    listed = client.get("/api/v1/answers", headers=auth).json
    assert listed["answers"] == [made]
    assert listed["meta"] == {"current_page": 1, "per_page": 20, "has_more": False}
    (chunk,) = chunks_of(app, made["id"])
    assert QUESTION in chunk.content and ANSWER in chunk.content
    reply = chat(client, auth)
    assert reply["answer"] == f"{ANSWER} [1]"
    assert reply["answered"] is True
    first = reply["sources"][0]
    assert first["title"] == QUESTION and first["url"] == URL
    assert first["snippet"] == ANSWER


def test_a_curated_answer_without_url_is_cited_without_one(client, auth):
    create(client, auth)
    source = chat(client, auth)["sources"][0]
    assert source["title"] == QUESTION and source["url"] is None


def test_curated_answers_are_not_documents(app, client, auth):
    made = create(client, auth)
    listed = client.get("/api/v1/documents", headers=auth).json["documents"]
    assert QUESTION not in [d["title"] for d in listed]
    assert client.get(f"/api/v1/documents/{made['id']}", headers=auth).status_code == 404
    assert client.delete(f"/api/v1/documents/{made['id']}", headers=auth).status_code == 404
    with app.app_context():
        assert db.session.get(Document, made["id"]).source == CURATED


def test_edit_replaces_the_chunk(app, client, auth):
    made = create(client, auth)
    changed = client.put(
        f"/api/v1/answers/{made['id']}",
        json={"question": "Is gift wrapping available?", "answer": "Gift wrapping is free."},
        headers=auth,
    )
    assert changed.status_code == 200, changed.json
    answer = changed.json["answer"]
    assert answer["id"] == made["id"] and answer["url"] is None
    assert answer["question"] == "Is gift wrapping available?"
    (chunk,) = chunks_of(app, made["id"])
    assert "Gift wrapping is free." in chunk.content and ANSWER not in chunk.content
    reply = chat(client, auth)
    assert reply["answer"] == "Gift wrapping is free. [1]"
    assert reply["sources"][0]["title"] == "Is gift wrapping available?"


def test_delete_removes_it_from_answers(app, client, auth):
    made = create(client, auth)
    gone = client.delete(f"/api/v1/answers/{made['id']}", headers=auth)
    assert gone.status_code == 200
    assert gone.json == {"success": True, "answer_id": made["id"], "deleted": True}
    assert chunks_of(app, made["id"]) == []
    assert client.get("/api/v1/answers", headers=auth).json["answers"] == []
    reply = chat(client, auth)
    assert ANSWER not in reply["answer"] and reply["answered"] is False
    again = client.delete(f"/api/v1/answers/{made['id']}", headers=auth)
    assert again.status_code == 404 and again.json["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "body",
    [
        {"answer": ANSWER},
        {"question": QUESTION},
        {"question": "  ", "answer": ANSWER},
        {"question": QUESTION, "answer": ""},
        {"question": "q" * 501, "answer": ANSWER},
        {"question": QUESTION, "answer": "a" * 10_001},
        {"question": 5, "answer": ANSWER},
        {"question": QUESTION, "answer": ["a"]},
        {"question": QUESTION, "answer": ANSWER, "url": "javascript:alert(1)"},
        {"question": QUESTION, "answer": ANSWER, "url": "ftp://shop.example/x"},
        {"question": QUESTION, "answer": ANSWER, "url": "/relative"},
        {"question": QUESTION, "answer": ANSWER, "url": 42},
        {"question": QUESTION, "answer": ANSWER, "url": "https://x/" + "a" * 2000},
    ],
)
def test_bad_bodies_are_400_and_store_nothing(app, client, auth, body):
    made = create(client, auth)
    for response in (
        client.post("/api/v1/answers", json=body, headers=auth),
        client.put(f"/api/v1/answers/{made['id']}", json=body, headers=auth),
    ):
        assert response.status_code == 400, response.json
        assert response.json["success"] is False
        assert response.json["error"]["code"] == "invalid_request"
    assert client.get("/api/v1/answers", headers=auth).json["answers"] == [made]


def test_not_json_is_415(client, auth):
    response = client.post("/api/v1/answers", data="question=x", headers=auth)
    assert response.status_code == 415
    assert response.json["success"] is False


@pytest.mark.parametrize("path", ["/api/v1/answers/999999", "/api/v1/answers/abc"])
def test_unknown_ids_are_404(client, auth, path):
    for response in (
        client.put(path, json={"question": QUESTION, "answer": ANSWER}, headers=auth),
        client.delete(path, headers=auth),
    ):
        assert response.status_code == 404
        assert response.json["error"]["code"] == "not_found"


def test_another_bots_answers_and_documents_are_404(app, client, auth, make_bot, make_key):
    other = {"Authorization": f"Bearer {make_key(make_bot('Other'))}"}
    theirs = create(client, other)
    for response in (
        client.put(
            f"/api/v1/answers/{theirs['id']}",
            json={"question": "Mine now?", "answer": "No."},
            headers=auth,
        ),
        client.delete(f"/api/v1/answers/{theirs['id']}", headers=auth),
    ):
        assert response.status_code == 404
    assert client.get("/api/v1/answers", headers=auth).json["answers"] == []
    with app.app_context():
        document = db.session.scalar(db.select(Document.id).where(Document.source != CURATED))
    # A plain document is not a curated answer, even for its own bot.
    assert client.delete(f"/api/v1/answers/{document}", headers=auth).status_code == 404
    assert client.get("/api/v1/answers", headers=other).json["answers"] == [theirs]


def test_every_auth_form(client, bot, make_key):
    key = make_key(bot, scopes=["documents:write"])
    for headers, query in (
        ({"Authorization": f"Bearer {key}"}, ""),
        ({"x-api-key": key}, ""),
        ({"x-widget-api-key": key}, ""),
        ({}, f"?api_key={key}"),
    ):
        assert client.get(f"/api/v1/answers{query}", headers=headers).status_code == 200
    made = client.post(
        "/api/v1/answers", json={"question": QUESTION, "answer": ANSWER, "api_key": key}
    )
    assert made.status_code == 201, made.json
    edited = client.put(
        f"/api/v1/answers/{made.json['answer']['id']}",
        json={"question": QUESTION, "answer": "Changed.", "api_key": key},
    )
    assert edited.status_code == 200
    assert (
        client.delete(f"/api/v1/answers/{made.json['answer']['id']}?api_key={key}").status_code
        == 200
    )


def test_scopes(client, bot, make_key):
    made = create(client, {"x-api-key": make_key(bot)})
    body = {"question": QUESTION, "answer": ANSWER}
    public = make_key(bot, "public", origins=["https://shop.example"])
    for headers in (
        {"x-api-key": make_key(bot, scopes=["chat", "sessions:read", "sessions:write"])},
        {"x-api-key": public, "Origin": "https://shop.example"},
    ):
        for response in (
            client.get("/api/v1/answers", headers=headers),
            client.post("/api/v1/answers", json=body, headers=headers),
            client.put(f"/api/v1/answers/{made['id']}", json=body, headers=headers),
            client.delete(f"/api/v1/answers/{made['id']}", headers=headers),
        ):
            assert response.status_code == 403
            assert response.json["error"]["code"] == "scope_not_allowed"
    for response in (
        client.get("/api/v1/answers"),
        client.post("/api/v1/answers", json=body, headers={"x-api-key": "sk_nope"}),
    ):
        assert response.status_code == 401
        assert response.json["error"]["code"] == "invalid_api_key"


def passage(document_id, score, title="T", content="C"):
    return Passage(1, document_id, title, "", content, None, None, None, score)


def test_promote_puts_a_curated_passage_first_only_near_the_best(app, client, auth, bot):
    made = create(client, auth)
    with app.app_context():
        plain = db.session.scalar(db.select(Document.id).where(Document.source != CURATED))
        curated = passage(made["id"], 0.8, QUESTION, f"{QUESTION}\n\n{ANSWER}")
        passages = [passage(plain, 0.9), curated]
        assert promote(bot, passages) is curated
        assert passages[0] is curated and curated.content == ANSWER
        weak = passage(made["id"], 0.5, QUESTION, f"{QUESTION}\n\n{ANSWER}")
        passages = [passage(plain, 0.9), weak]
        assert promote(bot, passages) is None and passages[1] is weak
        assert promote(bot, []) is None
