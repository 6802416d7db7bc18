"""Blueprint for machine clients: the widget, headless clients and developers."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__)

# Routes register on bp when their modules are imported.
from api import (  # noqa: E402,F401
    answers,
    chat,
    cors,
    documents,
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
