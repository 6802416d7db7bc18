"""Blueprint for site owners: accounts, bots, knowledge, widget, keys, conversations, usage."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from dashboard import (  # noqa: E402,F401  (routes and hooks register on bp)
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
