"""Tokens for the dashboard's live preview: the owner's session, this origin, one bot.

The preview runs the real widget, which needs a credential in its `data-key`. A
public key would be usable by any page on an origin it lists, so the preview gets
a signed token instead. It names the owner and the bot, expires within two hours,
and works only from this server's own origin and only alongside the owner's
signed-in session cookie (api/preview.py checks those), so a copied token is useless
to anyone else.
"""

from __future__ import annotations

import time

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from models import ApiKey, Bot, db
from services.errors import InvalidApiKey, ScopeNotAllowed

PREFIX = "pv_"
# Tokens last between one and two hours; within the hour they stay the same text, so
# the widget keeps its conversation across the preview's reloads.
LIFETIME = 3600
SCOPES = ("chat",)
KEY_NAME = "Dashboard preview"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="docent.preview")


def preview_token(user_id: int, bot_id: int, now: float | None = None) -> str:
    """Return a preview token for the owner and bot."""
    expires = (int(now if now is not None else time.time()) // LIFETIME + 2) * LIFETIME
    return PREFIX + str(_serializer().dumps({"u": user_id, "b": bot_id, "e": expires}))


def token_owner(text: str) -> tuple[int, int]:
    """Return the (user id, bot id) a live token names, or raise InvalidApiKey."""
    try:
        claims = _serializer().loads(text[len(PREFIX) :])
        user_id, bot_id, expires = int(claims["u"]), int(claims["b"]), int(claims["e"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise InvalidApiKey("The API key is not valid.") from None
    if expires < time.time():
        raise InvalidApiKey("The preview has expired; reload the dashboard page.")
    return user_id, bot_id


def stand_in(user_id: int, bot_id: int, scope: str, own_origin: str) -> tuple[ApiKey, Bot]:
    """Return a stand-in key (never stored) for the owner's bot, or raise."""
    bot = db.session.get(Bot, bot_id)
    if bot is None or bot.owner_id != user_id:
        raise InvalidApiKey("The API key is not valid or has been revoked.")
    if scope not in SCOPES:
        raise ScopeNotAllowed(f"The preview does not have the '{scope}' scope.")
    key = ApiKey(kind="public", name=KEY_NAME, origins=[own_origin], scopes=list(SCOPES))
    return key, bot
