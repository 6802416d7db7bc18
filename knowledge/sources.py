"""Site sources: a site's pages imported from its sitemap or by crawling, kept in sync."""

from __future__ import annotations

import hashlib
import logging
import os
from collections import deque
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import delete, or_, select, update

import settings
import tasks
from knowledge import discovery
from knowledge.building import Job, build, describe, fetch_limits, store
from knowledge.errors import IngestError
from knowledge.fetch import Fetched, fetch
from knowledge.parsers import CONTENT_TYPES, detect_format
from models import Chunk, Document, Source, SourcePage, Task, db, utcnow

log = logging.getLogger("docent.sources")
KINDS = ("sitemap", "crawl")


def source_dict(source: Source) -> dict[str, Any]:
    """Return a source with its progress, as the API and the dashboard show it."""
    return {
        "id": source.id,
        "kind": source.kind,
        "url": source.url,
        "status": source.status,
        "error": source.error,
        "progress": {"found": source.pages_found, "done": source.pages_done},
        "last_sync": source.counts or {},
        "last_synced_at": source.last_synced_at.isoformat() + "Z"
        if source.last_synced_at
        else None,
        "created_at": source.created_at.isoformat() + "Z",
    }


def add_source(bot_id: int, kind: str, url: str) -> Source:
    """Store a new source and queue its first sync."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if kind not in KINDS:
        raise IngestError('Give {"sitemap": url} or {"url": url, "crawl": true}.')
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise IngestError("A source needs an http or https URL.")
    source = Source(bot_id=bot_id, kind=kind, url=url, counts={})
    db.session.add(source)
    db.session.commit()
    request_sync(source)
    return source


def request_sync(source: Source) -> None:
    """Queue a sync unless one is already waiting for this source."""
    if source.status == "queued" and source.last_synced_at is not None:
        return
    if source.status != "syncing":
        source.status = "queued"
        db.session.commit()
    tasks.enqueue("sync_source", {"source_id": source.id}, bot_id=source.bot_id)


def _lease_seconds() -> int:
    return int(settings.value("SOURCE_LEASE_SECONDS"))


def _claim(source_id: int) -> bool:
    """Take the source's lease in one UPDATE; False when another sync holds it."""
    now = utcnow()
    claimed = db.session.execute(
        update(Source)
        .where(Source.id == source_id, or_(Source.lease_until.is_(None), Source.lease_until < now))
        .values(lease_until=now + timedelta(seconds=_lease_seconds()), status="syncing")
    )
    db.session.commit()
    return bool(getattr(claimed, "rowcount", 0))


def _get(url: str, headers: dict[str, str] | None = None) -> Fetched:
    return fetch(url, headers=headers, **fetch_limits())


