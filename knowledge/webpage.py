"""HTML pages: the main text under its headings, without navigation, footers or scripts."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import partial
from urllib.parse import quote

from bs4 import BeautifulSoup, Comment, NavigableString, PageElement, Tag

from knowledge.errors import IngestError
from knowledge.sections import Parsed, Section, clean_line

# Real pages nest a few dozen levels; far deeper nesting is built to exhaust a parser.
MAX_DEPTH = 512

_DROP_TAGS = [
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "footer",
    "aside",
    "form",
    "iframe",
    "svg",
    "canvas",
    "button",
    "select",
    "input",
    "textarea",
    "dialog",
    "object",
    "embed",
]
_DROP_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "dialog"}
# Class or id words that mark site chrome rather than content.
_CHROME_RE = re.compile(
    r"(?:^|[\s_-])(nav|navbar|navigation|menu|footer|sidebar|breadcrumbs?|cookie|cookies|"
    r"skip|toc|pagination|pager|share|social|advert|ads|banner|related|comments?)(?:$|[\s_-])",
    re.I,
)
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BLOCKS = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "header",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "blockquote",
    "figure",
    "figcaption",
    "details",
    "summary",
    "address",
    "hr",
    "body",
    "html",
}
_CELLS = {"td", "th"}


def _is_chrome(tag: Tag) -> bool:
    if tag.get("role") in _DROP_ROLES or tag.get("aria-hidden") == "true":
        return True
    if tag.has_attr("hidden"):
        return True
    words = " ".join([str(tag.get("id") or ""), " ".join(tag.get("class") or [])])
    return bool(words.strip()) and bool(_CHROME_RE.search(words))


def _main_of(soup: BeautifulSoup) -> Tag:
    for selector in ("main", "[role=main]", "article", "#content", ".content", "#main"):
        found = soup.select(selector)
        if len(found) == 1:
            return found[0]
    return soup.body or soup


def _depth_of(root: Tag) -> int:
    """Return how deeply tags nest under root, without recursion."""
    depths = {id(root): 0}
    deepest = 0
    for tag in root.descendants:
        if isinstance(tag, Tag):
            depth = depths[id(tag.parent)] + 1
            depths[id(tag)] = depth
            deepest = max(deepest, depth)
    return deepest


def _is_gone(tag: Tag) -> bool:
    # Not `tag.decomposed`: on a live Tag it falls through to a search of every descendant.
    return bool(tag.__dict__.get("_decomposed"))


def _strip_chrome(root: Tag) -> None:
    for tag in root.find_all(_DROP_TAGS):
        if not _is_gone(tag):
            tag.decompose()
    for comment in root.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    # One pass each, so deep or wide pages cost time in proportion to their size.
    tags = [t for t in root.descendants if isinstance(t, Tag)]
    inside: set[int] = set()  # tags within an article or main
    if root.find_parent(["article", "main"]) is not None:
        inside.add(id(root))
    for tag in tags:
        parent = tag.parent
        if parent is not None and (parent.name in ("article", "main") or id(parent) in inside):
            inside.add(id(tag))
    holders: set[int] = set()  # tags that contain an article or main
    for tag in tags:
        if tag.name in ("article", "main"):
            up = tag.parent
            while up is not None and id(up) not in holders:
                holders.add(id(up))
                up = up.parent
    for tag in tags:
        if _is_gone(tag) or tag.name in ("html", "body", "main", "article"):
            continue
        # A page-level <header> is site chrome; one inside an article is its title block.
        if tag.name == "header" and id(tag) not in inside:
            tag.decompose()
        elif _is_chrome(tag) and id(tag) not in holders:
            tag.decompose()


def _anchor_for(tag: Tag, text: str, firsts: dict[int, Tag | None]) -> str:
    if tag.get("id"):
        return str(tag["id"])
    inner = tag.find(lambda t: t.name == "a" and (t.get("id") or t.get("name")))
    if inner is not None:
        return str(inner.get("id") or inner.get("name"))
    parent = tag.parent
    if isinstance(parent, Tag) and parent.name in ("section", "div") and parent.get("id"):
        if id(parent) not in firsts:
            firsts[id(parent)] = parent.find(_HEADINGS.keys())
        if firsts[id(parent)] is tag:
            return str(parent["id"])
    # No id to link to: a text fragment still scrolls modern browsers to the heading.
    return ":~:text=" + quote(text[:80], safe="")


class _Walker:
    def __init__(self) -> None:
        self.sections = [Section()]
        self.stack: list[tuple[int, str]] = []
        self.buf: list[str] = []
        self.first_h1: str | None = None
        self.firsts: dict[int, Tag | None] = {}

    def flush(self) -> None:
        text = clean_line("".join(self.buf))
        if text:
            self.sections[-1].paragraphs.append(text)
        self.buf.clear()

    def heading(self, tag: Tag, level: int) -> None:
        self.flush()
        text = clean_line(tag.get_text(" "))
        if not text:
            return
        if self.first_h1 is None and level == 1:
            self.first_h1 = text
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, text))
        self.sections.append(
            Section(headings=[h for _, h in self.stack], anchor=_anchor_for(tag, text, self.firsts))
        )

    def walk(self, root: Tag) -> None:
        """Visit root's content in order, with a stack instead of recursion."""
        stack: list[tuple[Iterator[PageElement], Callable[[], None] | None]] = [
            (iter(root.children), None)
        ]
        while stack:
            children, after = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                if after is not None:
                    after()
                continue
            if isinstance(child, NavigableString):
                self.buf.append(str(child))
            elif not isinstance(child, Tag):
                continue
            elif child.name in _HEADINGS:
                self.heading(child, _HEADINGS[child.name])
            elif child.name == "pre":
                self.flush()
                code = child.get_text().strip("\n")
                if code.strip():
                    self.sections[-1].paragraphs.append(code)
            elif child.name == "br":
                self.buf.append(" ")
            elif child.name in _CELLS:
                stack.append((iter(child.children), partial(self.buf.append, " | ")))
            elif child.name in _BLOCKS:
                self.flush()
                if child.name == "li":
                    self.buf.append("- ")
                stack.append((iter(child.children), self.flush))
            elif child.name == "img":
                self.buf.append(str(child.get("alt") or ""))
            else:
                stack.append((iter(child.children), None))


def parse_html(markup: str | bytes) -> Parsed:
    """Parse an HTML page into sections of its main text."""
    soup = BeautifulSoup(markup, "lxml")
    title_tag = soup.find("title")
    og = soup.find("meta", attrs={"property": "og:title"})
    title = clean_line(title_tag.get_text()) if title_tag else ""
    if not title and og and og.get("content"):
        title = clean_line(str(og["content"]))
    if _depth_of(soup) > MAX_DEPTH:
        raise IngestError(f"This page nests its tags more than {MAX_DEPTH} levels deep.")
    main = _main_of(soup)
    _strip_chrome(main)
    walker = _Walker()
    walker.walk(main)
    walker.flush()
    sections = [s for s in walker.sections if s.paragraphs]
    for section in sections:
        section.paragraphs = [p.rstrip(" |") for p in section.paragraphs if p.rstrip(" |")]
    return Parsed(title=title or walker.first_h1, sections=sections)
