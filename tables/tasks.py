"""Background tasks' durable records (tasks/ runs them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tables.base import Model, db, utcnow


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
