"""Check a dashboard preview token on a request: its owner signed in, from this origin."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from api.errors import InvalidApiKey, OriginNotAllowed
from models import ApiKey, Bot
from services.origins import normalise_origin, origin_allowed
from services.preview import PREFIX, stand_in, token_owner

__all__ = ["PREFIX", "own_origin", "preview_bot"]


def own_origin() -> str | None:
    """Return this server's origin as the browser sees it, or None for an odd Host."""
    try:
        return normalise_origin(request.host_url)
    except ValueError:
        return None


def preview_bot(text: str, scope: str, origin: str | None) -> tuple[ApiKey, Bot]:
    """Check a preview token; return a stand-in key (never stored) and its bot, or raise."""
    user_id, bot_id = token_owner(text)
    if not current_user.is_authenticated or current_user.id != user_id:
        raise InvalidApiKey("The preview works only for its owner, signed in to the dashboard.")
    own = own_origin()
    if own is None or not origin_allowed(origin, [own]):
        raise OriginNotAllowed("The preview works only from this dashboard.")
    return stand_in(user_id, bot_id, scope, own)
