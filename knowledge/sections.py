"""What every parser returns: a document as titled sections of paragraphs."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

_SPACE_RE = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")


@dataclass
class Section:
    """A run of paragraphs under one heading path, on one page, at one anchor."""

    headings: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    page: int | None = None
    anchor: str | None = None

    @property
    def heading(self) -> str:
        """Return the heading path as shown to readers: "Setup > Linux"."""
        return " > ".join(h for h in self.headings if h)


@dataclass
class Parsed:
    """A parsed document: an optional title found inside it, and its sections."""

    title: str | None
    sections: list[Section]

    def is_empty(self) -> bool:
        """Return True when no section holds any text."""
        return not any(p.strip() for s in self.sections for p in s.paragraphs)


def clean_line(text: str) -> str:
    """Collapse runs of spaces and strip the ends, keeping the words."""
    return _SPACE_RE.sub(" ", text).strip()


def slugify(heading: str) -> str:
    """Return the anchor GitHub and most static site generators give a heading."""
    text = unicodedata.normalize("NFKC", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


class SlugCounter:
    """Make repeated heading anchors unique the way GitHub does (-1, -2, ...)."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def __call__(self, heading: str) -> str:
        slug = slugify(heading)
        count = self._seen.get(slug, 0)
        self._seen[slug] = count + 1
        return slug if count == 0 else f"{slug}-{count}"
