"""Chart geometry for inline SVG: bars per day, stacked when there are several series."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 8, 10, 26


@dataclass
class Segment:
    y: float
    height: float
    series: int


@dataclass
class Bar:
    x: float
    width: float
    label: str
    title: str
    segments: list[Segment] = field(default_factory=list)


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[tuple[float, str]]
    labels: list[tuple[float, str]]
    baseline: float
    left: int
    right: int
    empty: bool


def nice_ceiling(value: float) -> float:
    """Return 1, 2, 2.5 or 5 times a power of ten at or above value (at least 1e-9)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power + 1e-12:
            return step * power
    return 10 * power


def short_number(value: float, money: bool = False) -> str:
    """Return an axis label like 1.2k, 3M or $0.04."""
    if money:
        if value == 0:
            return "$0"
        return f"${value:,.2f}" if value >= 1 else f"${value:.4f}".rstrip("0").rstrip(".")
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}" if value % 1 else str(int(value))


def day_label(day: date) -> str:
    return f"{day:%b} {day.day}"


def bar_chart(
    days: list[date], series: list[list[float]], titles: list[str], money: bool = False
) -> Chart:
    """Lay out one bar per day; several series stack bottom-up in order."""
    totals = [sum(values[i] for values in series) for i in range(len(days))]
    top = nice_ceiling(max(totals, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(days))
    gap = min(6.0, slot * 0.2)
    bars = []
    for i, day in enumerate(days):
        bar = Bar(
            x=round(LEFT + i * slot + gap / 2, 2),
            width=round(max(1.0, slot - gap), 2),
            label=day_label(day),
            title=titles[i],
        )
        base = 0.0
        for s, values in enumerate(series):
            value = values[i]
            if value <= 0:
                continue
            h = value / top * plot_h
            y = TOP + plot_h - (base + h)
            bar.segments.append(Segment(y=round(y, 2), height=round(max(h, 0.8), 2), series=s))
            base += h
        bars.append(bar)
    ticks = [
        (round(TOP + plot_h - plot_h * k / 4, 2), short_number(top * k / 4, money))
        for k in range(5)
    ]
    step = max(1, math.ceil(len(days) / 7))
    labels = [
        (round(LEFT + (i + 0.5) * slot, 2), day_label(d))
        for i, d in enumerate(days)
        if i % step == 0
    ]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        ticks=ticks,
        labels=labels,
        baseline=TOP + plot_h,
        left=LEFT,
        right=WIDTH - RIGHT,
        empty=not any(totals),
    )


def share_bars(rows: list[dict[str, Any]], key: str) -> list[float]:
    """Return each row's share of the largest value of key, 0..100, for inline meters."""
    largest = max((float(r.get(key) or 0) for r in rows), default=0)
    return [round(100 * float(r.get(key) or 0) / largest, 1) if largest else 0 for r in rows]
