"""Conversations: list with search and dates, transcripts, delete, export as JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Response, flash, redirect, render_template, request, stream_with_context, url_for
from sqlalchemy import Select, exists, or_
from werkzeug.wrappers import Response as WerkzeugResponse

from dashboard.access import owned, owned_bot
from dashboard.blueprint import bp
from dashboard.forms import ButtonForm
from engine.prices import dollars
from models import Bot, Conversation, Message, db, utcnow
from services.conversations import conversations_in_order, message_dict
from services.conversations import delete_conversation as delete_session

PER_PAGE = 25
# The days a date filter may name.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9999, 1, 1)
# A cell starting with one of these may run as a formula in Excel, LibreOffice or Sheets;
# ";" starts one in locales that use it as the separator, and spreadsheets fold the
# full-width forms to ASCII.
FORMULA_STARTS = frozenset("=+-@\t\r\n;\uff1d\uff0b\uff0d\uff20")
# Pages beyond this show as the last one could; it keeps OFFSET within any database's range.
MAX_PAGE = 100_000
CSV_COLUMNS = [
    "session_id",
    "conversation",
    "message_id",
    "created_at",
    "role",
    "status",
    "answered",
    "content",
    "sources",
    "model",
    "input_tokens",
    "output_tokens",
    "cost",
    "feedback",
    "feedback_comment",
    "error",
]


def parse_day(value: str | None) -> date | None:
    """Return a YYYY-MM-DD date, or None when empty, malformed or out of range."""
    try:
        day = date.fromisoformat((value or "").strip()) if value else None
    except ValueError:
        return None
    # Far-off dates would overflow the date arithmetic of ranges; no usage is there anyway.
    return day if day is None or FIRST_DAY <= day <= LAST_DAY else None


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def filtered(bot: Bot) -> tuple[Select[Any], dict[str, Any]]:
    """Return the conversations query for the request's search and dates, and the filters."""
    q = (request.args.get("q") or "").strip()[:200]
    start, end = parse_day(request.args.get("start")), parse_day(request.args.get("end"))
    query = db.select(Conversation).where(Conversation.bot_id == bot.id)
    if q:
        pattern = _like(q)
        query = query.where(
            or_(
                Conversation.name.ilike(pattern, escape="\\"),
                Conversation.session_id.ilike(pattern, escape="\\"),
                exists().where(
                    Message.conversation_id == Conversation.id,
                    Message.content.ilike(pattern, escape="\\"),
                ),
            )
        )
    if start:
        query = query.where(Conversation.last_at >= datetime.combine(start, time.min))
    if end:
        query = query.where(
            Conversation.last_at < datetime.combine(end + timedelta(days=1), time.min)
        )
    filters = {
        "q": q,
        "start": start.isoformat() if start else "",
        "end": end.isoformat() if end else "",
    }
    return query.order_by(Conversation.last_at.desc(), Conversation.id.desc()), filters


@bp.get("/dashboard/bots/<int:bot_id>/conversations")
def conversations(bot_id: int) -> str:
    """List conversations, newest first, with search and a date filter."""
    bot = owned_bot(bot_id)
    query, filters = filtered(bot)
    page = min(max(1, request.args.get("page", 1, type=int) or 1), MAX_PAGE)
    ids = list(
        db.session.execute(
            query.with_only_columns(Conversation.id)
            .limit(PER_PAGE + 1)
            .offset((page - 1) * PER_PAGE)
        ).scalars()
    )
    rows = conversations_in_order(ids)
    any_at_all = (
        bool(rows)
        or db.session.execute(
            db.select(Conversation.id).where(Conversation.bot_id == bot.id).limit(1)
        ).first()
    )
    return render_template(
        "dashboard/conversations.html",
        bot=bot,
        rows=rows[:PER_PAGE],
        has_more=len(rows) > PER_PAGE,
        page=page,
        filters=filters,
        any_at_all=any_at_all,
    )


