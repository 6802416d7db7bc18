"""Plain text and Markdown: paragraphs by blank lines, sections by Markdown headings."""

from __future__ import annotations

import re

from knowledge.sections import Parsed, Section, SlugCounter, clean_line

_ATX_RE = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT_RE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_RULE_RE = re.compile(r"^ {0,3}([-*_])( *\1){2,} *$")
_FENCE_RE = re.compile(r"^ {0,3}(```|~~~)")
_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK_RE = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_REF_LINK_RE = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
_HTML_ANCHOR_RE = re.compile(r"<a\s+(?:name|id)=\"[^\"]*\"\s*>\s*</a>", re.I)
_LIST_MARK_RE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def paragraphs_of(text: str) -> list[str]:
    """Split text into paragraphs at blank lines, joining wrapped lines."""
    out = []
    for block in re.split(r"\n\s*\n", text):
        line = clean_line(" ".join(block.splitlines()))
        if line:
            out.append(line)
    return out


def parse_text(text: str) -> Parsed:
    """Parse plain text: one section, paragraphs at blank lines."""
    return Parsed(title=None, sections=[Section(paragraphs=paragraphs_of(text))])


def _inline(line: str) -> str:
    line = _IMAGE_RE.sub(r"\1", line)
    line = _LINK_RE.sub(r"\1", line)
    return _REF_LINK_RE.sub(r"\1", line)


def _strip_front_matter(text: str) -> str:
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            return text[end + 4 :]
    return text


def parse_markdown(text: str) -> Parsed:
    """Parse Markdown: sections at ATX and setext headings, code fences kept whole."""
    text = _COMMENT_RE.sub("", _strip_front_matter(text.replace("\r\n", "\n")))
    text = _HTML_ANCHOR_RE.sub("", text)
    lines = text.split("\n")
    slug = SlugCounter()
    title: str | None = None
    stack: list[tuple[int, str]] = []
    sections = [Section()]
    block: list[str] = []
    fence: str | None = None
    skip_underline = False

    def flush() -> None:
        if fence is not None:
            para = "\n".join(block).strip("\n")
        else:
            para = clean_line(" ".join(_LIST_MARK_RE.sub("- ", _inline(b)) for b in block))
        if para.strip():
            sections[-1].paragraphs.append(para)
        block.clear()

    def open_section(level: int, heading: str) -> None:
        nonlocal title
        flush()
        heading = clean_line(_inline(heading))
        if title is None and level == 1:
            title = heading
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, heading))
        sections.append(Section(headings=[h for _, h in stack], anchor=slug(heading)))

    for i, line in enumerate(lines):
        if skip_underline:
            skip_underline = False
            continue
        if fence is not None:
            block.append(line)
            if line.strip().startswith(fence):
                flush()
                fence = None
            continue
        if m := _FENCE_RE.match(line):
            flush()
            fence = m.group(1)
            block.append(line)
            continue
        if m := _ATX_RE.match(line):
            open_section(len(m.group(1)), m.group(2))
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and not block and _SETEXT_RE.match(nxt) and not _LIST_MARK_RE.match(line):
            # A setext heading: the underline on the next line is skipped below.
            open_section(1 if nxt.strip().startswith("=") else 2, line)
            skip_underline = True
            continue
        if not line.strip() or _RULE_RE.match(line):
            flush()
        elif _LIST_MARK_RE.match(line) and block:
            # Each list item is its own paragraph so chunks split between items.
            flush()
            block.append(line)
        else:
            block.append(line)
    flush()
    return Parsed(title=title, sections=[s for s in sections if s.paragraphs])
