"""Usage: requests, tokens and cost by day and by model, the same numbers as /api/v1/usage."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from flask import Response, render_template, request

from dashboard.access import owned_bot
from dashboard.blueprint import bp
from dashboard.charts import bar_chart, share_bars
from dashboard.conversations import parse_day
from engine.usage import usage_report
from models import utcnow

RANGES = (("7", "Last 7 days"), ("30", "Last 30 days"), ("90", "Last 90 days"))


def date_range() -> tuple[date, date, str | None]:
    """Return the request's start and end days (default: the last 30) and any complaint."""
    today = utcnow().date()
    days = request.args.get("days")
    if days in {d for d, _ in RANGES}:
        return today - timedelta(days=int(days) - 1), today, None
    start = parse_day(request.args.get("start"))
    end = parse_day(request.args.get("end"))
    if request.args.get("start") and start is None or request.args.get("end") and end is None:
        return (
            today - timedelta(days=29),
            today,
            "Dates look like 2025-01-31; showing the last 30 days.",
        )
    end = end or today
    start = start or end - timedelta(days=29)
    return start, end, None


@bp.get("/dashboard/bots/<int:bot_id>/usage")
def usage(bot_id: int) -> Any:
    """Show charts and tables of usage for a date range."""
    bot = owned_bot(bot_id)
    start, end, problem = date_range()
    try:
        report = usage_report(bot.id, start, end)
    except ValueError as exc:
        problem = str(exc)
        start, end = utcnow().date() - timedelta(days=29), utcnow().date()
        report = usage_report(bot.id, start, end)
    days = [date.fromisoformat(d["date"]) for d in report["by_day"]]
    by_day = report["by_day"]

    def titles(fmt: str) -> list[str]:
        return [
            fmt.format(label=f"{day:%a %b} {day.day}", **row)
            for day, row in zip(days, by_day, strict=True)
        ]

    charts = {
        "requests": bar_chart(
            days, [[d["requests"] for d in by_day]], titles("{label}: {requests} requests")
        ),
        "tokens": bar_chart(
            days,
            [[d["input_tokens"] for d in by_day], [d["output_tokens"] for d in by_day]],
            titles("{label}: {input_tokens} input + {output_tokens} output tokens"),
        ),
        "cost": bar_chart(
            days, [[d["cost"] for d in by_day]], titles("{label}: ${cost}"), money=True
        ),
    }
    status = 400 if problem and request.args else 200
    return render_template(
        "dashboard/usage.html",
        bot=bot,
        report=report,
        charts=charts,
        start=start,
        end=end,
        problem=problem,
        ranges=RANGES,
        model_share=share_bars(report["by_model"], "cost"),
        token_share=share_bars(report["by_model"], "total_tokens"),
        api_query=f"start_date={start.isoformat()}&end_date={end.isoformat()}",
    ), status


@bp.get("/dashboard/bots/<int:bot_id>/usage.json")
def usage_json(bot_id: int) -> Response:
    """Return the same payload as /api/v1/usage, for the owner's own scripts."""
    bot = owned_bot(bot_id)
    start, end, _ = date_range()
    try:
        report = usage_report(bot.id, start, end)
    except ValueError as exc:
        return Response(
            json.dumps(
                {"success": False, "error": {"code": "invalid_request", "message": str(exc)}}
            ),
            400,
            mimetype="application/json",
        )
    return Response(json.dumps({"success": True, **report}), mimetype="application/json")
