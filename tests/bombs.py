"""Hostile uploads, generated small: zip bombs dressed as .docx, deep HTML, long PDFs."""

from __future__ import annotations

import io
import random
import string
import zipfile

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
BLOCK = 1 << 20


def plain_docx() -> bytes:
    """Return a small, real .docx made by python-docx."""
    import docx

    document = docx.Document()
    document.add_paragraph("A small real document.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_bomb(inflated: int, *, one_node: bool = False) -> bytes:
    """Return a .docx whose word/document.xml inflates to about `inflated` bytes.

    The members are real deflate streams (not forged sizes): the archive is what a
    hostile user would upload. `one_node` puts all the text in a single <w:t>.
    """
    source = zipfile.ZipFile(io.BytesIO(plain_docx()))
    out = io.BytesIO()
    head = f'<?xml version="1.0"?><w:document xmlns:w="{W}"><w:body>'.encode()
    tail = b"</w:body></w:document>"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                archive.writestr(info.filename, source.read(info.filename))
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(head + (b"<w:p><w:r><w:t>" if one_node else b""))
            unit = b"a" * 64 if one_node else b"<w:p><w:r><w:t>Lorem ipsum dolor</w:t></w:r></w:p>"
            block = unit * (BLOCK // len(unit))
            for _ in range(max(1, inflated // len(block))):
                member.write(block)
            member.write((b"</w:t></w:r></w:p>" if one_node else b"") + tail)
    return out.getvalue()


def wordy_docx(inflated: int) -> bytes:
    """Return a .docx of ordinary-looking text (compresses about 2:1) of about `inflated` bytes."""
    rng = random.Random(1)
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 9))) for _ in range(5000)]
    source = zipfile.ZipFile(io.BytesIO(plain_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                archive.writestr(info.filename, source.read(info.filename))
        parts = [f'<?xml version="1.0"?><w:document xmlns:w="{W}"><w:body>']
        size = 0
        while size < inflated:
            text = " ".join(rng.choices(words, k=40))
            parts.append(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>")
            size += len(parts[-1])
        parts.append("</w:body></w:document>")
        archive.writestr("word/document.xml", "".join(parts))
    return out.getvalue()


def big_page(paragraphs: int) -> bytes:
    """Return an ordinary HTML page: headings and paragraphs of words, three tags each."""
    rng = random.Random(2)
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 9))) for _ in range(5000)]
    parts = ["<!doctype html><html><body><main>"]
    for i in range(paragraphs):
        if i % 10 == 0:
            parts.append(f"<h2>Part {i}</h2>")
        parts.append(f"<p>{' '.join(rng.choices(words, k=30))} <b>note</b></p>")
    parts.append("</main></body></html>")
    return "".join(parts).encode()


def nested_html(depth: int) -> bytes:
    """Return a page whose text sits `depth` <div> levels deep."""
    return (
        b"<!doctype html><html><body>"
        + b"<div>" * depth
        + b"deep text"
        + b"</div>" * depth
        + b"</body></html>"
    )


def tag_flood(tags: int) -> bytes:
    """Return a page of `tags` empty inline tags: small bytes, many parser objects."""
    return b"<!doctype html><html><body><p>" + b"<b></b>" * tags + b"</p></body></html>"
