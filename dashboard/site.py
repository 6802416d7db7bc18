"""The product's front page at /."""

from __future__ import annotations

from flask import render_template

from dashboard.blueprint import bp


@bp.get("/")
def landing() -> str:
    """Introduce Docent and point to sign-up, the demo and the API reference."""
    return render_template("site/landing.html")
