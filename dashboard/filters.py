"""Template filters and helpers: sizes, times, money, safe links, accessible fields, and
the contract's numbers."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import contract
from dashboard.blueprint import bp
from models import utcnow


@bp.app_template_filter("filesize")
def filesize(n: int | None) -> str:
    """Return 1.2 MB, 340 kB or 12 bytes."""
    n = int(n or 0)
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    if n >= 1000:
        return f"{n / 1000:.0f} kB"
    return f"{n} bytes"


@bp.app_template_filter("ago")
def ago(moment: datetime | None) -> str:
    """Return how long ago a UTC moment was, in words."""
    if moment is None:
        return "never"
    seconds = (utcnow() - moment).total_seconds()
    for size, unit in (
        (86400 * 365, "year"),
        (86400 * 30, "month"),
        (86400, "day"),
        (3600, "hour"),
        (60, "minute"),
    ):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count > 1 else ''} ago"
    return "just now"


@bp.app_template_filter("utc")
def utc(moment: datetime | None) -> str:
    """Return a UTC moment as 2025-01-31 14:05 UTC."""
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else ""


@bp.app_template_filter("money")
def money(value: float | None) -> str:
    """Return dollars with enough decimals to show small costs."""
    value = float(value or 0)
    if value == 0:
        return "$0.00"
    if value < 0.01:
        return f"${value:.6f}".rstrip("0")
    return f"${value:,.2f}" if value >= 1 else f"${value:.4f}"


@bp.app_template_filter("number")
def number(value: int | float | None) -> str:
    """Return an integer with thousands separators."""
    return f"{int(value or 0):,}"


@bp.app_template_filter("safe_url")
def safe_url(value: str | None) -> str | None:
    """Return the URL if it is http(s), else None: stored links never become javascript:."""
    if not value:
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    return value.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


@bp.context_processor
def contract_numbers() -> dict[str, Any]:
    """Give templates the contract's numbers as `contract` (contract.message_max, ...)."""
    return {"contract": contract.template_values()}


@bp.app_template_global("aria")
def aria(field: Any, **attrs: Any) -> dict[str, Any]:
    """Return a field's attributes with its hint and errors wired for screen readers."""
    described = [f"{field.id}-hint"] if attrs.pop("hint", False) else []
    if field.errors:
        described.append(f"{field.id}-error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return attrs


@bp.app_template_filter("color")
def color(value: Any, default: str = "#4f46e5") -> str:
    """Return a #rgb or #rrggbb colour, or the default: stored values never reach CSS raw."""
    text = str(value or "").strip()
    hexdigits = "0123456789abcdefABCDEF"
    if len(text) in (4, 7) and text[0] == "#" and all(c in hexdigits for c in text[1:]):
        return text
    return default
