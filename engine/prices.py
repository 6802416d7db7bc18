"""Per-model prices in US dollars per million tokens; a deployment can override them."""

from __future__ import annotations

from typing import Any

# (input, output) dollars per 1M tokens. Override or extend with DOCENT_PRICES,
# a JSON object like {"my-model": [0.5, 1.5]}.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "offline": (0.0, 0.0),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-5": (1.25, 10.00),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5-nano": (0.05, 0.40),
}


def price_table(overrides: dict[str, Any] | None) -> dict[str, tuple[float, float]]:
    """Merge a deployment's overrides into the default table, validating them."""
    table = dict(DEFAULT_PRICES)
    for model, pair in (overrides or {}).items():
        if (
            not isinstance(pair, (list, tuple))
            or len(pair) != 2
            or not all(isinstance(v, (int, float)) and v >= 0 for v in pair)
        ):
            raise ValueError(f"Price for {model!r} must be [input, output] dollars per 1M tokens.")
        table[model] = (float(pair[0]), float(pair[1]))
    return table


def cost_micros(table: dict[str, tuple[float, float]], model: str, inp: int, out: int) -> int:
    """Return the cost of a call in millionths of a dollar (0 for unknown models)."""
    price = table.get(model)
    if price is None:
        # "gpt-4o-mini-2024-07-18" is priced as "gpt-4o-mini": longest known prefix wins.
        matches = [name for name in table if model.startswith(name + "-")]
        price = table[max(matches, key=len)] if matches else (0.0, 0.0)
    return round(inp * price[0] + out * price[1])


def dollars(micros: int) -> float:
    """Convert millionths of a dollar to dollars."""
    return round(micros / 1_000_000, 6)
