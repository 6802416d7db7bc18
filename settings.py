"""Every setting, declared once: its default, its type, its check and the sentence it fails with.

app.py loads this table into the app's config (defaults, then the environment, then a
test's overrides) and calls `check` to convert and validate it; the rest of the code
reads a setting with `value(name)` or `current_app.config[name]`, never with an inline
default. To add a setting, add a row here and a line to the README's (or docs/) table;
settings_types.py has the shorthands (`whole`, `seconds`, `positive`, `size`, `plain`).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from typing import Any

from flask import current_app, has_app_context

from engine.prices import price_table
from settings_types import (
    Refused,
    Setting,
    demo,
    flag,
    limit,
    plain,
    positive,
    prices,
    seconds,
    size,
    whole,
)
from tasks.queue import SCHEMES

_STORAGES = ("memory://", "redis://", "rediss://", "redis+", "memcached://", "mongodb://", "valkey")

TABLE: tuple[Setting, ...] = (
    # Where data lives: SQLite in the instance folder (app.py fills it in) unless DATABASE_URL.
    Setting(
        "SQLALCHEMY_DATABASE_URI",
        None,
        str,
        lambda v: "://" in v,
        "DATABASE_URL must be a SQLAlchemy URL like postgresql+psycopg://user@host/db.",
        "DATABASE_URL",
    ),
    # Streams hold a connection only around their reads and writes; 30 per process serves
    # many concurrent streams without exhausting PostgreSQL's 100 (docs/deploy.md).
    plain(
        "SQLALCHEMY_ENGINE_OPTIONS", {"pool_size": 10, "max_overflow": 20, "pool_pre_ping": True}
    ),
    whole("DB_POOL_SIZE", 10, 1, 500, "connections"),
    whole("DB_MAX_OVERFLOW", 20, 0, 500, "connections"),
    seconds("DB_POOL_TIMEOUT", 10),
    # The session signing key; generated into the instance folder when unset.
    plain("SECRET_KEY", None, env="SECRET_KEY"),
    # Model server; with no key the offline engine answers from documents.
    plain("OPENAI_API_KEY", None, env="OPENAI_API_KEY"),
    Setting(
        "OPENAI_BASE_URL",
        None,
        str,
        lambda v: v.startswith(("http://", "https://")),
        "OPENAI_BASE_URL must be an http:// or https:// URL, like http://127.0.0.1:11434/v1.",
        "OPENAI_BASE_URL",
    ),
    Setting(
        "MODEL",
        "gpt-4.1-mini",
        str,
        lambda v: 0 < len(v.strip()) <= 200,
        "DOCENT_MODEL must name a chat model, like gpt-4.1-mini.",
    ),
    # Upstream timeouts in seconds; retries happen only before the first token.
    seconds("UPSTREAM_CONNECT_TIMEOUT", 10),
    seconds("UPSTREAM_IDLE_TIMEOUT", 60),
    whole("UPSTREAM_RETRIES", 2, 0, 10),
    # Flask-Limiter storage (use redis://… with several workers or hosts) and key prefix
    # (the per-key limits use it too; empty: "docent").
    Setting(
        "RATELIMIT_STORAGE_URI",
        "memory://",
        str,
        lambda v: v.startswith(_STORAGES),
        "RATELIMIT_STORAGE_URI must be memory:// or a storage URL like redis://host:6379.",
        "RATELIMIT_STORAGE_URI",
    ),
    plain("RATELIMIT_KEY_PREFIX", ""),
    plain("RATELIMIT_HEADERS_ENABLED", True),
    # Per-client-IP limit on chat routes; sign-in and sign-up attempts per IP and per email.
    Setting(
        "RATE_LIMIT_IP",
        "30/minute",
        limit,
        None,
        "DOCENT_RATE_LIMIT_IP {value!r} is not a limit like '30/minute'.",
    ),
    Setting(
        "LOGIN_RATE_LIMIT",
        "10/minute;50/hour",
        limit,
        None,
        "DOCENT_LOGIN_RATE_LIMIT {value!r} is not a limit like '10/minute;50/hour'.",
    ),
    # Proxy hops whose X-Forwarded-For is trusted for the client IP.
    Setting(
        "TRUSTED_PROXIES",
        0,
        int,
        lambda v: v >= 0,
        "DOCENT_TRUSTED_PROXIES must be a whole number of proxy hops, like 1.",
    ),
    # How many passages go into a prompt, and the token budget for history.
    whole("CONTEXT_PASSAGES", 5, 1, 50),
    whole("HISTORY_TOKENS", 2000, 0, unit="tokens"),
    # Questions a process prepares at once (key checked, stored, retrieved for), the rest
    # waiting in arrival order; 0 prepares every question at once (services/admission.py).
    whole("QUESTION_PLACES", 1, 0, 1000),
    # Embeddings model on the OpenAI-compatible server (unset: the built-in local model),
    # the vectors' length it is asked for (unset: the model's own), and its timeout.
    plain("EMBEDDINGS_MODEL", None),
    whole("EMBEDDINGS_DIMENSIONS", None, 1),
    seconds("EMBEDDINGS_TIMEOUT", 30),
    # Memory for cached vector indexes across bots, in MB: the least recently used go
    # first, the index in use always stays.
    whole("VECTOR_CACHE_MB", 256, 0, unit="megabytes"),
    # Rank by the passage model too (knowledge/passage_vectors.py): the worker embeds
    # stored chunks in the background and retrieval uses their vectors once they exist.
    Setting("PASSAGE_VECTORS", True, flag, None, "DOCENT_PASSAGE_VECTORS must be true or false."),
    # Calibrated probability above which a bot answers rather than giving its fallback.
    Setting(
        "RETRIEVAL_CONFIDENCE",
        0.5,
        float,
        lambda v: 0 <= v <= 1,
        "DOCENT_RETRIEVAL_CONFIDENCE must be a number from 0 to 1.",
    ),
    # Seconds between ": ping" comments on SSE streams.
    seconds("SSE_PING_SECONDS", 15),
    # flask-sock's options, merged over api/ws.py's defaults.
    plain("SOCK_SERVER_OPTIONS", {}),
    # Price overrides: {"model": [input, output]} dollars per 1M tokens (merged: PRICE_TABLE).
    Setting("PRICES", {}, prices),
    # Largest request body (uploads included), in bytes.
    size("MAX_CONTENT_LENGTH", 25 * 1024 * 1024),
    # URL import and webhooks refuse private and loopback addresses unless this is true.
    Setting(
        "ALLOW_PRIVATE_URLS", False, flag, None, "DOCENT_ALLOW_PRIVATE_URLS must be true or false."
    ),
    # Webhooks: per-attempt timeout, attempts before giving up on one event, the first
    # retry's wait (doubling after), failures in a row that disable a webhook, how long
    # a worker holds a claimed delivery, days a finished delivery stays in the log, and an
    # in-process poller with its interval (off: a task runs it).
    positive("WEBHOOK_TIMEOUT", 10),
    positive("WEBHOOK_MAX_ATTEMPTS", 8),
    positive("WEBHOOK_BACKOFF_SECONDS", 30),
    positive("WEBHOOK_DISABLE_AFTER", 20),
    positive("WEBHOOK_LEASE_SECONDS", 120),
    positive("WEBHOOK_RETENTION_DAYS", 30),
    plain("WEBHOOK_POLLER", False),
    positive("WEBHOOK_POLL_SECONDS", 5),
    # Leads and hand-off requests are emailed to the bot's owner through this server
    # (smtp://user:pass@host:587?starttls=true or smtps://…); empty sends no email.
    plain("SMTP_URL", ""),
    plain("SMTP_FROM", "docent@localhost"),
    # Site sources: pages per sync at most, hours between scheduled re-syncs, and how long
    # a worker holds a source it syncs (renewed after every page).
    whole("SOURCE_MAX_PAGES", 500, 1, unit="pages"),
    positive("SOURCE_SYNC_HOURS", 24),
    seconds("SOURCE_LEASE_SECONDS", 120),
    # Knowledge: the largest document, a URL import's bytes and timeout, chunk sizes.
    size("MAX_DOCUMENT_BYTES", 25_000_000),
    size("URL_MAX_BYTES", 10_000_000),
    seconds("URL_TIMEOUT", 15.0),
    whole("CHUNK_TOKENS", 320, 50, 8000, "tokens"),
    whole("CHUNK_OVERLAP", 48, 0, unit="tokens"),
    # What parsing one upload may cost (knowledge/limits.py): a .docx's largest inflated
    # member and inflated total, its inflated/compressed ratio for members over 1 MB, its
    # members; an HTML page's tags; a PDF's pages; one document's characters of text.
    whole("DOCX_MAX_MEMBER_BYTES", 20_000_000, 1, unit="bytes"),
    whole("DOCX_MAX_TOTAL_BYTES", 200_000_000, 1, unit="bytes"),
    whole("DOCX_MAX_RATIO", 100, 1),
    whole("DOCX_MAX_MEMBERS", 10_000, 1),
    whole("HTML_MAX_TAGS", 300_000, 1),
    whole("PDF_MAX_PAGES", 2_000, 1, unit="pages"),
    whole("MAX_DOCUMENT_CHARS", 10_000_000, 1, unit="characters"),
    # Dashboard uploads larger than this are processed in the background with progress.
    whole("DASHBOARD_BACKGROUND_BYTES", 256 * 1024, 0, unit="bytes"),
    plain("SESSION_COOKIE_HTTPONLY", True),
    plain("SESSION_COOKIE_SAMESITE", "Lax"),
    plain("REMEMBER_COOKIE_HTTPONLY", True),
    plain("REMEMBER_COOKIE_SAMESITE", "Lax"),
    # Serve the demo host pages under /demo/ (make run sets DOCENT_DEMO=1; never in
    # production), and the API origin they use (unset: the page's other loopback name).
    Setting("DEMO", False, demo, None, "DOCENT_DEMO must be 1 (serve the demo pages) or 0."),
    plain("DEMO_API_BASE", None),
    # Background tasks: huey on this URL (sqlite:///…, redis://…, memory:// runs them in the
    # web process); empty means the limiter's Redis, else instance/tasks.db.
    Setting(
        "QUEUE_URL",
        "",
        str,
        lambda v: v.startswith(SCHEMES),
        "DOCENT_QUEUE_URL must be sqlite:///path, redis://host:6379/0 or memory://.",
    ),
    # Tasks a worker runs at once; seconds a silent worker keeps a task; first retry delay.
    whole("TASK_WORKERS", 1, 1, 64),
    Setting(
        "TASK_LEASE_SECONDS",
        60,
        float,
        lambda v: v >= 1,
        "DOCENT_TASK_LEASE_SECONDS must be a number of seconds, at least 1.",
    ),
    Setting(
        "TASK_RETRY_SECONDS",
        10,
        float,
        lambda v: v >= 0,
        "DOCENT_TASK_RETRY_SECONDS must be a number of seconds, 0 or more.",
    ),
    # Request logs: "json" (one object a line) or "text".
    Setting(
        "LOG_FORMAT",
        "json",
        str,
        lambda v: v in ("json", "text"),
        "DOCENT_LOG_FORMAT must be json or text.",
    ),
)
BY_NAME: dict[str, Setting] = {setting.name: setting for setting in TABLE}


def defaults() -> dict[str, Any]:
    """Return every setting's default (a fresh copy of the mutable ones)."""
    return {setting.name: copy.deepcopy(setting.default) for setting in TABLE}


