"""Machine clients: the widget, headless clients and developers (blueprints in
api/blueprints.py)."""

from __future__ import annotations

# Routes and hooks register on the blueprints (api/blueprints.py) when imported.
from api import (  # noqa: F401
    answers,
    chat,
    cors,
    documents,
    errors,
    leads,
    mcp,
    openai_compat,
    openapi,
    questions,
    quivr,
    sessions,
    sources,
    usage,
    validation,
    webhooks,
    widget_config,
    ws,
)
from api.blueprints import ALL, bp

__all__ = ["ALL", "bp"]
