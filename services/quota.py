"""Daily message quotas kept in the database, so restarts and workers share one count."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import bindparam

from models import QuotaDaily, db, table_of, upsert_for


def today() -> date:
    """Return the current UTC day, the span of a daily quota."""
    return datetime.now(UTC).date()


def take(key_id: int, quota: int, day: date | None = None, *, commit: bool = True) -> bool:
    """Count one message for the key today if it is under quota; tell whether it was.

    One statement: an insert of the day's row, or an increment guarded by `used <
    quota`. PostgreSQL locks the row and SQLite serialises writers, so concurrent
    requests in any number of workers let exactly `quota` through. With commit=False
    the count is part of the caller's transaction (a turn commits it with its question).
    """
    values = {"key_id": key_id, "day": day or today(), "used": 1, "quota": quota}
    used = db.session.execute(_take(db.engine.dialect.name), values).scalar_one_or_none()
    if commit:
        db.session.commit()
    return used is not None


@functools.cache
def _take(dialect: str) -> Any:
    """Return the quota's guarded upsert for a dialect, built once (values per call)."""
    table = table_of(QuotaDaily)
    return (
        upsert_for(dialect)(table)
        .values(key_id=bindparam("key_id"), day=bindparam("day"), used=bindparam("used"))
        .on_conflict_do_update(
            index_elements=["key_id", "day"],
            set_={"used": table.c.used + 1},
            where=table.c.used < bindparam("quota"),
        )
        .returning(table.c.used)
    )


def used_today(key_id: int) -> int:
    """Return how many messages the key has sent today."""
    row = db.session.get(QuotaDaily, (key_id, today()))
    return row.used if row is not None else 0


def shared_memory_warning(storage_uri: str, workers: int) -> str | None:
    """Return a loud warning when several workers would each keep their own memory:// limits."""
    if not str(storage_uri).startswith("memory://") or workers <= 1:
        return None
    return (
        f"WARNING: RATELIMIT_STORAGE_URI is memory:// with {workers} workers: each worker "
        f"counts per-minute limits on its own, so a key or an IP gets up to {workers} times "
        "its limit. Set RATELIMIT_STORAGE_URI=redis://... to share them (daily quotas are "
        "kept in the database and are exact either way)."
    )