def from_environment(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Return the settings whose variable is not DOCENT_<NAME> (DATABASE_URL…) that are set."""
    return {s.name: environ[s.env] for s in TABLE if s.env and environ.get(s.env)}


def default(name: str) -> Any:
    """Return a setting's declared default."""
    return BY_NAME[name].default


def value(name: str) -> Any:
    """Return a setting: the app's when there is an app, else the declared default."""
    if has_app_context():
        return current_app.config[name]
    return BY_NAME[name].default


def check(config: Any) -> list[str]:
    """Convert each setting to its type in place; return one sentence per bad one.

    When all are good, also fill in what follows from them (the price table, the pool).
    """
    problems = []
    for setting in TABLE:
        given = config.get(setting.name)
        if given is None or setting.kind is None:
            continue  # unset optional settings (OPENAI_BASE_URL) keep their meaning
        try:
            converted = setting.kind(given)
            if setting.ok is not None and not setting.ok(converted):
                raise ValueError(given)
        except Refused as exc:
            problems.append(str(exc))
            continue
        except (TypeError, ValueError):
            problems.append(setting.sentence.format(value=given))
            continue
        config[setting.name] = converted
    if problems:
        return problems
    if float(config["WEBHOOK_LEASE_SECONDS"]) <= float(config["WEBHOOK_TIMEOUT"]):
        return ["DOCENT_WEBHOOK_LEASE_SECONDS must be longer than DOCENT_WEBHOOK_TIMEOUT."]
    config["PRICE_TABLE"] = price_table(config["PRICES"])
    # Either database's pool (a SQLite file's keeps all of them: tables/writers.py).
    config["SQLALCHEMY_ENGINE_OPTIONS"].update(
        pool_size=config["DB_POOL_SIZE"],
        max_overflow=config["DB_MAX_OVERFLOW"],
        pool_timeout=config["DB_POOL_TIMEOUT"],
    )
    return problems
