"""Pick a parser from a file's name and first bytes, and decode text safely."""

from __future__ import annotations

import os
from collections.abc import Callable

from knowledge.errors import IngestError
from knowledge.limits import check_chars, check_parsed, precheck
from knowledge.pdf import parse_pdf
from knowledge.plaintext import parse_markdown, parse_text
from knowledge.sections import Parsed
from knowledge.webpage import parse_html
from knowledge.wordfile import parse_docx

EXTENSIONS = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}
CONTENT_TYPES = {
    "text/plain": "text",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}
SUPPORTED = ".txt, .md, .html, .pdf or .docx"


def sniff(data: bytes) -> str | None:
    """Return the format the first bytes announce, if they announce one."""
    head = data[:1024].lstrip().lower()
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx" if b"word/" in data[:65536] else "zip"
    if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head:
        return "html"
    return None


def detect_format(filename: str, data: bytes, content_type: str | None = None) -> str:
    """Return text, markdown, html, pdf or docx, or raise IngestError."""
    ext = os.path.splitext(filename.lower())[1]
    sniffed = sniff(data)
    if ext in EXTENSIONS:
        fmt = EXTENSIONS[ext]
        # A renamed binary must not be parsed as text: trust the bytes over the name.
        if sniffed in ("pdf", "docx", "zip") and sniffed != fmt:
            raise IngestError(
                f"This file's name says {ext} but its content does not match.",
                status=415,
                code="unsupported_media_type",
            )
        return fmt
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype in CONTENT_TYPES:
        return CONTENT_TYPES[ctype]
    if sniffed in ("pdf", "docx", "html"):
        return sniffed
    if not ext and sniffed is None and b"\x00" not in data[:8192]:
        return "text"
    shown = ext or "without an extension"
    raise IngestError(
        f"Files {shown} are not supported; upload {SUPPORTED}.",
        status=415,
        code="unsupported_media_type",
    )


def decode_text(data: bytes) -> str:
    """Decode text bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:8192]:
        raise IngestError(
            "This file looks binary, not text.", status=415, code="unsupported_media_type"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse(fmt: str, data: bytes, progress: Callable[[float], None] | None = None) -> Parsed:
    """Parse bytes of a known format; raise IngestError when nothing readable is in them."""
    precheck(fmt, data)
    if fmt == "pdf":
        parsed = parse_pdf(data, progress)
    elif fmt == "docx":
        parsed = parse_docx(data)
    elif fmt == "html":
        # Bytes, so a <meta charset> in the page decides the encoding.
        parsed = parse_html(data)
    elif fmt in ("markdown", "text"):
        text = decode_text(data)
        check_chars(len(text))
        parsed = parse_markdown(text) if fmt == "markdown" else parse_text(text)
    else:
        raise IngestError(f"Unknown format {fmt!r}; use text, markdown or html.")
    check_parsed(parsed)
    if parsed.is_empty():
        raise IngestError("The document has no readable text.")
    return parsed
