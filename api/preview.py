"""Tokens for the dashboard's live preview: the owner's session, this origin, one bot.

The preview runs the real widget, which needs a credential in its `data-key`. A
public key would be usable by any page on an origin it lists, so the preview gets
a signed token instead. It names the owner and the bot, expires within two hours,
and works only from this server's own origin and only alongside the owner's
signed-in session cookie, so a copied token is useless to anyone else.
"""

from __future__ import annotations

import time

from flask import current_app, request
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

from api.errors import InvalidApiKey, OriginNotAllowed, ScopeNotAllowed
from api.origins import normalise_origin, origin_allowed
from models import ApiKey, Bot, db

PREFIX = "pv_"
# Tokens last between one and two hours; within the hour they stay the same text, so
# the widget keeps its conversation across the preview's reloads.
LIFETIME = 3600
SCOPES = ("chat",)
KEY_NAME = "Dashboard preview"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="docent.preview")


def own_origin() -> str | None:
    """Return this server's origin as the browser sees it, or None for an odd Host."""
    try:
        return normalise_origin(request.host_url)
    except ValueError:
        return None


def preview_token(user_id: int, bot_id: int, now: float | None = None) -> str:
    """Return a preview token for the owner and bot."""
    expires = (int(now if now is not None else time.time()) // LIFETIME + 2) * LIFETIME
    return PREFIX + str(_serializer().dumps({"u": user_id, "b": bot_id, "e": expires}))


def preview_bot(text: str, scope: str, origin: str | None) -> tuple[ApiKey, Bot]:
    """Check a preview token; return a stand-in key (never stored) and its bot, or raise."""
    try:
        claims = _serializer().loads(text[len(PREFIX) :])
        user_id, bot_id, expires = int(claims["u"]), int(claims["b"]), int(claims["e"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise InvalidApiKey("The API key is not valid.") from None
    if expires < time.time():
        raise InvalidApiKey("The preview has expired; reload the dashboard page.")
    if not current_user.is_authenticated or current_user.id != user_id:
        raise InvalidApiKey("The preview works only for its owner, signed in to the dashboard.")
    own = own_origin()
    if own is None or not origin_allowed(origin, [own]):
        raise OriginNotAllowed("The preview works only from this dashboard.")
    bot = db.session.get(Bot, bot_id)
    if bot is None or bot.owner_id != user_id:
        raise InvalidApiKey("The API key is not valid or has been revoked.")
    if scope not in SCOPES:
        raise ScopeNotAllowed(f"The preview does not have the '{scope}' scope.")
    key = ApiKey(kind="public", name=KEY_NAME, origins=[own], scopes=list(SCOPES))
    return key, bot
