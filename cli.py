"""The `flask --app app …` commands of SPEC §1; each prints one JSON object."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, NoReturn

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

import knowledge
from engine.drafts import reconcile as reconcile_answers
from knowledge import passage_vectors
from knowledge.languages import LANGUAGES
from models import ApiKey, Bot, db
from seed import seed_demo
from services.accounts import create_user, find_user
from services.bots import create_bot
from services.keys import create_key, revoke_key
from services.retention import purge_all
from services.webhook_delivery import deliver_due_webhooks

users = AppGroup("users", help="Manage dashboard owners.")
bots = AppGroup("bots", help="Manage bots.")
keys = AppGroup("keys", help="Manage API keys.")
docs = AppGroup("docs", help="Manage a bot's documents.")
webhooks = AppGroup("webhooks", help="Deliver webhook events.")
retention = AppGroup("retention", help="Apply each bot's conversation retention limit.")


def emit(payload: dict[str, Any]) -> None:
    """Print one JSON object on stdout."""
    click.echo(json.dumps(payload))


def fail(message: str) -> NoReturn:
    """Stop with a clear message on stderr and exit status 1."""
    raise click.ClickException(message)


@users.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
def users_create(email: str, password: str) -> None:
    """Create a dashboard owner."""
    try:
        emit({"user_id": create_user(email, password).id})
    except ValueError as exc:
        fail(str(exc))


@bots.command("create")
@click.option("--name", required=True)
@click.option("--owner", "owner_email", default=None, help="Owner's email.")
@click.option("--prompt", default="", help="System prompt.")
@click.option("--model", default=None, help="Chat model; 'offline' forces the offline engine.")
@click.option(
    "--language",
    default="en",
    type=click.Choice(list(LANGUAGES)),
    help="Language of the bot's documents (stemming and stop words).",
)
def bots_create(
    name: str, owner_email: str | None, prompt: str, model: str | None, language: str
) -> None:
    """Create a bot."""
    owner = None
    if owner_email:
        owner = find_user(owner_email)
        if owner is None:
            fail(f"No owner with email {owner_email}.")
    try:
        emit({"bot_id": create_bot(name, owner, prompt, model, language).id})
    except ValueError as exc:
        fail(str(exc))


@keys.command("create")
@click.option("--bot", "bot_id", required=True, type=int)
@click.option("--kind", required=True, type=click.Choice(["public", "secret"]))
@click.option("--origin", "origins", multiple=True)
@click.option("--scope", "scopes", multiple=True)
@click.option("--rate-limit", default=None)
@click.option("--daily-quota", default=None, type=int)
def keys_create(
    bot_id: int,
    kind: str,
    origins: tuple[str, ...],
    scopes: tuple[str, ...],
    rate_limit: str | None,
    daily_quota: int | None,
) -> None:
    """Create a key; its text is printed once."""
    bot = db.session.get(Bot, bot_id)
    if bot is None:
        fail(f"No bot with id {bot_id}.")
    try:
        key, text = create_key(
            bot,
            kind,
            origins=list(origins),
            scopes=list(scopes) or None,
            rate_limit=rate_limit,
            daily_quota=daily_quota,
        )
    except ValueError as exc:
        fail(str(exc))
    emit({"key_id": key.id, "key": text})


@keys.command("revoke")
@click.argument("key_id", type=int)
def keys_revoke(key_id: int) -> None:
    """Revoke a key; it stops working on the next request."""
    key = db.session.get(ApiKey, key_id)
    if key is None:
        fail(f"No key with id {key_id}.")
    revoke_key(key)
    emit({"revoked": True})


@docs.command("add")
@click.option("--bot", "bot_id", required=True, type=int)
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def docs_add(bot_id: int, paths: tuple[str, ...]) -> None:
    """Add files (.txt, .md, .html, .pdf, .docx) to a bot's knowledge."""
    if db.session.get(Bot, bot_id) is None:
        fail(f"No bot with id {bot_id}.")
    chunks = 0
    for path in paths:
        try:
            document = knowledge.add_file(bot_id, Path(path).name, Path(path).read_bytes())
        except knowledge.IngestError as exc:
            fail(f"{path}: {exc}")
        chunks += document.chunk_count
    emit({"documents": len(paths), "chunks": chunks})


@docs.command("embed")
@click.option("--bot", "bot_id", type=int, help="Only this bot's chunks (default: every bot's).")
def docs_embed(bot_id: int | None) -> None:
    """Give stored chunks their passage vectors now (the worker does it in the background)."""
    if bot_id is not None and db.session.get(Bot, bot_id) is None:
        fail(f"No bot with id {bot_id}.")
    if not passage_vectors.enabled():
        fail("Passage vectors are off (DOCENT_PASSAGE_VECTORS) or the model is not installed.")
    emit({"embedded": passage_vectors.fill(bot_id=bot_id)})


@webhooks.command("deliver")
@click.option("--loop", is_flag=True, help="Keep delivering, one pass every poll interval.")
def webhooks_deliver(loop: bool) -> None:
    """Deliver due webhook events once (or forever with --loop); print what happened."""
    while True:
        counts = deliver_due_webhooks()
        if not loop or any(counts.values()):
            emit(counts)
        if not loop:
            return
        time.sleep(float(current_app.config["WEBHOOK_POLL_SECONDS"]))


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Create the demo owner, bot, documents and key if missing, and print how to try them."""
    # Uploads a stopped server left half-processed are marked failed, with a reason;
    # answers it left unfinished are stored as interrupted, with their usage.
    knowledge.mark_interrupted()
    reconcile_answers()
    demo = seed_demo()
    click.echo(
        "\nDocent is ready.\n"
        f"  Dashboard:  {demo['dashboard']}\n"
        f"  Login:      {demo['email']} / {demo['password']}\n"
        f"  Demo site:  {demo['demo_page']}  (a host page on another origin, widget embedded)\n"
        f"  API docs:   {demo['dashboard'].rsplit('/', 1)[0]}/api/docs\n"
    )


@click.command("reconcile")
@click.option(
    "--older-than",
    default=None,
    type=click.FloatRange(min=0),
    help="Seconds an answer may go unwritten before it counts as stopped (default 600).",
)
@with_appcontext
def reconcile_command(older_than: float | None) -> None:
    """Store answers and uploads that a stopped worker left unfinished as interrupted/failed."""
    answers = reconcile_answers(older_than)
    documents = knowledge.mark_interrupted()
    emit({"answers": answers, "documents": documents})


@retention.command("purge")
def retention_purge() -> None:
    """Delete conversations and leads older than each bot's limit; print how many."""
    emit({"conversations_deleted": purge_all()})


def register(app: Flask) -> None:
    """Add the command groups to the app's CLI."""
    for group in (users, bots, keys, docs, webhooks, retention, seed_command, reconcile_command):
        app.cli.add_command(group)
