"""Every table Docent stores, typed with SQLAlchemy 2.0."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)

# Type checkers see the declarative base; at run time models use Flask-SQLAlchemy's
# db.Model, which is a subclass of it with the same metadata.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


def utcnow() -> datetime:
    """Return the current time in UTC without tzinfo (stored as naive UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_id() -> str:
    """Return a random 32-character hex identifier."""
    return uuid.uuid4().hex


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    bots: Mapped[list[Bot]] = relationship(back_populates="owner")


class Bot(Model):
    __tablename__ = "bots"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    prompt: Mapped[str] = mapped_column(Text, default="")
    model: Mapped[str] = mapped_column(String(200))
    temperature: Mapped[float] = mapped_column(Float, default=0.2)
    # Upper bound on answer length, in output tokens.
    max_tokens: Mapped[int] = mapped_column(Integer, default=600)
    fallback_message: Mapped[str] = mapped_column(Text, default="")
    # Language of the bot's documents (en, fr, de, es, nl, pt, it): stemmer and stop words.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    # Public widget settings: title, accent_color, position, welcome_message, ...
    widget: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Conversations (and their leads) older than this many days are deleted; None keeps them.
    retention_days: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    owner: Mapped[User | None] = relationship(back_populates="bots")
    keys: Mapped[list[ApiKey]] = relationship(
        back_populates="bot", cascade="all, delete-orphan", passive_deletes=True
    )
    documents: Mapped[list[Document]] = relationship(
        back_populates="bot", cascade="all, delete-orphan", passive_deletes=True
    )
    conversations: Mapped[list[Conversation]] = relationship(
        back_populates="bot", cascade="all, delete-orphan", passive_deletes=True
    )


class ApiKey(Model):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    bot_id: Mapped[int] = mapped_column(ForeignKey("bots.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "public" or "secret"
    name: Mapped[str] = mapped_column(String(200), default="")
    # sha256 of the full key text; the lookup index for every request.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the key, so owners can tell keys apart.
    display: Mapped[str] = mapped_column(String(32))
    # Only public keys keep their text: they are meant to be seen.
    public_text: Mapped[str | None] = mapped_column(String(80))
    origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    rate_limit: Mapped[str | None] = mapped_column(String(64))
    daily_quota: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    bot: Mapped[Bot] = relationship(back_populates="keys")


class Document(Model):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    bot_id: Mapped[int] = mapped_column(ForeignKey("bots.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(2000))
    source: Mapped[str] = mapped_column(String(20), default="text")  # text, file, url, curated
    filename: Mapped[str | None] = mapped_column(String(500))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(20), default="ready")  # processing, ready, failed
    progress: Mapped[float] = mapped_column(Float, default=1.0)
    error: Mapped[str | None] = mapped_column(Text)
    chunk_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    bot: Mapped[Bot] = relationship(back_populates="documents")
    chunks: Mapped[list[Chunk]] = relationship(
        back_populates="document", cascade="all, delete-orphan", passive_deletes=True
    )


class Chunk(Model):
    __tablename__ = "chunks"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    # Denormalised so retrieval filters by bot without a join.
    bot_id: Mapped[int] = mapped_column(Integer, index=True)
    ordinal: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(500), default="")
    heading: Mapped[str] = mapped_column(String(1000), default="")
    content: Mapped[str] = mapped_column(Text)
    page: Mapped[int | None] = mapped_column(Integer)
    anchor: Mapped[str | None] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(2000))
    token_count: Mapped[int] = mapped_column(Integer, default=0)
    embedding: Mapped[bytes | None] = mapped_column(db.LargeBinary)

    document: Mapped[Document] = relationship(back_populates="chunks")


class Conversation(Model):
    """One conversation: a widget sessionId, an API session_id and a chat_id."""

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("bot_id", "session_id"),
        # Lists read a bot's conversations newest first, ties by id: with id in the key
        # the index gives that order whole (no sort) and pages skip on the index alone.
        Index("ix_conversations_bot_last_id", "bot_id", "last_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bot_id: Mapped[int] = mapped_column(ForeignKey("bots.id", ondelete="CASCADE"))
    session_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(300), default="")
    key_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    total_tokens: Mapped[int] = mapped_column(Integer, default=0)
    preview: Mapped[str] = mapped_column(String(300), default="")
    # The answer being streamed, if any: its message id, partial text and last write.
    # Kept on the row that every turn writes anyway, so a short answer costs no extra
    # statement; a worker killed mid-answer leaves these for engine.drafts.reconcile.
    pending_id: Mapped[str | None] = mapped_column(String(32))
    pending_text: Mapped[str | None] = mapped_column(Text)
    pending_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)

    bot: Mapped[Bot] = relationship(back_populates="conversations")
    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Message.seq",
    )


class Message(Model):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation_seq", "conversation_id", "seq"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    # Monotonic order within the process; created_at alone can tie.
    seq: Mapped[int] = mapped_column(BigInteger, default=time.time_ns)
    role: Mapped[str] = mapped_column(String(20))  # user, assistant
    content: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="complete")
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    model: Mapped[str | None] = mapped_column(String(200))
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    # Cost in millionths of a US dollar: integers sum exactly.
    cost_micros: Mapped[int] = mapped_column(BigInteger, default=0)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    # Answers only: False when the bot gave its fallback or the model declined.
    answered: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
    feedback: Mapped[Feedback | None] = relationship(
        back_populates="message", cascade="all, delete-orphan", passive_deletes=True
    )


class Feedback(Model):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), unique=True
    )
    rating: Mapped[str] = mapped_column(String(10))  # up, down
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    message: Mapped[Message] = relationship(back_populates="feedback")


