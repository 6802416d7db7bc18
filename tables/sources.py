"""Site sources: a website kept in sync, and the pages it has become documents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tables.base import Model, utcnow


class Source(Model):
    """A website kept in sync: its pages are imported from a sitemap or by crawling."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    bot_id: Mapped[int] = mapped_column(ForeignKey("bots.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # sitemap or crawl
    url: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(20), default="queued")  # syncing, ready, failed
    error: Mapped[str | None] = mapped_column(Text)
    pages_found: Mapped[int] = mapped_column(Integer, default=0)
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    # What the last sync did: {"added", "updated", "unchanged", "removed", "failed", "skipped"}.
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # One sync at a time: a worker holds the source until then, renewing as it goes.
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_synced_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SourcePage(Model):
    """One page of a source: the document it became and what tells a change."""

    __tablename__ = "source_pages"
    __table_args__ = (UniqueConstraint("source_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2000))
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL"), index=True
    )
    etag: Mapped[str] = mapped_column(String(300), default="")
    last_modified: Mapped[str] = mapped_column(String(100), default="")
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    error: Mapped[str | None] = mapped_column(Text)
