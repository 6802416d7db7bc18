"""Leads and hand-off requests: stored with the conversation, sent as webhooks and email."""

from __future__ import annotations

import logging
import re
import smtplib
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from sqlalchemy import select

import tasks
from models import Bot, Conversation, Lead, Task, db
from services.webhooks import emit_event

log = logging.getLogger("docent.leads")
KINDS = ("lead", "handoff")
EVENTS = {"lead": "lead.created", "handoff": "handoff.requested"}
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def lead_dict(lead: Lead) -> dict[str, Any]:
    """Return a lead as the dashboard, the API and webhooks see it."""
    return {
        "id": lead.id,
        "kind": lead.kind,
        "session_id": lead.session_id,
        "name": lead.name,
        "email": lead.email,
        "message": lead.message,
        "created_at": lead.created_at.isoformat() + "Z",
    }


def record_lead(bot: Bot, session_id: str, kind: str, name: str, email: str, text: str) -> Lead:
    """Store a submission with its conversation, emit its webhook and queue its email."""
    conversation_id = db.session.scalar(
        select(Conversation.id).where(
            Conversation.bot_id == bot.id, Conversation.session_id == session_id
        )
    )
    lead = Lead(
        bot_id=bot.id,
        session_id=session_id,
        conversation_id=conversation_id,
        kind=kind,
        name=name,
        email=email,
        message=text,
    )
    db.session.add(lead)
    db.session.flush()
    emit_event(bot.id, EVENTS[kind], {"bot_id": bot.id, **lead_dict(lead)})
    db.session.commit()
    if current_app.config["SMTP_URL"] and bot.owner is not None:
        tasks.enqueue("email_lead", {"lead_id": lead.id}, bot_id=bot.id)
    return lead


def bot_leads(bot_id: int, limit: int = 200) -> list[Lead]:
    """Return a bot's leads and hand-off requests, newest first."""
    query = (
        select(Lead).where(Lead.bot_id == bot_id).order_by(Lead.created_at.desc(), Lead.id.desc())
    )
    return list(db.session.scalars(query.limit(limit)))


def send_mail(url: str, sender: str, to: str, subject: str, body: str) -> None:
    """Send one plain-text message through the SMTP server named by url."""
    parts = urlsplit(url)
    options = parse_qs(parts.query)
    secure = parts.scheme == "smtps"
    client_class = smtplib.SMTP_SSL if secure else smtplib.SMTP
    port = parts.port or (465 if secure else 25)
    with client_class(parts.hostname or "localhost", port, timeout=20) as client:
        if options.get("starttls") == ["true"]:
            client.starttls()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = sender, to, subject
        message.set_content(body)
        client.send_message(message)


@tasks.handler("email_lead", retries=5)
def email_lead(task: Task) -> None:
    """Email the bot's owner about a lead or a hand-off request."""
    lead = db.session.get(Lead, task.args["lead_id"])
    if lead is None:  # deleted before the email went
        return
    bot = db.session.get(Bot, lead.bot_id)
    if bot is None or bot.owner is None:
        return
    what = "asks to talk to a person" if lead.kind == "handoff" else "left their details"
    body = (
        f"A visitor of {bot.name} {what}.\n\nName: {lead.name or '-'}\nEmail: {lead.email}\n"
        f"Session: {lead.session_id}\n\n{lead.message}\n"
    )
    send_mail(
        current_app.config["SMTP_URL"],
        current_app.config["SMTP_FROM"],
        bot.owner.email,
        f"[{bot.name}] {lead.name or lead.email} {what}",
        body,
    )
