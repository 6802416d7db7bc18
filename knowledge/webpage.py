"""HTML pages: the main text under its headings, without navigation, footers or scripts."""

from __future__ import annotations

import re
from urllib.parse import quote

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from knowledge.sections import Parsed, Section, clean_line

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


def _strip_chrome(root: Tag) -> None:
    for tag in root.find_all(_DROP_TAGS):
        tag.decompose()
    for comment in root.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    # A page-level <header> is site chrome; one inside an article is its title block.
    for tag in root.find_all("header"):
        if not tag.find_parent(["article", "main"]):
            tag.decompose()
    for tag in root.find_all(True):
        if tag.decomposed or tag.name in ("html", "body", "main", "article"):
            continue
        if _is_chrome(tag) and not tag.find(["main", "article"]):
            tag.decompose()


def _anchor_for(tag: Tag, text: str) -> str:
    if tag.get("id"):
        return str(tag["id"])
    inner = tag.find(lambda t: t.name == "a" and (t.get("id") or t.get("name")))
    if inner is not None:
        return str(inner.get("id") or inner.get("name"))
    parent = tag.parent
    if isinstance(parent, Tag) and parent.name in ("section", "div") and parent.get("id"):
        first = parent.find(_HEADINGS.keys())
        if first is tag:
            return str(parent["id"])
    # No id to link to: a text fragment still scrolls modern browsers to the heading.
    return ":~:text=" + quote(text[:80], safe="")


class _Walker:
    def __init__(self) -> None:
        self.sections = [Section()]
        self.stack: list[tuple[int, str]] = []
        self.buf: list[str] = []
        self.first_h1: str | None = None

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
            Section(headings=[h for _, h in self.stack], anchor=_anchor_for(tag, text))
        )

    def walk(self, node: Tag) -> None:
        for child in node.children:
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
                self.walk(child)
                self.buf.append(" | ")
            elif child.name in _BLOCKS:
                self.flush()
                if child.name == "li":
                    self.buf.append("- ")
                self.walk(child)
                self.flush()
            elif child.name == "img":
                self.buf.append(str(child.get("alt") or ""))
            else:
                self.walk(child)


def parse_html(markup: str | bytes) -> Parsed:
    """Parse an HTML page into sections of its main text."""
    soup = BeautifulSoup(markup, "lxml")
    title_tag = soup.find("title")
    og = soup.find("meta", attrs={"property": "og:title"})
    title = clean_line(title_tag.get_text()) if title_tag else ""
    if not title and og and og.get("content"):
        title = clean_line(str(og["content"]))
    main = _main_of(soup)
    _strip_chrome(main)
    walker = _Walker()
    walker.walk(main)
    walker.flush()
    sections = [s for s in walker.sections if s.paragraphs]
    for section in sections:
        section.paragraphs = [p.rstrip(" |") for p in section.paragraphs if p.rstrip(" |")]
    return Parsed(title=title or walker.first_h1, sections=sections)
