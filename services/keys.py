"""API keys: their text (prefix, 190 random bits, a checksum; stored as a sha256 hash),
creation, the one lookup by text, and the origin rules of SPEC §2."""

from __future__ import annotations

import hashlib
import secrets
import zlib

from limits import parse_many
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from models import ApiKey, Bot, db, utcnow
from services.errors import OriginNotAllowed
from services.origins import normalise_origin, origin_allowed

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
PREFIXES = {"public": "pk_", "secret": "sk_"}
RANDOM_LENGTH = 32  # 32 base62 characters carry about 190 bits.
CHECKSUM_LENGTH = 6  # base62 of a CRC32, left-padded.
SCOPES = ("chat", "sessions:read", "sessions:write", "usage:read", "documents:write")
PUBLIC_SCOPES = ("chat",)


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(ALPHABET[rest])
    return "".join(reversed(digits)).rjust(width, "0")


def checksum(body: str) -> str:
    """Return the six-character checksum of a key's random part."""
    return _base62(zlib.crc32(body.encode()), CHECKSUM_LENGTH)


def generate_key(kind: str) -> str:
    """Return new key text of the given kind ("public" or "secret")."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return PREFIXES[kind] + body + checksum(body)


def key_kind(text: str) -> str | None:
    """Return the kind of well-formed key text, or None if it is malformed."""
    kind = next((k for k, prefix in PREFIXES.items() if text.startswith(prefix)), None)
    if kind is None or len(text) != 3 + RANDOM_LENGTH + CHECKSUM_LENGTH:
        return None
    body, check = text[3:-CHECKSUM_LENGTH], text[-CHECKSUM_LENGTH:]
    if any(c not in ALPHABET for c in body) or checksum(body) != check:
        return None
    return kind


def hash_key(text: str) -> str:
    """Return the stored hash of key text (keys are high-entropy: sha256 suffices)."""
    return hashlib.sha256(text.encode()).hexdigest()


def check_rate_limit(text: str) -> None:
    """Refuse a rate limit that Flask-Limiter cannot read (one or more, like '30/minute')."""
    try:
        parse_many(text)
    except ValueError:
        raise ValueError(f"Rate limit {text!r} is not like '30/minute'.") from None


def create_key(
    bot: Bot,
    kind: str,
    *,
    origins: list[str] | None = None,
    scopes: list[str] | None = None,
    rate_limit: str | None = None,
    daily_quota: int | None = None,
    name: str = "",
) -> tuple[ApiKey, str]:
    """Store a new key for a bot and return it with its text (shown once for secrets)."""
    if kind not in PREFIXES:
        raise ValueError("Key kind must be 'public' or 'secret'.")
    scopes = list(scopes or (PUBLIC_SCOPES if kind == "public" else SCOPES))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValueError(f"Unknown scope: {unknown[0]}.")
    if kind == "public" and set(scopes) - set(PUBLIC_SCOPES):
        raise ValueError("A public key can only have the 'chat' scope.")
    if rate_limit:
        check_rate_limit(rate_limit)
    if daily_quota is not None and daily_quota < 1:
        raise ValueError("A daily quota must be a positive number of messages.")
    normalised = list(dict.fromkeys(normalise_origin(o) for o in origins or []))
    text = generate_key(kind)
    key = ApiKey(
        bot=bot,
        kind=kind,
        name=name,
        key_hash=hash_key(text),
        display=text[:10],
        public_text=text if kind == "public" else None,
        origins=normalised,
        scopes=scopes,
        rate_limit=rate_limit or None,
        daily_quota=daily_quota,
    )
    db.session.add(key)
    db.session.commit()
    return key, text


def find_key(text: str | None) -> ApiKey | None:
    """Return the live key for key text; None when malformed, unknown or revoked.

    Malformed text (wrong prefix, length or checksum) is refused without a database read.
    The key's bot comes in the same statement: every caller reads it next.
    """
    if not text or key_kind(text) is None:
        return None
    return db.session.execute(_LIVE_KEY, {"key_hash": hash_key(text)}).scalar_one_or_none()


# Built once: building the statement cost about as much as running it.
_LIVE_KEY = (
    select(ApiKey)
    .options(joinedload(ApiKey.bot, innerjoin=True))
    .where(ApiKey.key_hash == bindparam("key_hash"), ApiKey.revoked_at.is_(None))
)


def check_origin(key: ApiKey, origin: str | None) -> None:
    """Apply SPEC §2's origin rules for the key's kind; raise OriginNotAllowed."""
    if key.kind == "public":
        if not origin:
            raise OriginNotAllowed(
                "A public key works only from a browser page on an allowed origin."
            )
        if not origin_allowed(origin, key.origins):
            raise OriginNotAllowed(f"Origin {origin[:200]} is not allowed for this key.")
    elif origin is not None and not origin_allowed(origin, key.origins):
        raise OriginNotAllowed("This secret key cannot be used from a browser page on this origin.")


def any_key_allows(origin: str) -> bool:
    """Tell whether any live key allows the origin (preflights and handshakes carry none)."""
    lists = db.session.execute(
        db.select(ApiKey.origins).where(ApiKey.revoked_at.is_(None))
    ).scalars()
    return any(origin_allowed(origin, allowed) for allowed in lists)


def revoke_key(key: ApiKey) -> None:
    """Revoke a key (again is a no-op); it stops working on the next request."""
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        db.session.commit()