class UsageDaily(Model):
    """Usage aggregated as it is written: one row per bot, key, model and day."""

    __tablename__ = "usage_daily"
    __table_args__ = (
        UniqueConstraint("bot_id", "key_id", "model", "day"),
        # Reports read one bot's days in a range: bounded by the day, not every row it has.
        Index("ix_usage_daily_bot_day", "bot_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bot_id: Mapped[int] = mapped_column(ForeignKey("bots.id", ondelete="CASCADE"))
    # 0 when no key was involved (dashboard tests, CLI); keeps the unique key simple.
    key_id: Mapped[int] = mapped_column(Integer, default=0)
    model: Mapped[str] = mapped_column(String(200))
    day: Mapped[date] = mapped_column(Date)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    input_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    output_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    cost_micros: Mapped[int] = mapped_column(BigInteger, default=0)
    latency_ms_total: Mapped[int] = mapped_column(BigInteger, default=0)


class Webhook(Model):
    """A site owner's endpoint for events; the secret signs every delivery."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    bot_id: Mapped[int] = mapped_column(ForeignKey("bots.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Kept in clear: signing needs it. Shown to the owner once, at creation.
    secret: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Failed attempts since the last success; reaching the limit disables the webhook.
    failures: Mapped[int] = mapped_column(Integer, default=0)
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime)
    disabled_reason: Mapped[str | None] = mapped_column(Text)


class WebhookEvent(Model):
    """The outbox: one row per event, written in the transaction that caused it."""

    __tablename__ = "webhook_events"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    bot_id: Mapped[int] = mapped_column(ForeignKey("bots.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class WebhookDelivery(Model):
    """One event owed to one webhook: its status, attempts and lease."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(
        ForeignKey("webhooks.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(ForeignKey("webhook_events.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="pending")  # delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # A worker holds a claimed row until then; after a crash another picks it up.
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    event: Mapped[WebhookEvent] = relationship()


class QuotaDaily(Model):
    """Messages a key has sent on one UTC day: its daily quota, shared by every worker."""

    __tablename__ = "key_quota_daily"

    key_id: Mapped[int] = mapped_column(
        ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    used: Mapped[int] = mapped_column(Integer, default=0)


class Lead(Model):
    """A visitor's contact details or request for a person, kept with their conversation."""

    __tablename__ = "leads"
    __table_args__ = (Index("ix_leads_bot_created", "bot_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bot_id: Mapped[int] = mapped_column(ForeignKey("bots.id", ondelete="CASCADE"))
    session_id: Mapped[str] = mapped_column(String(128))
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # lead or handoff
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(320))
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


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


class Task(Model):
    """A background task's durable record: the queue's message carries only its id."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_status_lease", "status", "lease_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Bytes the task works on (an upload), kept until the task is done.
    payload: Mapped[bytes | None] = mapped_column(db.LargeBinary)
    status: Mapped[str] = mapped_column(String(20), default="queued")  # running, done, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    error: Mapped[str | None] = mapped_column(Text)
    bot_id: Mapped[int | None] = mapped_column(
        ForeignKey("bots.id", ondelete="CASCADE"), index=True
    )
    # A running task's worker renews this; once it passes, another worker takes over.
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


# Full-text search lives beside the chunks table: FTS5 on SQLite, a GIN
# expression index on PostgreSQL. The migration calls the same function.
SQLITE_SEARCH_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5("
    "title, heading, content, content='chunks', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS chunks_ai AFTER INSERT ON chunks BEGIN "
    "INSERT INTO chunks_fts(rowid, title, heading, content) "
    "VALUES (new.id, new.title, new.heading, new.content); END",
    "CREATE TRIGGER IF NOT EXISTS chunks_ad AFTER DELETE ON chunks BEGIN "
    "INSERT INTO chunks_fts(chunks_fts, rowid, title, heading, content) "
    "VALUES ('delete', old.id, old.title, old.heading, old.content); END",
    # Only a change to indexed text re-indexes: moving staged chunks to their bot stays cheap.
    "CREATE TRIGGER IF NOT EXISTS chunks_au AFTER UPDATE OF title, heading, content ON chunks "
    "BEGIN "
    "INSERT INTO chunks_fts(chunks_fts, rowid, title, heading, content) "
    "VALUES ('delete', old.id, old.title, old.heading, old.content); "
    "INSERT INTO chunks_fts(rowid, title, heading, content) "
    "VALUES (new.id, new.title, new.heading, new.content); END",
]
POSTGRES_SEARCH_DDL = [
    # A stored tsvector: ranking reads it instead of re-parsing every candidate's text.
    "ALTER TABLE chunks ADD COLUMN IF NOT EXISTS tsv tsvector GENERATED ALWAYS AS ("
    "to_tsvector('english', coalesce(title, '') || ' ' || coalesce(heading, '') "
    "|| ' ' || content)) STORED",
    "CREATE INDEX IF NOT EXISTS ix_chunks_tsv ON chunks USING GIN (tsv)",
]


def install_search(connection: Any) -> None:
    """Create the full-text index that matches the connection's database."""
    name = connection.dialect.name
    statements = {"sqlite": SQLITE_SEARCH_DDL, "postgresql": POSTGRES_SEARCH_DDL}.get(name, [])
    for statement in statements:
        connection.exec_driver_sql(statement)


@event.listens_for(Chunk.__table__, "after_create")
def _chunks_created(target: Any, connection: Any, **kw: Any) -> None:
    install_search(connection)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Give SQLite write-ahead logging, a busy timeout and enforced foreign keys."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
