"""Developer documents: list, add as text, file or URL, delete; scopes and isolation."""

from __future__ import annotations

import io
import time

import pytest

from models import Chunk, Document, db

WARRANTY = "Every kettle carries a warranty of three years covering the heating element."


def add_text(client, auth, title="Warranty", text=WARRANTY, **extra):
    return client.post(
        "/api/v1/documents", json={"title": title, "text": text, **extra}, headers=auth
    )


def test_list_documents(client, auth):
    body = client.get("/api/v1/documents", headers=auth).json
    assert body["success"] is True
    assert sorted(d["title"] for d in body["documents"]) == ["Refunds", "Shipping policy"]
    assert body["documents"][0]["status"] == "ready"
    assert body["meta"] == {"current_page": 1, "per_page": 50, "has_more": False}
    page = client.get("/api/v1/documents?per_page=1&page=2", headers=auth).json
    assert len(page["documents"]) == 1 and page["meta"]["has_more"] is False
    assert client.get("/api/v1/documents?per_page=501", headers=auth).status_code == 400


def test_add_text_then_answer_cites_it(client, auth):
    response = add_text(client, auth, url="https://shop.example/warranty", format="markdown")
    assert response.status_code == 201
    document = response.json["document"]
    assert document["title"] == "Warranty" and document["status"] == "ready"
    assert document["chunk_count"] >= 1 and document["source"] == "text"
    assert document["url"] == "https://shop.example/warranty"
    one = client.get(f"/api/v1/documents/{document['id']}", headers=auth).json
    assert one["document"]["id"] == document["id"]
    answer = client.post(
        "/api/v1/chat", json={"message": "How long is the kettle warranty?"}, headers=auth
    ).json
    assert "three years" in answer["answer"]
    assert answer["sources"][0]["title"] == "Warranty"


def test_same_text_again_is_200_and_unchanged(client, auth):
    first = add_text(client, auth).json["document"]
    again = add_text(client, auth)
    assert again.status_code == 200 and again.json["document"]["id"] == first["id"]


def test_upload_file(client, auth):
    data = {
        "file": (io.BytesIO(b"# Returns\n\nReturns are free for thirty days."), "returns.md"),
        "title": "Returns guide",
    }
    response = client.post(
        "/api/v1/documents", data=data, headers=auth, content_type="multipart/form-data"
    )
    assert response.status_code == 201, response.json
    document = response.json["document"]
    assert document["filename"] == "returns.md" and document["title"] == "Returns guide"
    assert document["source"] == "file" and document["chunk_count"] >= 1


def test_upload_in_background_reports_progress(app, client, auth):
    data = {
        "file": (io.BytesIO(b"Gift cards never expire. " * 50), "gifts.txt"),
        "background": "true",
    }
    response = client.post(
        "/api/v1/documents", data=data, headers=auth, content_type="multipart/form-data"
    )
    assert response.status_code == 202
    assert response.json["document"]["status"] == "processing"
    url = f"/api/v1/documents/{response.json['document']['id']}"
    for _ in range(100):
        document = client.get(url, headers=auth).json["document"]
        if document["status"] != "processing":
            break
        time.sleep(0.05)
    assert document["status"] == "ready" and document["progress"] == 1.0


def test_delete_removes_chunks_from_later_answers(app, client, auth):
    document = add_text(client, auth).json["document"]
    response = client.delete(f"/api/v1/documents/{document['id']}", headers=auth)
    assert response.status_code == 200
    assert response.json == {"success": True, "document_id": document["id"], "deleted": True}
    with app.app_context():
        assert db.session.get(Document, document["id"]) is None
        assert (
            db.session.scalar(
                db.select(db.func.count())
                .select_from(Chunk)
                .where(Chunk.document_id == document["id"])
            )
            == 0
        )
    answer = client.post(
        "/api/v1/chat", json={"message": "How long is the kettle warranty?"}, headers=auth
    ).json
    assert "three years" not in answer["answer"]
    assert all(s["title"] != "Warranty" for s in answer["sources"])
    assert client.delete(f"/api/v1/documents/{document['id']}", headers=auth).status_code == 404