@bp.get("/dashboard/bots/<int:bot_id>/conversations/<int:conversation_id>")
def transcript(bot_id: int, conversation_id: int) -> str:
    """Show one conversation with sources, status, feedback and usage."""
    bot = owned_bot(bot_id)
    conversation = owned(Conversation, conversation_id, bot)
    messages = conversation.messages
    totals = {
        "input_tokens": sum(m.input_tokens for m in messages),
        "output_tokens": sum(m.output_tokens for m in messages),
        "cost": dollars(sum(m.cost_micros for m in messages)),
    }
    return render_template(
        "dashboard/transcript.html",
        bot=bot,
        conversation=conversation,
        messages=messages,
        totals=totals,
        button=ButtonForm(),
    )


@bp.post("/dashboard/bots/<int:bot_id>/conversations/<int:conversation_id>/delete")
def delete_conversation(bot_id: int, conversation_id: int) -> WerkzeugResponse:
    """Delete a conversation and its messages (usage totals are kept)."""
    bot = owned_bot(bot_id)
    conversation = owned(Conversation, conversation_id, bot)
    delete_session(conversation)
    flash("Conversation deleted, with its ratings and leads.", "success")
    return redirect(url_for("dashboard.conversations", bot_id=bot.id))


def message_record(message: Message) -> dict[str, Any]:
    """Return a message as exported: what API clients see, plus its usage and error."""
    return {
        **message_dict(message),
        "error": message.error,
        "model": message.model,
        "input_tokens": message.input_tokens,
        "output_tokens": message.output_tokens,
        "cost": dollars(message.cost_micros),
        "latency_ms": message.latency_ms,
    }


def _filename(bot: Bot, extension: str) -> str:
    return f"docent-bot{bot.id}-conversations-{utcnow():%Y%m%d-%H%M%S}.{extension}"


@bp.get("/dashboard/bots/<int:bot_id>/conversations/export.json")
def export_json(bot_id: int) -> Response:
    """Download the listed conversations with every message, as JSON."""
    bot = owned_bot(bot_id)
    query, filters = filtered(bot)

    def generate() -> Iterator[str]:
        head = {
            "bot": {"id": bot.id, "name": bot.name},
            "filters": filters,
            "exported_at": utcnow().isoformat() + "Z",
        }
        yield json.dumps(head)[:-1] + ', "conversations": ['
        for index, conversation in enumerate(db.session.execute(query).scalars()):
            item = {
                "session_id": conversation.session_id,
                "name": conversation.name,
                "created_at": conversation.created_at.isoformat() + "Z",
                "last_at": conversation.last_at.isoformat() + "Z",
                "messages": [message_record(m) for m in conversation.messages],
            }
            yield ("," if index else "") + json.dumps(item)
        yield "]}"

    return Response(
        stream_with_context(generate()),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{_filename(bot, "json")}"'},
    )


def csv_cell(value: Any) -> Any:
    """Keep spreadsheet apps from running a cell as a formula."""
    if isinstance(value, str) and value.lstrip(" ")[:1] in FORMULA_STARTS:
        return "'" + value
    return value


@bp.get("/dashboard/bots/<int:bot_id>/conversations/export.csv")
def export_csv(bot_id: int) -> Response:
    """Download the listed conversations, one message a row, as CSV."""
    bot = owned_bot(bot_id)
    query, _ = filtered(bot)

    def generate() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for conversation in db.session.execute(query).scalars():
            for message in conversation.messages:
                record = message_record(message)
                feedback = record["feedback"] or {}
                writer.writerow(
                    [
                        csv_cell(v)
                        for v in (
                            conversation.session_id,
                            conversation.name,
                            message.id,
                            record["created_at"],
                            message.role,
                            message.status,
                            "" if message.answered is None else str(message.answered).lower(),
                            message.content,
                            " | ".join(s.get("title", "") for s in record["sources"]),
                            message.model or "",
                            message.input_tokens,
                            message.output_tokens,
                            record["cost"],
                            feedback.get("rating", ""),
                            feedback.get("comment", ""),
                            (message.error or {}).get("message", ""),
                        )
                    ]
                )
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_filename(bot, "csv")}"'},
    )
