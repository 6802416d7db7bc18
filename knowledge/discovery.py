"""Finding a site's pages: robots.txt, sitemaps (and sitemap indexes), same-host links."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urldefrag, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from bs4 import BeautifulSoup
from lxml import etree

from knowledge.errors import IngestError
from knowledge.fetch import USER_AGENT, Fetched

# Sitemaps nested deeper than this (an index of indexes of ...) are not followed.
MAX_SITEMAP_DEPTH = 3
Fetch = Callable[[str], Fetched]


def same_host(url: str, start: str) -> bool:
    """Return True when url is http(s) on the start URL's host and port."""
    a, b = urlsplit(url), urlsplit(start)
    return a.scheme in ("http", "https") and a.netloc.lower() == b.netloc.lower()


def normalise(url: str) -> str:
    """Drop the fragment; a bare host gets a / path."""
    url = urldefrag(url.strip())[0]
    parts = urlsplit(url)
    return url if parts.path else url + "/"


def robots_for(start: str, fetch: Fetch) -> RobotFileParser:
    """Read the site's robots.txt; a missing or unreadable one allows everything."""
    parts = urlsplit(start)
    robots = RobotFileParser()
    try:
        fetched = fetch(f"{parts.scheme}://{parts.netloc}/robots.txt")
        robots.parse(fetched.data.decode("utf-8", "replace").splitlines())
    except IngestError:
        robots.parse([])
    return robots


def allowed(robots: RobotFileParser, url: str) -> bool:
    """Return True when robots.txt lets Docent fetch url."""
    return robots.can_fetch(USER_AGENT, url)


def sitemap_urls(url: str, fetch: Fetch, most: int, depth: int = 0) -> list[str]:
    """Return the page URLs a sitemap lists, following sitemap indexes, up to most."""
    fetched = fetch(url)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(fetched.data, parser)
    except etree.XMLSyntaxError as exc:
        raise IngestError(f"The sitemap {url} is not valid XML.") from exc
    locs = [(e.text or "").strip() for e in root.iter("{*}loc") if e.text and e.text.strip()]
    if etree.QName(root).localname != "sitemapindex":
        return [normalise(loc) for loc in locs if same_host(loc, url)][:most]
    if depth >= MAX_SITEMAP_DEPTH:
        return []
    found: list[str] = []
    for child in locs:
        if len(found) >= most:
            break
        if same_host(child, url):
            try:
                found += sitemap_urls(child, fetch, most - len(found), depth + 1)
            except IngestError:
                continue  # one unreadable child sitemap does not lose the others
    return list(dict.fromkeys(found))[:most]


def links(page: Fetched, start: str) -> list[str]:
    """Return the same-host links of an HTML page, in document order."""
    if "html" not in page.content_type:
        return []
    soup = BeautifulSoup(page.data, "lxml")
    found = []
    for anchor in soup.find_all("a", href=True):
        url = normalise(urljoin(page.url, str(anchor["href"])))
        if same_host(url, start):
            found.append(url)
    return list(dict.fromkeys(found))
