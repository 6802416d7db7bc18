"""PDF files: text page by page, each page a section that links to #page=N."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable
from typing import Any

from knowledge.errors import IngestError
from knowledge.limits import check_chars, check_pages
from knowledge.plaintext import paragraphs_of
from knowledge.sections import Parsed, Section

_HYPHEN_RE = re.compile(r"(\w)-\n(\w)")

# pypdf reports every malformed object it recovers from; one bad file is not news.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def _outline_by_page(reader: Any) -> dict[int, list[str]]:
    """Map a page number to the bookmark path that starts on or before it."""
    starts: list[tuple[int, list[str]]] = []

    def visit(items: list[Any], path: list[str]) -> None:
        last: list[str] = path
        for item in items:
            if isinstance(item, list):
                visit(item, last)
                continue
            try:
                page = reader.get_destination_page_number(item) + 1
            except Exception:  # noqa: BLE001 - a broken bookmark is not worth failing for
                continue
            last = [*path, str(item.title).strip()]
            starts.append((page, last))

    try:
        visit(list(reader.outline), [])
    except Exception:  # noqa: BLE001
        return {}
    starts.sort(key=lambda s: s[0])
    by_page: dict[int, list[str]] = {}
    for page, path in starts:
        by_page.setdefault(page, path)
    return by_page


def parse_pdf(data: bytes, progress: Callable[[float], None] | None = None) -> Parsed:
    """Parse a PDF into one section per page with text."""
    # pypdf loads on the first PDF upload, not with every process.
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError("This PDF is password-protected; upload an unlocked copy.")
        pages = reader.pages
        count = len(pages)
    except IngestError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise IngestError("This file is not a readable PDF.") from exc
    check_pages(count)
    meta_title = None
    try:
        if reader.metadata and reader.metadata.title:
            meta_title = str(reader.metadata.title).strip() or None
    except Exception:  # noqa: BLE001 - metadata is optional
        meta_title = None
    outline = _outline_by_page(reader)
    headings: list[str] = []
    sections = []
    chars = 0
    for number in range(1, count + 1):
        try:
            text = pages[number - 1].extract_text() or ""
        except Exception as exc:  # noqa: BLE001 - pypdf raises many types on bad pages
            raise IngestError(f"Page {number} of this PDF could not be read.") from exc
        chars += len(text)
        check_chars(chars)
        headings = outline.get(number, headings)
        text = _HYPHEN_RE.sub(r"\1\2", text)
        paragraphs = paragraphs_of(text)
        if paragraphs:
            sections.append(
                Section(
                    headings=list(headings),
                    paragraphs=paragraphs,
                    page=number,
                    anchor=f"page={number}",
                )
            )
        if progress:
            progress(number / count)
    parsed = Parsed(title=meta_title, sections=sections)
    if parsed.is_empty():
        raise IngestError("This PDF has no extractable text (it may be a scanned image).")
    return parsed