def test_private_url_import_is_refused(client, auth):
    response = client.post(
        "/api/v1/documents", json={"url": "http://127.0.0.1:9/page"}, headers=auth
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "url_not_allowed"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"text": "no title"}, 400, "invalid_request"),
        ({"title": "No text"}, 400, "invalid_request"),
        ({"title": "x", "text": "   "}, 400, "invalid_request"),
        ({"title": 5, "text": "x"}, 400, "invalid_request"),
        ({"title": "x" * 501, "text": "x"}, 400, "invalid_request"),
        ({"title": "x", "text": "x", "format": "pdf"}, 400, "invalid_request"),
        ({"title": "x", "text": "x", "format": False}, 400, "invalid_request"),
        ({"title": "x", "text": "x", "format": ""}, 400, "invalid_request"),
        # The schema's enum exactly: no abbreviation, no other letter case.
        ({"title": "x", "text": "x", "format": "md"}, 400, "invalid_request"),
        ({"title": "x", "text": "x", "format": "HTML"}, 400, "invalid_request"),
        ({"title": "x", "text": "x", "url": ["a"]}, 400, "invalid_request"),
        ([], 400, "invalid_request"),
    ],
)
def test_bad_json_documents(client, auth, body, status, code):
    response = client.post("/api/v1/documents", json=body, headers=auth)
    assert response.status_code == status
    assert response.json["error"]["code"] == code


def test_bad_uploads(client, auth):
    no_file = client.post(
        "/api/v1/documents", data={"title": "x"}, headers=auth, content_type="multipart/form-data"
    )
    assert no_file.status_code == 400
    empty = client.post(
        "/api/v1/documents",
        data={"file": (io.BytesIO(b""), "e.txt")},
        headers=auth,
        content_type="multipart/form-data",
    )
    assert empty.status_code == 400 and empty.json["error"]["code"] == "invalid_request"
    text_plain = client.post(
        "/api/v1/documents", data="hello", headers=auth, content_type="text/plain"
    )
    assert text_plain.status_code == 415


def test_too_large_upload_is_413(app, client, auth):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post(
        "/api/v1/documents",
        data={"file": (io.BytesIO(b"x" * 5000), "big.txt")},
        headers=auth,
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert response.json["success"] is False


def test_scopes(client, bot, make_key):
    reader = {"x-api-key": make_key(bot, scopes=["usage:read"])}
    assert client.get("/api/v1/documents", headers=reader).status_code == 200
    for response in (
        add_text(client, reader),
        client.delete("/api/v1/documents/1", headers=reader),
    ):
        assert response.status_code == 403
        assert response.json["error"]["code"] == "scope_not_allowed"
    public = make_key(bot, "public", origins=["https://shop.example"])
    listed = client.get(
        "/api/v1/documents", headers={"x-api-key": public, "Origin": "https://shop.example"}
    )
    assert listed.status_code == 403 and listed.json["error"]["code"] == "scope_not_allowed"


def test_another_bots_document_is_404(app, client, auth, make_bot, make_key):
    other = make_bot("Other", docs=[("Secret plan", "The launch is in May.")])
    with app.app_context():
        theirs = db.session.scalar(db.select(Document.id).where(Document.bot_id == other))
    mine_missing = client.get("/api/v1/documents/999999", headers=auth)
    for response in (
        client.get(f"/api/v1/documents/{theirs}", headers=auth),
        client.delete(f"/api/v1/documents/{theirs}", headers=auth),
    ):
        assert response.status_code == 404 and response.json == mine_missing.json
        assert "Secret" not in response.get_data(as_text=True)
    listed = client.get("/api/v1/documents", headers=auth).get_data(as_text=True)
    assert "Secret plan" not in listed
    with app.app_context():
        assert db.session.get(Document, theirs) is not None


def test_url_import_on_the_queue_answers_202_then_fails_with_the_reason(app, client, auth):
    from knowledge import background

    response = client.post(
        "/api/v1/documents",
        json={"url": "http://127.0.0.1:9/page", "background": True},
        headers=auth,
    )
    assert response.status_code == 202
    document = response.json["document"]
    assert (document["status"], document["source"]) == ("processing", "url")
    with app.app_context():
        assert background.wait_idle(30)
    document = client.get(f"/api/v1/documents/{document['id']}", headers=auth).json["document"]
    assert document["status"] == "failed" and "private or local" in document["error"]


@pytest.mark.parametrize("value", ["maybe", "true", None, 1])
def test_url_import_background_flag_is_validated(client, auth, value):
    response = client.post(
        "/api/v1/documents", json={"url": "https://example.com", "background": value}, headers=auth
    )
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_request"
    assert "'background' must be true or false" in response.json["error"]["message"]
