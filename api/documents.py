"""Developer document routes: list, add (text, URL or file) and delete a bot's knowledge."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

import knowledge
from api.auth import Caller, authenticate, key_from_request, request_origin
from api.blueprints import developer
from api.errors import ApiError, InvalidRequest, NotFound
from api.sessions import iso, page_of
from api.validation import body_flag, flag, json_body
from engine.curated import CURATED
from models import Document, db, utcnow
from services.keys import find_key, key_kind

# Uploads larger than this are parsed in the background: the reply is 202 "processing".
BACKGROUND_BYTES = 2_000_000
# A JSON document's `format`: exactly the schema's enum (DocumentText in api/schemas).
FORMATS = ("text", "markdown", "html")

DOCUMENTS_PER_PAGE = 50
DOCUMENTS_MAX_PER_PAGE = 100


def document_dict(document: Document) -> dict[str, Any]:
    """Return a document as the API shows it."""
    return {
        "id": document.id,
        "title": document.title,
        "url": document.url,
        "source": document.source,
        "filename": document.filename,
        "status": document.status,
        "progress": document.progress,
        "error": document.error,
        "chunk_count": document.chunk_count,
        "size_bytes": document.size_bytes,
        "created_at": iso(document.created_at),
        "updated_at": iso(document.updated_at),
    }


def reader() -> Caller:
    """Authenticate a key that may read documents: any secret key of the bot."""
    text = key_from_request()
    scope = "documents:write"
    if text and key_kind(text) == "secret":
        key = find_key(text)
        if key is not None and scope not in key.scopes and key.scopes:
            scope = key.scopes[0]
    return authenticate(text, scope, request_origin())


def writer(body: dict[str, Any] | None = None) -> Caller:
    """Authenticate a key with the documents:write scope."""
    return authenticate(key_from_request(body), "documents:write", request_origin())


def owned(bot_id: int, document_id: int) -> Document:
    """Return the bot's document, or 404 whether it is absent or another bot's."""
    document = db.session.get(Document, document_id)
    # Curated answers are documents too, managed under /api/v1/answers.
    if document is None or document.bot_id != bot_id or document.source == CURATED:
        raise NotFound("No document with that id.")
    return document


def text_field(body: dict[str, Any], name: str, limit: int, required: bool = False) -> str | None:
    """Validate an optional (or required) string field of a JSON body or form."""
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise InvalidRequest(f"'{name}' is required.")
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidRequest(f"'{name}' must be text of at most {limit} characters.")
    return value


@developer.get("/documents")
def list_documents() -> Response:
    """List the bot's documents, newest first, with their processing status."""
    caller = reader()
    rows, meta = page_of(
        db.select(Document)
        .where(Document.bot_id == caller.bot.id, Document.source != CURATED)
        .order_by(Document.created_at.desc(), Document.id.desc()),
        DOCUMENTS_PER_PAGE,
        DOCUMENTS_MAX_PER_PAGE,
    )
    return jsonify(
        {
            "success": True,
            "documents": [document_dict(d) for d in rows],
            "meta": meta,
        }
    )


@developer.get("/documents/<int:document_id>")
def get_document(document_id: int) -> Response:
    """Return one document; poll it while a large upload is processing."""
    caller = reader()
    return jsonify({"success": True, "document": document_dict(owned(caller.bot.id, document_id))})


@developer.post("/documents")
def add_document() -> tuple[Response, int]:
    """Add a document from a multipart file, JSON text, or a JSON URL to import."""
    started = utcnow()
    try:
        if request.mimetype == "multipart/form-data":
            document = _add_upload()
        else:
            document = _add_json()
    except knowledge.IngestError as exc:
        raise ApiError(exc.message, code=exc.code, status=exc.status) from None
    if document.status == "processing":
        status = 202
    else:
        # 201 for a new document; 200 when an existing one was replaced or unchanged.
        status = 201 if document.created_at >= started else 200
    return jsonify({"success": True, "document": document_dict(document)}), status


def _add_upload() -> Document:
    form = request.form
    caller = writer(dict(form))
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidRequest("Send the document as a multipart field named 'file'.")
    title = text_field(form, "title", 500)
    url = text_field(form, "url", 2000)
    data = upload.read()
    background = flag(form.get("background"), "background") or len(data) > BACKGROUND_BYTES
    return knowledge.add_file(
        caller.bot.id, upload.filename, data, title=title, url=url, background=background
    )


def _add_json() -> Document:
    body = json_body("DocumentText", "DocumentUrl")
    caller = writer(body)
    for name in ("url", "format"):
        # Optional, but text when given: JSON's null is not a string (the schema says so).
        if name in body and body[name] is None:
            raise InvalidRequest(f"'{name}' must be text, or left out.")
    url = text_field(body, "url", 2000)
    if body.get("text") is None and url:
        # background: the page is fetched by a queued task, retried if the site fails.
        background = body_flag(body, "background")
        return knowledge.add_url(caller.bot.id, url, background=background)
    title = text_field(body, "title", 500, required=True) or ""
    text = text_field(body, "text", 5_000_000, required=True) or ""
    fmt = body.get("format", "text")  # false, 0, "md" or "HTML" are none of them
    if not isinstance(fmt, str) or fmt not in FORMATS:
        raise InvalidRequest("'format' must be text, markdown or html.")
    return knowledge.add_text(caller.bot.id, title, text, url=url, fmt=fmt)


@developer.delete("/documents/<int:document_id>")
def remove_document(document_id: int) -> Response:
    """Delete a document and its chunks; later answers never cite it."""
    caller = writer()
    owned(caller.bot.id, document_id)
    try:
        knowledge.delete_document(document_id)
    except knowledge.IngestError as exc:
        raise ApiError(exc.message, code=exc.code, status=exc.status) from None
    return jsonify({"success": True, "document_id": document_id, "deleted": True})
