"""What parsing one upload may cost: checked before the expensive work, refused in SPEC's shape."""

from __future__ import annotations

import io
import re
import zipfile

import settings
from knowledge.errors import IngestError
from knowledge.sections import Parsed

# Each overridable with DOCENT_<NAME> (settings.py). A .docx is a zip: its central directory
# declares every member's inflated size, and zipfile never inflates past that size, so the
# declared sizes bound the work before any member is read.
NAMES = (
    "DOCX_MAX_MEMBER_BYTES",
    "DOCX_MAX_TOTAL_BYTES",
    "DOCX_MAX_RATIO",
    "DOCX_MAX_MEMBERS",
    "HTML_MAX_TAGS",
    "PDF_MAX_PAGES",
    "MAX_DOCUMENT_CHARS",
)
DEFAULTS: dict[str, int] = {name: settings.default(name) for name in NAMES}
RATIO_FLOOR = 1_000_000
_TAG_RE = re.compile(rb"<[^<>]*>")


def limit(name: str) -> int:
    """Return a parsing limit: the app's setting when there is an app, else the default."""
    return int(settings.value(name))


def too_large(message: str) -> IngestError:
    """Return the 413 error for a document that would cost too much to parse."""
    return IngestError(message, status=413, code="payload_too_large")


def check_archive(data: bytes) -> None:
    """Refuse a .docx whose central directory declares too much inflated data."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise IngestError("This file is not a readable .docx document.") from exc
    if len(members) > limit("DOCX_MAX_MEMBERS"):
        raise too_large("This .docx document has too many parts to read.")
    biggest = limit("DOCX_MAX_MEMBER_BYTES")
    ratio = limit("DOCX_MAX_RATIO")
    total = 0
    for member in members:
        size = member.file_size
        total += size
        if size > biggest:
            raise too_large(
                f"A part of this .docx inflates to more than {biggest // 1_000_000} MB."
            )
        if size > RATIO_FLOOR and size > ratio * max(member.compress_size, 1):
            raise too_large("This .docx document is compressed suspiciously well; not reading it.")
    if total > limit("DOCX_MAX_TOTAL_BYTES"):
        raise too_large(
            f"This .docx inflates to more than {limit('DOCX_MAX_TOTAL_BYTES') // 1_000_000} MB."
        )


def check_markup(data: bytes) -> None:
    """Refuse HTML with too many tags, or far too much text, before it is parsed."""
    if data.count(b"<") - data.count(b"</") > limit("HTML_MAX_TAGS"):
        raise too_large(f"This page has more than {limit('HTML_MAX_TAGS'):,} tags.")
    # The text between tags (scripts included) bounds the page's text from above; only a
    # page far over the limit is refused here, the rest after parsing. `[^<>]` keeps the
    # scan linear whatever the bytes.
    outside = _TAG_RE.sub(b" ", data).decode("utf-8", "ignore")
    if len(outside) > 2 * limit("MAX_DOCUMENT_CHARS"):
        check_chars(len(outside) // 2)


def check_pages(count: int) -> None:
    """Refuse a PDF with more pages than allowed."""
    if count > limit("PDF_MAX_PAGES"):
        raise too_large(f"This PDF has more than {limit('PDF_MAX_PAGES'):,} pages.")


def check_chars(count: int) -> None:
    """Refuse once a document's text passes the character limit."""
    if count > limit("MAX_DOCUMENT_CHARS"):
        raise too_large(
            f"This document has more than {limit('MAX_DOCUMENT_CHARS'):,} characters of text."
        )


def check_parsed(parsed: Parsed) -> None:
    """Refuse a parsed document whose text passes the character limit."""
    check_chars(sum(len(p) for s in parsed.sections for p in s.paragraphs))


def precheck(fmt: str, data: bytes) -> None:
    """Run the cheap checks of a format before any parsing (and before queueing it)."""
    if fmt == "docx":
        check_archive(data)
    elif fmt == "html":
        check_markup(data)
