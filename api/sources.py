"""Site sources: POST/GET /api/v1/sources, GET /api/v1/sources/{id}, POST …/{id}/sync."""

from __future__ import annotations

from flask import Response, jsonify
from sqlalchemy import select

from api.blueprints import developer
from api.documents import reader, writer
from api.errors import InvalidRequest, NotFound
from api.validation import body_flag, json_body
from knowledge.errors import IngestError
from knowledge.sources import add_source, request_sync, source_dict
from models import Source, db


def owned_source(bot_id: int, source_id: int) -> Source:
    """Return the bot's source, or raise 404."""
    source = db.session.get(Source, source_id)
    if source is None or source.bot_id != bot_id:
        raise NotFound("No source with that id.")
    return source


@developer.post("/sources")
def create_source() -> tuple[Response, int]:
    """Add a site from its sitemap, or by crawling from a URL; its first sync is queued."""
    body = json_body("SiteSourceRequest")
    caller = writer(body)
    sitemap, url = body.get("sitemap"), body.get("url")
    crawl = body_flag(body, "crawl")
    if sitemap is not None and url is not None:
        raise InvalidRequest("Give either 'sitemap' or 'url', not both.")
    if sitemap is None and (url is None or not crawl):
        raise InvalidRequest('Give {"sitemap": url} or {"url": url, "crawl": true}.')
    value = sitemap if sitemap is not None else url
    if not isinstance(value, str):
        raise InvalidRequest("The URL must be a string.")
    try:
        source = add_source(caller.bot.id, "sitemap" if sitemap is not None else "crawl", value)
    except IngestError as exc:
        raise InvalidRequest(str(exc)) from exc
    return jsonify({"success": True, "source": source_dict(source)}), 202


@developer.get("/sources")
def list_sources() -> Response:
    """List the bot's sources with their progress."""
    caller = reader()
    rows = db.session.scalars(
        select(Source).where(Source.bot_id == caller.bot.id).order_by(Source.id)
    )
    return jsonify({"success": True, "sources": [source_dict(s) for s in rows]})


@developer.get("/sources/<int:source_id>")
def get_source(source_id: int) -> Response:
    """Show one source and its progress."""
    caller = reader()
    return jsonify({"success": True, "source": source_dict(owned_source(caller.bot.id, source_id))})


@developer.post("/sources/<int:source_id>/sync")
def sync_source_now(source_id: int) -> tuple[Response, int]:
    """Queue a sync now (one runs at a time per source)."""
    caller = writer(json_body(optional=True))
    source = owned_source(caller.bot.id, source_id)
    request_sync(source)
    return jsonify({"success": True, "source": source_dict(source)}), 202
