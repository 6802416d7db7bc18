"""Blueprint for machine clients: the widget, headless clients and developers."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__)

from api import chat, cors, widget_config  # noqa: E402,F401  (routes register on bp)
