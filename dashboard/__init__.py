"""Blueprint for site owners: accounts, bots, knowledge, widget, keys, conversations, usage."""

from __future__ import annotations

# Routes and hooks register on the blueprint (dashboard/blueprint.py) when imported.
from dashboard import (  # noqa: F401
    access,
    accounts,
    answers,
    appearance,
    bots,
    conversations,
    documents,
    errors,
    filters,
    keys,
    leads,
    site,
    sources,
    unanswered,
    usage,
    webhooks,
)
from dashboard.blueprint import bp

__all__ = ["bp"]
