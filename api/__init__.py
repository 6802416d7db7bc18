"""Blueprints for machine clients, by audience, under one parent that shares their hooks.

- `bp` ("api"): the parent. Keys authenticate every request (no cookies, no CSRF), errors
  are SPEC's JSON shape, CORS preflights are answered before anything else. It also
  holds the two routes outside the prefixes below: /mcp and the reference at /api/docs.
- `headless` ("api.headless", /v1): the widget, headless and OpenAI-compatible clients.
- `developer` ("api.developer", /api/v1): developers' REST, SSE and WebSocket API.
- `chats` ("api.chats", /chat): chat sessions in the Quivr layout.

The three prefixed blueprints echo allowed origins (api/cors.py).
"""

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
