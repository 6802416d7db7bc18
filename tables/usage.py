"""Counters by UTC day: a key's usage and cost for analytics, and its daily message quota."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tables.base import Model


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


class QuotaDaily(Model):
    """Messages a key has sent on one UTC day: its daily quota, shared by every worker."""

    __tablename__ = "key_quota_daily"

    key_id: Mapped[int] = mapped_column(
        ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    used: Mapped[int] = mapped_column(Integer, default=0)
