"""Usage reports: totals, per model and per day, summed from the daily aggregate rows."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func

from engine.prices import dollars
from models import UsageDaily, db

# The widest range one report covers; a year and a day spans any calendar year.
MAX_DAYS = 366


def _counts(requests: int, input_tokens: int, output_tokens: int, cost: int) -> dict[str, Any]:
    return {
        "requests": int(requests),
        "input_tokens": int(input_tokens),
        "output_tokens": int(output_tokens),
        "total_tokens": int(input_tokens) + int(output_tokens),
        "cost": dollars(int(cost)),
    }


def usage_report(bot_id: int, start: date, end: date) -> dict[str, Any]:
    """Return SPEC §4's usage payload (without "success") for the days start..end inclusive.

    Costs are summed in micro-dollars and converted once, so every total equals the
    sum of the recorded calls exactly. `by_day` lists every day of the range, zeros
    included, oldest first; `by_model` lists the costliest model first.
    """
    if end < start:
        raise ValueError("The start date must not be after the end date.")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValueError(f"A usage report covers at most {MAX_DAYS} days.")
    # coalesce: SUM over no rows is NULL.
    sums = (
        func.coalesce(func.sum(UsageDaily.requests), 0),
        func.coalesce(func.sum(UsageDaily.input_tokens), 0),
        func.coalesce(func.sum(UsageDaily.output_tokens), 0),
        func.coalesce(func.sum(UsageDaily.cost_micros), 0),
    )
    in_range = (UsageDaily.bot_id == bot_id, UsageDaily.day >= start, UsageDaily.day <= end)
    models = db.session.execute(
        db.select(UsageDaily.model, *sums).where(*in_range).group_by(UsageDaily.model)
    ).all()
    days = {
        row[0]: row[1:]
        for row in db.session.execute(
            db.select(UsageDaily.day, *sums).where(*in_range).group_by(UsageDaily.day)
        ).all()
    }
    by_model = sorted(
        ({"model": row[0], **_counts(*row[1:])} for row in models),
        key=lambda item: (-item["cost"], -item["requests"], item["model"]),
    )
    by_day = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        by_day.append({"date": day.isoformat(), **_counts(*days.get(day, (0, 0, 0, 0)))})
    totals = [sum(int(row[i]) for row in models) for i in range(1, 5)]
    total = _counts(*totals)
    return {
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "usage": {
            "total_requests": total["requests"],
            "total_input_tokens": total["input_tokens"],
            "total_output_tokens": total["output_tokens"],
            "total_tokens": total["total_tokens"],
            "total_cost": total["cost"],
        },
        "by_model": by_model,
        "by_day": by_day,
    }
