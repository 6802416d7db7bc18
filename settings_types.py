"""What a setting is, the types a setting can have, and shorthands for the common ones.

settings.py declares every setting with these; `Setting.kind` converts a value (raising
ValueError or TypeError when it cannot), `Setting.ok` checks the converted value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from limits import parse_many

from engine.prices import price_table


class Refused(ValueError):
    """A value is wrong, with its own sentence (when the row's sentence is not enough)."""


@dataclass(frozen=True)
class Setting:
    """One setting: config name, default, converter, check, failure sentence, variable."""

    name: str
    default: Any
    kind: Callable[[Any], Any] | None = None
    ok: Callable[[Any], bool] | None = None
    sentence: str = ""
    env: str = ""

    @property
    def variable(self) -> str:
        """The environment variable that sets it (DOCENT_<NAME> unless said otherwise)."""
        return self.env or f"DOCENT_{self.name}"


def flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(value)


def _whole(value: Any) -> int:
    if isinstance(value, bool) or float(value) != int(float(value)):
        raise ValueError(value)
    return int(value)


def _number(value: Any) -> Any:
    """Check a number without changing how it was given."""
    float(value)
    return value


def demo(value: Any) -> bool:
    if value not in (True, False, 0, 1, "0", "1", "true", "false"):
        raise ValueError(value)
    return value in (True, 1, "1", "true")


def limit(value: Any) -> Any:
    parse_many(str(value))
    return value


def prices(value: Any) -> Any:
    if not isinstance(value, dict):
        raise Refused('DOCENT_PRICES must be a JSON object like {"my-model": [0.5, 1.5]}.')
    try:
        price_table(value)
    except ValueError as exc:
        raise Refused(f"DOCENT_PRICES is invalid: {exc}") from None
    return value


def _positive(v: Any) -> bool:
    return float(v) > 0


def whole(
    name: str, default: int | None, low: int, high: int | None = None, unit: str = ""
) -> Setting:
    """A whole number from low to high (or low or more), of the unit if one is given."""
    of = f" of {unit}" if unit else ""
    span = f" from {low} to {high}" if high is not None else f", {low} or more"
    return Setting(
        name,
        default,
        _whole,
        lambda v: low <= v and (high is None or v <= high),
        f"DOCENT_{name} must be a whole number{of}{span}.",
    )


def seconds(name: str, default: float) -> Setting:
    """A positive number of seconds."""
    sentence = f"DOCENT_{name} must be a positive number of seconds."
    return Setting(name, default, float, _positive, sentence)


def positive(name: str, default: int) -> Setting:
    """A positive number, kept as given."""
    return Setting(name, default, _number, _positive, f"DOCENT_{name} must be a positive number.")


def size(name: str, default: int) -> Setting:
    """A positive number of bytes."""
    sentence = f"DOCENT_{name} must be a positive number of bytes."
    return Setting(name, default, _whole, lambda v: v > 0, sentence)


def plain(name: str, default: Any, env: str = "") -> Setting:
    """A setting taken as given: no conversion, no check."""
    return Setting(name, default, env=env)
