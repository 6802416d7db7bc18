"""Knowledge: upload, paste, list, delete documents, and try a question against them."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

import knowledge
from dashboard.access import owned, owned_bot, wants_json
from dashboard.blueprint import bp
from dashboard.forms import AskForm, ButtonForm, TextDocumentForm, UploadForm
from engine.curated import CURATED
from knowledge import passage_vectors
from models import Bot, Document, Task, db
from services.trial import trial_answer

ACCEPT = ".txt,.md,.markdown,.html,.htm,.pdf,.docx"


def document_state(document: Document) -> dict[str, Any]:
    """Return what the page's script needs to draw a document's row."""
    return {
        "id": document.id,
        "title": document.title,
        "status": document.status,
        "progress": round(float(document.progress or 0), 3),
        "error": document.error,
        "chunk_count": document.chunk_count,
        "size_bytes": document.size_bytes,
    }


def _documents(bot: Bot) -> list[Document]:
    return list(
        db.session.execute(
            db.select(Document)
            .where(Document.bot_id == bot.id, Document.source != CURATED)
            .order_by(Document.updated_at.desc(), Document.id.desc())
        ).scalars()
    )


TASK_LABELS = {"ingest_document": "Processing an upload", "import_url": "Importing a page"}


def failed_tasks(bot: Bot, limit: int = 20) -> list[dict[str, Any]]:
    """Return the bot's background tasks that failed for good, newest first."""
    rows = db.session.scalars(
        db.select(Task)
        .where(Task.bot_id == bot.id, Task.status == "failed")
        .order_by(Task.finished_at.desc(), Task.id.desc())
        .limit(limit)
    ).all()
    titles = dict(
        db.session.execute(
            db.select(Document.id, Document.title).where(
                Document.id.in_([t.args.get("document_id") for t in rows])
            )
        ).all()
    )
    return [
        {
            "label": TASK_LABELS.get(t.name, t.name),
            "subject": titles.get(t.args.get("document_id")) or t.args.get("url") or "",
            "error": t.error or "",
            "attempts": t.attempts,
            "finished_at": t.finished_at,
        }
        for t in rows
    ]


def _page(bot: Bot, status: int = 200, **forms: Any) -> tuple[str, int]:
    context = {
        "upload_form": UploadForm(),
        "text_form": TextDocumentForm(prefix="paste"),
        "ask_form": AskForm(),
        "button": ButtonForm(),
        **forms,
    }
    return render_template(
        "dashboard/documents.html",
        bot=bot,
        documents=_documents(bot),
        failed=failed_tasks(bot),
        accept=ACCEPT,
        # Chunks still waiting for the passage model (ranked without it until then).
        unread=passage_vectors.pending(bot.id) if passage_vectors.enabled() else 0,
        **context,
    ), status


@bp.get("/dashboard/bots/<int:bot_id>/documents")
def documents(bot_id: int) -> tuple[str, int]:
    """List the bot's documents with size, chunks and status."""
    return _page(owned_bot(bot_id))


@bp.get("/dashboard/bots/<int:bot_id>/documents/status")
def documents_status(bot_id: int) -> Response:
    """Return every document's status and progress, for the page to poll."""
    bot = owned_bot(bot_id)
    return jsonify({"documents": [document_state(d) for d in _documents(bot)]})


@bp.post("/dashboard/bots/<int:bot_id>/documents/upload")
def upload(bot_id: int) -> Any:
    """Add or replace (by file name) uploaded files; big ones continue in the background."""
    bot = owned_bot(bot_id)
    files = [f for f in request.files.getlist("file") if f and f.filename]
    if not files:
        return _refuse(bot, "Choose a file to upload.", 400)
    added: list[Document] = []
    for upload_file in files:
        data = upload_file.read()
        limit = int(current_app.config["DASHBOARD_BACKGROUND_BYTES"])
        try:
            added.append(
                knowledge.add_file(
                    bot.id, upload_file.filename or "", data, background=len(data) > limit
                )
            )
        except knowledge.IngestError as exc:
            return _refuse(bot, f"{upload_file.filename}: {exc.message}", exc.status)
    if wants_json():
        return jsonify({"success": True, "documents": [document_state(d) for d in added]})
    names = ", ".join(d.title for d in added)
    flash(
        f"Added {names}." if all(d.status == "ready" for d in added) else f"Processing {names}…",
        "success",
    )
    return redirect(url_for("dashboard.documents", bot_id=bot.id))


def _refuse(bot: Bot, message: str, status: int) -> Any:
    if wants_json():
        response = jsonify(
            {"success": False, "error": {"code": "invalid_document", "message": message}}
        )
        response.status_code = status
        return response
    flash(message, "error")
    return redirect(url_for("dashboard.documents", bot_id=bot.id))


@bp.post("/dashboard/bots/<int:bot_id>/documents/text")
def paste(bot_id: int) -> Any:
    """Add or replace (by title) a document typed or pasted in."""
    bot = owned_bot(bot_id)
    form = TextDocumentForm(prefix="paste")
    if form.validate_on_submit():
        try:
            document = knowledge.add_text(
                bot.id,
                form.title.data or "",
                form.text.data or "",
                url=(form.url.data or "").strip() or None,
                fmt=form.fmt.data or "text",
            )
        except knowledge.IngestError as exc:
            form.text.errors.append(exc.message)
        else:
            flash(f"Added “{document.title}” ({document.chunk_count} passages).", "success")
            return redirect(url_for("dashboard.documents", bot_id=bot.id))
    return _page(bot, 400, text_form=form)


@bp.post("/dashboard/bots/<int:bot_id>/documents/<int:document_id>/delete")
def delete_document(bot_id: int, document_id: int) -> Response:
    """Delete a document and all its passages."""
    bot = owned_bot(bot_id)
    document = owned(Document, document_id, bot)
    title = document.title
    knowledge.delete_document(document.id)
    flash(f"Deleted “{title}” and its passages.", "success")
    return redirect(url_for("dashboard.documents", bot_id=bot.id))


@bp.post("/dashboard/bots/<int:bot_id>/ask")
def ask(bot_id: int) -> tuple[str, int]:
    """Answer a test question from the documents, without storing a conversation."""
    bot = owned_bot(bot_id)
    form = AskForm()
    if not form.validate_on_submit():
        return _page(bot, 400, ask_form=form)
    result = trial_answer(bot, (form.question.data or "").strip())
    return _page(bot, 200, ask_form=form, trial=result)
