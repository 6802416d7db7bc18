"""Sign-in wiring and ownership: every dashboard route sees only its owner's rows."""

from __future__ import annotations

import hashlib
from typing import Any, TypeVar

from flask import Response, abort, jsonify, request, session
from flask_login import current_user

from dashboard.blueprint import bp
from extensions import login_manager
from models import Bot, User, db

T = TypeVar("T")
# Endpoints a visitor may open without signing in.
PUBLIC_ENDPOINTS = {"dashboard.landing", "dashboard.login", "dashboard.signup"}
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # The real widget (live preview) styles its Shadow DOM inline; SVG charts use attributes.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: https: http:",
        "connect-src 'self'",
        "frame-src 'self'",
        "frame-ancestors 'self'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


def password_stamp(user: User) -> str:
    """Return a short fingerprint of the password hash; changing the password ends sessions."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Load the signed-in owner, unless the password changed since they signed in."""
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    if user is None or session.get("_pw") != password_stamp(user):
        return None
    return user


login_manager.login_view = "dashboard.login"
login_manager.login_message = "Sign in to continue."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


def wants_json() -> bool:
    """Tell whether the caller is the dashboard's own script asking for JSON."""
    if request.headers.get("X-Requested-With") == "fetch":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes["text/html"]


@bp.before_request
def _require_login() -> Any:
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    if current_user.is_authenticated:
        return None
    if wants_json():
        response = jsonify(
            {
                "success": False,
                "error": {"code": "signed_out", "message": "Your session ended; sign in again."},
            }
        )
        response.status_code = 401
        return response
    return login_manager.unauthorized()


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    if request.endpoint != "dashboard.landing":
        # Owner pages hold private data and, once, secret keys: never cache them.
        response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response


def owned_bot(bot_id: int) -> Bot:
    """Return the signed-in owner's bot, or 404 for anyone else's."""
    bot = db.session.execute(
        db.select(Bot).where(Bot.id == bot_id, Bot.owner_id == current_user.id)
    ).scalar_one_or_none()
    if bot is None:
        abort(404)
    return bot


def owned(model: type[T], row_id: Any, bot: Bot) -> T:
    """Return a row of one of the bot's tables (documents, keys, conversations), or 404."""
    row = db.session.execute(
        db.select(model).where(model.id == row_id, model.bot_id == bot.id)  # type: ignore[attr-defined]
    ).scalar_one_or_none()
    if row is None:
        abort(404)
    return row


def owner_bots() -> list[Bot]:
    """Return the signed-in owner's bots, oldest first."""
    return list(
        db.session.execute(
            db.select(Bot).where(Bot.owner_id == current_user.id).order_by(Bot.id)
        ).scalars()
    )
