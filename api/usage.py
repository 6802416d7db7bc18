"""Developer usage route: tokens and cost over a date range, per model and per day."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, jsonify, request

from api.blueprints import developer
from api.errors import InvalidRequest
from api.sessions import caller_for
from engine.usage import MAX_DAYS, usage_report
from models import utcnow

DEFAULT_DAYS = 30
# The days a report may name: far-off dates would overflow the range arithmetic.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9999, 1, 1)


def date_arg(name: str) -> date | None:
    """Read a YYYY-MM-DD query parameter, or raise 400."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        if len(raw) != 10:
            raise ValueError
        day = date.fromisoformat(raw)
    except ValueError:
        raise InvalidRequest(f"'{name}' must be a date like 2025-01-31.") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidRequest(f"'{name}' must be between {FIRST_DAY} and {LAST_DAY}.")
    return day


def date_range() -> tuple[date, date]:
    """Return the requested days; by default the last 30 days up to today (UTC)."""
    start, end = date_arg("start_date"), date_arg("end_date")
    if end is None:
        end = max(utcnow().date(), start) if start else utcnow().date()
    if start is None:
        start = end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise InvalidRequest("'start_date' must not be after 'end_date'.")
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidRequest(f"A usage report covers at most {MAX_DAYS} days; narrow the range.")
    return start, end


@developer.get("/usage")
def usage() -> Response:
    """Return the bot's usage between start_date and end_date, both included."""
    caller = caller_for("usage:read")
    start, end = date_range()
    return jsonify({"success": True, **usage_report(caller.bot.id, start, end)})
