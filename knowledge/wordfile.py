"""Word .docx files: paragraphs and tables in order, sections at heading styles."""

from __future__ import annotations

import io
import zipfile

from knowledge.errors import IngestError
from knowledge.limits import check_archive, check_chars
from knowledge.sections import Parsed, Section, clean_line


def _heading_level(style_name: str) -> int | None:
    name = style_name.lower()
    if name == "title":
        return 0
    if name.startswith("heading "):
        tail = name.removeprefix("heading ").strip()
        return int(tail) if tail.isdigit() else None
    return None


def parse_docx(data: bytes) -> Parsed:
    """Parse a .docx into sections at its Heading 1..9 paragraphs."""
    # python-docx (and its lxml) load on the first Word upload, not with every process.
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_archive(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise IngestError("This file is not a readable .docx document.") from exc
    title = clean_line(document.core_properties.title or "") or None
    # Paragraph.style searches every style for the default on each call: quadratic in
    # a long document. Map style ids to names once instead.
    names = {style.style_id: style.name or "" for style in document.styles}
    default = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    default_style = default.name if default is not None else ""
    stack: list[tuple[int, str]] = []
    sections = [Section()]
    chars = 0
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = list(dict.fromkeys(clean_line(c.text) for c in row.cells))
                line = " | ".join(c for c in cells if c)
                if line:
                    chars += len(line)
                    sections[-1].paragraphs.append(line)
            check_chars(chars)
            continue
        assert isinstance(block, Paragraph)
        text = clean_line(block.text)
        if not text:
            continue
        chars += len(text)
        check_chars(chars)  # stop as soon as the text passes the limit
        style = names.get(block._p.style, default_style)
        level = _heading_level(style or "")
        if level == 0:
            title = title or text
            continue
        if level is None:
            is_list = "list" in (style or "").lower()
            sections[-1].paragraphs.append(f"- {text}" if is_list else text)
            continue
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, text))
        sections.append(Section(headings=[h for _, h in stack], anchor=None))
    parsed = Parsed(title=title, sections=[s for s in sections if s.paragraphs])
    if parsed.is_empty():
        raise IngestError("This .docx document has no text.")
    return parsed
