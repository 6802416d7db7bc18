"""Every table Docent stores, typed with SQLAlchemy 2.0.

The core tables (accounts, bots, keys, documents, conversations) are defined here; the
rest live by area in tables/ and are re-exported, so the app imports every table from here.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
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
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tables.base import Base, Model, db, new_id, table_of, upsert_for, utcnow
from tables.passages import PassageVector
from tables.search import (
    POSTGRES_SEARCH_DDL,
    POSTGRES_TSV_COLUMN_DDL,
    SQLITE_SEARCH_DDL,
    drop_search,
    install_postgres_search,
    install_search,
)
from tables.sources import Source, SourcePage
from tables.tasks import Task
from tables.usage import QuotaDaily, UsageDaily
from tables.webhooks import Webhook, WebhookDelivery, WebhookEvent

__all__ = [
    "POSTGRES_SEARCH_DDL",
    "POSTGRES_TSV_COLUMN_DDL",
    "SQLITE_SEARCH_DDL",
    "ApiKey",
    "Base",
    "Bot",
    "Chunk",
    "Conversation",
    "Document",
    "Feedback",
    "Lead",
    "Message",
    "Model",
    "PassageVector",
    "QuotaDaily",
    "Source",
    "SourcePage",
    "Task",
    "UsageDaily",
    "User",
    "Webhook",
    "WebhookDelivery",
    "WebhookEvent",
    "db",
    "drop_search",
    "install_postgres_search",
    "install_search",
    "table_of",
    "upsert_for",
    "new_id",
    "utcnow",
]


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


@event.listens_for(Chunk.__table__, "after_create")
def _chunks_created(target: Any, connection: Any, **kw: Any) -> None:
    install_search(connection)


@event.listens_for(Chunk.__table__, "before_drop")
def _chunks_dropping(target: Any, connection: Any, **kw: Any) -> None:
    drop_search(connection)
