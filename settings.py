"""Start-up checks for the settings app.py's own checks do not cover: one sentence each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tasks import SCHEMES


@dataclass(frozen=True)
class Rule:
    """A setting's type, its check, and the sentence shown when the check fails."""

    name: str
    kind: Callable[[Any], Any]
    ok: Callable[[Any], bool]
    sentence: str


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(value)


def _whole(value: Any) -> int:
    if isinstance(value, bool) or float(value) != int(float(value)):
        raise ValueError(value)
    return int(value)


RULES = [
    Rule(
        "UPSTREAM_RETRIES",
        _whole,
        lambda v: 0 <= v <= 10,
        "DOCENT_UPSTREAM_RETRIES must be a whole number from 0 to 10.",
    ),
    Rule(
        "CONTEXT_PASSAGES",
        _whole,
        lambda v: 1 <= v <= 50,
        "DOCENT_CONTEXT_PASSAGES must be a whole number from 1 to 50.",
    ),
    Rule(
        "HISTORY_TOKENS",
        _whole,
        lambda v: v >= 0,
        "DOCENT_HISTORY_TOKENS must be a whole number of tokens, 0 or more.",
    ),
    Rule(
        "MAX_CONTENT_LENGTH",
        _whole,
        lambda v: v > 0,
        "DOCENT_MAX_CONTENT_LENGTH must be a positive number of bytes.",
    ),
    Rule(
        "ALLOW_PRIVATE_URLS",
        _bool,
        lambda v: True,
        "DOCENT_ALLOW_PRIVATE_URLS must be true or false.",
    ),
    Rule(
        "MODEL",
        str,
        lambda v: 0 < len(v.strip()) <= 200,
        "DOCENT_MODEL must name a chat model, like gpt-4.1-mini.",
    ),
    Rule(
        "OPENAI_BASE_URL",
        str,
        lambda v: v.startswith(("http://", "https://")),
        "OPENAI_BASE_URL must be an http:// or https:// URL, like http://127.0.0.1:11434/v1.",
    ),
    Rule(
        "QUEUE_URL",
        str,
        lambda v: v.startswith(SCHEMES),
        "DOCENT_QUEUE_URL must be sqlite:///path, redis://host:6379/0 or memory://.",
    ),
    Rule(
        "TASK_WORKERS",
        _whole,
        lambda v: 1 <= v <= 64,
        "DOCENT_TASK_WORKERS must be a whole number from 1 to 64.",
    ),
    Rule(
        "TASK_LEASE_SECONDS",
        float,
        lambda v: v >= 1,
        "DOCENT_TASK_LEASE_SECONDS must be a number of seconds, at least 1.",
    ),
    Rule(
        "TASK_RETRY_SECONDS",
        float,
        lambda v: v >= 0,
        "DOCENT_TASK_RETRY_SECONDS must be a number of seconds, 0 or more.",
    ),
    Rule(
        "LOG_FORMAT",
        str,
        lambda v: v in ("json", "text"),
        "DOCENT_LOG_FORMAT must be json or text.",
    ),
    # Knowledge settings declared where they are read; checked here when set.
    Rule(
        "MAX_DOCUMENT_BYTES",
        _whole,
        lambda v: v > 0,
        "DOCENT_MAX_DOCUMENT_BYTES must be a positive number of bytes.",
    ),
    Rule(
        "URL_MAX_BYTES",
        _whole,
        lambda v: v > 0,
        "DOCENT_URL_MAX_BYTES must be a positive number of bytes.",
    ),
    Rule(
        "URL_TIMEOUT",
        float,
        lambda v: v > 0,
        "DOCENT_URL_TIMEOUT must be a positive number of seconds.",
    ),
    Rule(
        "CHUNK_TOKENS",
        _whole,
        lambda v: 50 <= v <= 8000,
        "DOCENT_CHUNK_TOKENS must be a whole number of tokens from 50 to 8000.",
    ),
    Rule(
        "CHUNK_OVERLAP",
        _whole,
        lambda v: v >= 0,
        "DOCENT_CHUNK_OVERLAP must be a whole number of tokens, 0 or more.",
    ),
    Rule(
        "DASHBOARD_BACKGROUND_BYTES",
        _whole,
        lambda v: v >= 0,
        "DOCENT_DASHBOARD_BACKGROUND_BYTES must be a whole number of bytes, 0 or more.",
    ),
    Rule(
        "DB_POOL_SIZE",
        _whole,
        lambda v: 1 <= v <= 500,
        "DOCENT_DB_POOL_SIZE must be a whole number of connections from 1 to 500.",
    ),
    Rule(
        "DB_MAX_OVERFLOW",
        _whole,
        lambda v: 0 <= v <= 500,
        "DOCENT_DB_MAX_OVERFLOW must be a whole number of connections from 0 to 500.",
    ),
    Rule(
        "DB_POOL_TIMEOUT",
        float,
        lambda v: v > 0,
        "DOCENT_DB_POOL_TIMEOUT must be a positive number of seconds.",
    ),
]


def check(config: Any) -> list[str]:
    """Convert each setting to its type in place; return one sentence per bad one."""
    problems = []
    for rule in RULES:
        value = config.get(rule.name)
        if value is None:
            continue  # unset optional settings (OPENAI_BASE_URL) keep their meaning
        try:
            value = rule.kind(value)
            if not rule.ok(value):
                raise ValueError(value)
        except (TypeError, ValueError):
            problems.append(rule.sentence)
            continue
        config[rule.name] = value
    options = config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if not problems and str(config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        options.update(
            pool_size=config["DB_POOL_SIZE"],
            max_overflow=config["DB_MAX_OVERFLOW"],
            pool_timeout=config["DB_POOL_TIMEOUT"],
        )
    return problems
