"""Knowledge: uploads of every format, progress, paste, replace, delete, test a question."""

from __future__ import annotations

import io
import time

import pytest

from models import Chunk, Document, UsageDaily, db
from tests import test_dashboard_support as support
from tests.test_dashboard_support import XSS

# Shared fixtures.
bot_id = support.bot_id
owner = support.owner
signed_in = support.signed_in

TEXT = "Returns are accepted within thirty days. Bring the receipt to any store."


def pdf_bytes(text: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def docx_bytes(text: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Returns", level=1)
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


FILES = {
    "returns.txt": TEXT.encode(),
    "returns.md": f"# Returns\n\n{TEXT}\n".encode(),
    "returns.html": f"<html><body><h1>Returns</h1><p>{TEXT}</p></body></html>".encode(),
    "returns.pdf": pdf_bytes(TEXT),
    "returns.docx": docx_bytes(TEXT),
}


def upload(client, bot: int, name: str, data: bytes, scripted: bool = True):
    headers = {"X-Requested-With": "fetch"} if scripted else {}
    return client.post(
        f"/dashboard/bots/{bot}/documents/upload",
        data={"file": (io.BytesIO(data), name)},
        headers=headers,
        content_type="multipart/form-data",
    )


def test_empty_state(app, signed_in, owner):
    bot = support.owned_bot(app, owner)
    page = signed_in.get(f"/dashboard/bots/{bot}/documents")
    assert b"No documents yet" in page.data and b"Test a question" in page.data


@pytest.mark.parametrize("name", sorted(FILES))
def test_upload_each_format(app, signed_in, owner, name):
    bot = support.owned_bot(app, owner)
    response = upload(signed_in, bot, name, FILES[name])
    assert response.status_code == 200, response.data
    document = response.json["documents"][0]
    assert document["status"] == "ready" and document["chunk_count"] >= 1
    assert document["size_bytes"] == len(FILES[name])
    page = signed_in.get(f"/dashboard/bots/{bot}/documents").data.decode()
    assert name in page and "ready" in page
    with app.app_context():
        chunk = db.session.execute(db.select(Chunk).where(Chunk.bot_id == bot)).scalars().first()
        assert "thirty days" in chunk.content


def test_upload_without_script_redirects_with_a_message(app, signed_in, owner):
    bot = support.owned_bot(app, owner)
    response = upload(signed_in, bot, "returns.txt", FILES["returns.txt"], scripted=False)
    assert response.status_code == 302
    assert b"Added" in signed_in.get(response.headers["Location"]).data


@pytest.mark.parametrize(
    "name, data",
    [("virus.exe", b"MZ\x90\x00binary"), ("empty.txt", b"   "), ("fake.pdf", b"not a pdf")],
)
def test_upload_refusals_are_explained(app, signed_in, owner, name, data):
    bot = support.owned_bot(app, owner)
    response = upload(signed_in, bot, name, data)
    assert response.status_code in (400, 415) and response.json["success"] is False
    assert name in response.json["error"]["message"]
    with app.app_context():
        assert db.session.execute(db.select(Document)).first() is None


def test_upload_without_a_file(signed_in, bot_id):
    response = signed_in.post(
        f"/dashboard/bots/{bot_id}/documents/upload", headers={"X-Requested-With": "fetch"}
    )
    assert response.status_code == 400 and "Choose a file" in response.json["error"]["message"]


def test_large_upload_is_processed_in_the_background_with_progress(app, signed_in, owner):
    app.config["DASHBOARD_BACKGROUND_BYTES"] = 1000
    bot = support.owned_bot(app, owner)
    body = "\n\n".join(f"Section {i}. {TEXT} Item {i} has its own note." for i in range(400))
    response = upload(signed_in, bot, "big.md", body.encode())
    first = response.json["documents"][0]
    assert first["status"] in ("processing", "ready")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = signed_in.get(
            f"/dashboard/bots/{bot}/documents/status", headers={"X-Requested-With": "fetch"}
        ).json["documents"][0]
        assert 0 <= status["progress"] <= 1
        if status["status"] != "processing":
            break
        time.sleep(0.2)
    assert status["status"] == "ready" and status["chunk_count"] > 1


def test_reupload_replaces_the_document(app, signed_in, owner):
    bot = support.owned_bot(app, owner)
    upload(signed_in, bot, "faq.txt", b"The office opens at nine in the morning.")
    upload(signed_in, bot, "faq.txt", b"The office opens at ten in the morning.")
    with app.app_context():
        documents = db.session.execute(db.select(Document)).scalars().all()
        assert len(documents) == 1
        contents = [c.content for c in db.session.execute(db.select(Chunk)).scalars()]
        assert all("ten" in c and "nine" not in c for c in contents)


def test_paste_text_and_validation(app, signed_in, bot_id):
    response = signed_in.post(
        f"/dashboard/bots/{bot_id}/documents/text",
        data={
            "paste-title": "Opening hours",
            "paste-fmt": "markdown",
            "paste-url": "https://shop.example/hours",
            "paste-text": "# Hours\n\nWe open at nine on weekdays and ten on Saturdays.",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        document = db.session.execute(
            db.select(Document).where(Document.title == "Opening hours")
        ).scalar_one()
        assert document.url == "https://shop.example/hours" and document.chunk_count >= 1
    bad = signed_in.post(
        f"/dashboard/bots/{bot_id}/documents/text",
        data={"paste-title": "x", "paste-url": "javascript:alert(1)", "paste-text": "hello"},
    )
    assert bad.status_code == 400 and b"http://" in bad.data


def test_delete_removes_the_document_and_its_chunks(app, signed_in, bot_id):
    with app.app_context():
        document = db.session.execute(db.select(Document)).scalars().first()
        document_id = document.id
    response = signed_in.post(f"/dashboard/bots/{bot_id}/documents/{document_id}/delete")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Document, document_id) is None
        assert not db.session.execute(
            db.select(Chunk).where(Chunk.document_id == document_id)
        ).first()
    ask = signed_in.post(
        f"/dashboard/bots/{bot_id}/ask", data={"question": "How long does shipping take?"}
    )
    assert b"two business days" not in ask.data


def test_ask_shows_the_answer_and_passages_without_a_conversation(app, signed_in, bot_id):
    response = signed_in.post(
        f"/dashboard/bots/{bot_id}/ask", data={"question": "How long does shipping take?"}
    )
    assert response.status_code == 200
    html = response.data.decode()
    assert "Passages used (1)" in html or "Passages used (2)" in html
    assert "two business days" in html and "Shipping policy" in html
    with app.app_context():
        from models import Conversation

        assert db.session.execute(db.select(Conversation)).first() is None
        usage = db.session.execute(db.select(UsageDaily)).scalar_one()
        assert usage.requests == 1 and usage.key_id == 0 and usage.model == "offline"


def test_ask_with_nothing_relevant_says_so(signed_in, owner, app):
    bot = support.owned_bot(app, owner, fallback_message="Please email us.")
    response = signed_in.post(f"/dashboard/bots/{bot}/ask", data={"question": "Volcanoes?"})
    assert b"Please email us." in response.data and b"No passage matched" in response.data


def test_ask_uses_the_model_server(llm_app, signed_in, bot_id):
    response = signed_in.post(
        f"/dashboard/bots/{bot_id}/ask", data={"question": "How long does shipping take?"}
    )
    assert response.status_code == 200 and b"gpt-4.1-mini" in response.data


def test_stored_xss_in_documents_is_rendered_harmlessly(app, signed_in, owner):
    bot = support.owned_bot(app, owner, docs=[(XSS, f"Parcels {XSS} ship from Leeds warehouse.")])
    upload(signed_in, bot, '"><svg onload=alert(1)>.txt', b"Leeds warehouse opens at dawn.")
    pages = [
        signed_in.get(f"/dashboard/bots/{bot}/documents").data.decode(),
        signed_in.post(
            f"/dashboard/bots/{bot}/ask", data={"question": "Leeds warehouse"}
        ).data.decode(),
    ]
    for html in pages:
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "<svg onload" not in html
        assert "&lt;script&gt;" in html


def test_failed_background_tasks_are_listed_on_the_knowledge_page(app, signed_in, owner):
    from knowledge import background

    app.config["DASHBOARD_BACKGROUND_BYTES"] = 10
    bot = support.owned_bot(app, owner)
    page = signed_in.get(f"/dashboard/bots/{bot}/documents").get_data(as_text=True)
    assert "Failed background tasks" not in page
    upload(signed_in, bot, "broken.pdf", b"%PDF-1.4 not really a PDF at all")
    with app.app_context():
        assert background.wait_idle(30)
    page = signed_in.get(f"/dashboard/bots/{bot}/documents").get_data(as_text=True)
    failed = page[page.index('id="failed-tasks"') :]
    assert "Processing an upload" in failed and "broken" in failed
    assert "This file is not a readable PDF." in failed


def test_the_page_says_while_passages_wait_for_the_passage_model(app, signed_in, owner):
    from knowledge import passage_vectors

    bot = support.owned_bot(app, owner)
    assert upload(signed_in, bot, "returns.md", FILES["returns.md"]).status_code == 200
    page = signed_in.get(f"/dashboard/bots/{bot}/documents").data.decode()
    assert "data-unread" in page and "Reading 1 passage for search by meaning" in page
    with app.app_context():
        assert passage_vectors.fill(bot_id=bot) == 1
    page = signed_in.get(f"/dashboard/bots/{bot}/documents").data.decode()
    assert "data-unread" not in page
