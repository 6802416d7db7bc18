"""Keys: create public and secret keys with origins, scopes and limits; revoke them."""

from __future__ import annotations

from typing import Any

from flask import flash, make_response, redirect, render_template, url_for
from werkzeug.wrappers import Response

from api.keys import PUBLIC_SCOPES, SCOPES, create_key
from api.origins import normalise_origin
from dashboard import bp
from dashboard.access import owned, owned_bot
from dashboard.appearance import snippet
from dashboard.bots import PREVIEW_KEY_NAME
from dashboard.forms import ButtonForm, KeyForm
from models import ApiKey, Bot, db, utcnow


def parse_origins(text: str) -> tuple[list[str], list[str]]:
    """Return the normalised origins (deduplicated) and one error per bad line."""
    origins: list[str] = []
    errors: list[str] = []
    for line in text.replace(",", "\n").splitlines():
        if not line.strip():
            continue
        try:
            origin = normalise_origin(line)
        except ValueError as exc:
            errors.append(str(exc))
        else:
            if origin not in origins:
                origins.append(origin)
    return origins, errors


def _keys(bot: Bot) -> list[ApiKey]:
    rows = (
        db.session.execute(
            db.select(ApiKey)
            .where(ApiKey.bot_id == bot.id, ApiKey.name != PREVIEW_KEY_NAME)
            .order_by(ApiKey.id.desc())
        )
        .scalars()
        .all()
    )
    # Working keys first, newest first; revoked ones after.
    return sorted(rows, key=lambda k: k.revoked_at is not None)


def _page(bot: Bot, form: KeyForm, status: int = 200, empty_warning: bool = False) -> Any:
    return render_template(
        "dashboard/keys.html",
        bot=bot,
        keys=_keys(bot),
        form=form,
        button=ButtonForm(),
        empty_warning=empty_warning,
        public_scopes=PUBLIC_SCOPES,
        scopes=SCOPES,
    ), status


@bp.get("/dashboard/bots/<int:bot_id>/keys")
def keys(bot_id: int) -> Any:
    """List the bot's keys and offer to make a new one."""
    bot = owned_bot(bot_id)
    return _page(bot, KeyForm(formdata=None))


@bp.post("/dashboard/bots/<int:bot_id>/keys")
def new_key(bot_id: int) -> Any:
    """Create a key; a secret key's text is shown on this response only."""
    bot = owned_bot(bot_id)
    form = KeyForm()
    if not form.validate_on_submit():
        return _page(bot, form, 400)
    kind = form.kind.data if form.kind.data in ("public", "secret") else "public"
    origins, errors = parse_origins(form.origins.data or "")
    if errors:
        form.origins.errors.extend(errors)
        return _page(bot, form, 400)
    if kind == "public" and not origins and not form.allow_no_origin.data:
        # An empty list allows no browser at all: say so, and let the owner insist.
        return _page(bot, form, 400, empty_warning=True)
    scopes = list(PUBLIC_SCOPES) if kind == "public" else list(form.scopes.data or [])
    if kind == "secret" and not scopes:
        form.scopes.errors.append("Choose at least one scope.")
        return _page(bot, form, 400)
    try:
        key, text = create_key(
            bot,
            kind,
            origins=origins,
            scopes=scopes,
            rate_limit=(form.rate_limit.data or "").strip() or None,
            daily_quota=form.daily_quota.data,
            name=(form.name.data or "").strip()[:200],
        )
    except ValueError as exc:
        form.rate_limit.errors.append(str(exc))
        return _page(bot, form, 400)
    response = make_response(
        render_template(
            "dashboard/key_created.html",
            bot=bot,
            key=key,
            text=text,
            snippet=snippet(text) if kind == "public" else None,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/dashboard/bots/<int:bot_id>/keys/<int:key_id>/revoke")
def revoke(bot_id: int, key_id: int) -> Response:
    """Revoke a key; it stops working on the next request."""
    bot = owned_bot(bot_id)
    key = owned(ApiKey, key_id, bot)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        db.session.commit()
    flash(
        f"Revoked {key.name or key.display + '…'}. Requests with it are refused from now on.",
        "success",
    )
    return redirect(url_for("dashboard.keys", bot_id=bot.id))