class Sync:
    """One pass over a source: discover, fetch what changed, remove what is gone."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.most = int(settings.value("SOURCE_MAX_PAGES"))
        self.pages = {
            p.url: p
            for p in db.session.scalars(select(SourcePage).where(SourcePage.source_id == source.id))
        }
        self.seen: set[str] = set()
        self.counts = dict.fromkeys(
            ("added", "updated", "unchanged", "removed", "failed", "skipped"), 0
        )
        self.robots = discovery.robots_for(source.url, _get)

    def run(self) -> None:
        if self.source.kind == "sitemap":
            urls = discovery.sitemap_urls(self.source.url, _get, self.most)
            self.source.pages_found = len(urls)
            for url in urls:
                self.visit(url)
        else:
            queue, queued = deque([discovery.normalise(self.source.url)]), set()
            queued.add(queue[0])
            while queue and len(self.seen) < self.most:
                page = self.visit(queue.popleft())
                for link in discovery.links(page, self.source.url) if page else []:
                    if link not in queued:
                        queued.add(link)
                        queue.append(link)
                self.source.pages_found = len(queued)
        self.remove_gone()

    def visit(self, url: str) -> Fetched | None:
        """Fetch one page (conditionally when known) and import it if it changed."""
        if not discovery.allowed(self.robots, url):
            self.counts["skipped"] += 1
            return None
        self.seen.add(url)
        row = self.pages.get(url) or SourcePage(source_id=self.source.id, url=url)
        headers = {}
        if row.document_id and row.etag:
            headers["If-None-Match"] = row.etag
        if row.document_id and row.last_modified:
            headers["If-Modified-Since"] = row.last_modified
        fetched = None
        try:
            fetched = _get(url, headers or None)
            self.store(row, fetched)
            row.error = None
        except IngestError as exc:
            db.session.rollback()
            row = db.session.merge(row)
            row.error = str(exc)
            self.counts["failed"] += 1
        db.session.add(row)
        self.pages[url] = row
        self.source.pages_done = len(self.seen)
        self.source.lease_until = utcnow() + timedelta(seconds=_lease_seconds())
        db.session.commit()
        return fetched

    def store(self, row: SourcePage, fetched: Fetched) -> None:
        row.etag, row.last_modified = fetched.etag[:300], fetched.last_modified[:100]
        if fetched.status == 304:
            self.counts["unchanged"] += 1
            return
        digest = hashlib.sha256(fetched.data).hexdigest()
        document = db.session.get(Document, row.document_id) if row.document_id else None
        if document is not None and digest == row.content_hash:
            self.counts["unchanged"] += 1
            return
        name = os.path.basename(urlsplit(fetched.url).path)
        fmt = CONTENT_TYPES.get(fetched.content_type) or detect_format(
            name or "page", fetched.data, fetched.content_type
        )
        title, pieces = build(Job(fmt=fmt, data=fetched.data, title=None))
        self.counts["updated" if document else "added"] += 1
        if document is None:
            document = Document(bot_id=self.source.bot_id, source="site")
            db.session.add(document)
        describe(document, title or row.url, None, row.url, digest, len(fetched.data))
        db.session.flush()
        store(document, pieces)
        row.document_id, row.content_hash = document.id, digest

    def remove_gone(self) -> None:
        """Delete the pages (and their passages) the site no longer lists."""
        for url, row in list(self.pages.items()):
            if url in self.seen:
                continue
            if row.document_id:
                db.session.execute(delete(Chunk).where(Chunk.document_id == row.document_id))
                db.session.execute(delete(Document).where(Document.id == row.document_id))
            db.session.delete(row)
            self.counts["removed"] += 1
        db.session.commit()


def sync_source(source_id: int) -> bool:
    """Sync one source if no other worker is; return False when it was busy."""
    if not _claim(source_id):
        return False
    source = db.session.get(Source, source_id)
    if source is None:
        return False
    source.pages_done, source.error = 0, None
    db.session.commit()
    try:
        sync = Sync(source)
        sync.run()
        source.status, source.counts = "ready", sync.counts
    except IngestError as exc:
        db.session.rollback()
        source = db.session.get_one(Source, source_id)
        source.status, source.error = "failed", str(exc)
    finally:
        source.lease_until = None
        source.last_synced_at = utcnow()
        db.session.commit()
    return True


@tasks.handler("sync_source")
def sync_task(task: Task) -> None:
    """Run a queued sync (a busy source is skipped: its running sync covers it)."""
    sync_source(int(task.args["source_id"]))


@tasks.periodic("resync_sources", minute="*/10")
def resync_sources() -> None:
    """Queue a sync for each source last synced longer ago than DOCENT_SOURCE_SYNC_HOURS."""
    cutoff = utcnow() - timedelta(hours=float(current_app.config["SOURCE_SYNC_HOURS"]))
    due = db.session.scalars(
        select(Source).where(
            Source.status.in_(("ready", "failed")),
            or_(Source.last_synced_at.is_(None), Source.last_synced_at < cutoff),
        )
    ).all()
    for source in due:
        request_sync(source)
