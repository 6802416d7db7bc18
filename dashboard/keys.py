"""Keys: create public and secret keys with origins, scopes and limits; edit and revoke them."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, make_response, redirect, render_template, url_for
from werkzeug.wrappers import Response

from dashboard.access import owned, owned_bot
from dashboard.appearance import snippet
from dashboard.blueprint import bp
from dashboard.bots import PREVIEW_KEY_NAME
from dashboard.forms import ButtonForm, KeyEditForm, KeyForm, KeySettingsForm
from models import ApiKey, Bot, db
from services.keys import PUBLIC_SCOPES, SCOPES, check_rate_limit, create_key, revoke_key
from services.origins import normalise_origin


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


class Refused(Exception):
    """A key form that cannot be saved as sent; the form carries the reasons."""

    def __init__(self, empty_warning: bool = False) -> None:
        super().__init__()
        self.empty_warning = empty_warning


def key_settings(form: KeySettingsForm, kind: str) -> dict[str, Any]:
    """Return a key's name, origins, scopes and limits from a validated form, or raise Refused.

    Creating and editing a key share this, so both give the same per-line origin
    errors, the same empty-list warning for public keys and the same limit checks.
    """
    name = (form.name.data or "").strip()[:200]
    if name == PREVIEW_KEY_NAME:
        form.name.errors.append("That name is reserved; choose another.")
        raise Refused
    origins, errors = parse_origins(form.origins.data or "")
    if errors:
        form.origins.errors.extend(errors)
        raise Refused
    if kind == "public" and not origins and not form.allow_no_origin.data:
        # An empty list allows no browser at all: say so, and let the owner insist.
        raise Refused(empty_warning=True)
    scopes = list(PUBLIC_SCOPES) if kind == "public" else list(form.scopes.data or [])
    if kind == "secret" and not scopes:
        form.scopes.errors.append("Choose at least one scope.")
        raise Refused
    rate_limit = (form.rate_limit.data or "").strip() or None
    if rate_limit:
        try:
            check_rate_limit(rate_limit)
        except ValueError as exc:
            form.rate_limit.errors.append(str(exc))
            raise Refused from None
    return {
        "name": name,
        "origins": origins,
        "scopes": scopes,
        "rate_limit": rate_limit,
        "daily_quota": form.daily_quota.data,
    }


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
    try:
        settings = key_settings(form, kind)
        key, text = create_key(bot, kind, **settings)
    except Refused as refused:
        return _page(bot, form, 400, empty_warning=refused.empty_warning)
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


def _editable_key(bot: Bot, key_id: int) -> ApiKey | None:
    """Return one of the bot's keys the owner may edit; None if it is revoked.

    The dashboard's hidden preview key is not listed, so it is not found either.
    """
    key = owned(ApiKey, key_id, bot)
    if key.name == PREVIEW_KEY_NAME:
        abort(404)
    return None if key.revoked_at is not None else key


def _edit_page(
    bot: Bot, key: ApiKey, form: KeyEditForm, status: int = 200, empty_warning: bool = False
) -> Any:
    return render_template(
        "dashboard/key_edit.html",
        bot=bot,
        key=key,
        form=form,
        empty_warning=empty_warning,
        public_scopes=PUBLIC_SCOPES,
    ), status


def _refuse_revoked(bot: Bot) -> Response:
    flash("That key is revoked, so it can no longer be changed. Create a new one.", "error")
    return redirect(url_for("dashboard.keys", bot_id=bot.id))


@bp.get("/dashboard/bots/<int:bot_id>/keys/<int:key_id>/edit")
def edit_key(bot_id: int, key_id: int) -> Any:
    """Show a key's name, origins, scopes and limits for editing (never a secret's text)."""
    bot = owned_bot(bot_id)
    key = _editable_key(bot, key_id)
    if key is None:
        return _refuse_revoked(bot)
    form = KeyEditForm(
        formdata=None,
        data={
            "name": key.name,
            "origins": "\n".join(key.origins or []),
            "scopes": list(key.scopes or []),
            "rate_limit": key.rate_limit or "",
            "daily_quota": key.daily_quota,
        },
    )
    return _edit_page(bot, key, form)


@bp.post("/dashboard/bots/<int:bot_id>/keys/<int:key_id>/edit")
def update_key(bot_id: int, key_id: int) -> Any:
    """Save a key's new settings; the key text stays the same and they apply at once."""
    bot = owned_bot(bot_id)
    key = _editable_key(bot, key_id)
    if key is None:
        return _refuse_revoked(bot)
    form = KeyEditForm()
    if not form.validate_on_submit():
        return _edit_page(bot, key, form, 400)
    try:
        settings = key_settings(form, key.kind)
    except Refused as refused:
        return _edit_page(bot, key, form, 400, empty_warning=refused.empty_warning)
    for field, value in settings.items():
        setattr(key, field, value)
    db.session.commit()
    flash(
        f"Saved {key.name or key.display + '…'}. The changes apply from the next request.",
        "success",
    )
    return redirect(url_for("dashboard.keys", bot_id=bot.id))


@bp.post("/dashboard/bots/<int:bot_id>/keys/<int:key_id>/revoke")
def revoke(bot_id: int, key_id: int) -> Response:
    """Revoke a key; it stops working on the next request."""
    bot = owned_bot(bot_id)
    key = owned(ApiKey, key_id, bot)
    revoke_key(key)
    flash(
        f"Revoked {key.name or key.display + '…'}. Requests with it are refused from now on.",
        "success",
    )
    return redirect(url_for("dashboard.keys", bot_id=bot.id))
