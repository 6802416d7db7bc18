"""Parsers and chunking, on real small files the tests build."""

from __future__ import annotations

import io

import pytest

from knowledge import IngestError
from knowledge.chunking import chunk_section, chunk_sections, split_sentences
from knowledge.parsers import detect_format, parse
from knowledge.sections import Section
from knowledge.tokens import count_tokens

NAV_PAGE = b"""<!doctype html><html><head><title>Shipping | Example Shop</title>
<meta charset="utf-8"></head><body>
<header class="site-header"><a href="/">Example Shop</a>
  <nav><ul><li><a href="/a">Home</a></li>
  <li><a href="/b">Catalogue menu</a></li></ul></nav></header>
<div class="sidebar">Sidebar promotions</div>
<main>
  <h1 id="shipping">Shipping</h1>
  <p>Orders ship within <b>two</b> business days.</p>
  <h2 id="intl">International</h2>
  <ul><li>Europe: five days</li><li>Asia: ten days</li></ul>
  <table><tr><th>Zone</th><th>Price</th></tr><tr><td>EU</td><td>9 EUR</td></tr></table>
  <h2>Customs</h2><p>Duties are paid by the recipient.</p>
  <div class="cookie-banner">We use cookies</div>
</main>
<footer>Copyright 2025 Example Shop. Privacy policy.</footer>
<script>console.log("tracking")</script></body></html>"""


def make_pdf(pages: list[str], bookmarks: bool = False) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title("Sensor manual")
    for i, body in enumerate(pages):
        pdf.add_page()
        pdf.set_font("helvetica", size=12)
        if bookmarks:
            pdf.start_section(f"Chapter {i + 1}")
        pdf.multi_cell(0, 8, body)
    return bytes(pdf.output())


def make_docx() -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = "Handbook"
    document.add_heading("Onboarding", level=1)
    document.add_paragraph("New staff get a laptop on day one.")
    document.add_heading("Accounts", level=2)
    document.add_paragraph("Ask IT for a badge.", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "System", "Owner"
    table.cell(1, 0).text, table.cell(1, 1).text = "Payroll", "Finance"
    document.add_heading("Leave", level=1)
    document.add_paragraph("Holidays are booked in the HR portal.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_html_keeps_main_text_and_drops_navigation_footer_scripts():
    parsed = parse("html", NAV_PAGE)
    text = " ".join(p for s in parsed.sections for p in s.paragraphs)
    assert parsed.title == "Shipping | Example Shop"
    assert "two business days" in text and "Europe: five days" in text and "EU | 9 EUR" in text
    for chrome in ("Catalogue menu", "Sidebar", "Copyright", "tracking", "cookies", "Home"):
        assert chrome not in text
    assert [(s.heading, s.anchor) for s in parsed.sections] == [
        ("Shipping", "shipping"),
        ("Shipping > International", "intl"),
        ("Shipping > Customs", ":~:text=Customs"),
    ]


def test_html_encoding_from_meta_charset():
    page = '<html><head><meta charset="windows-1252"></head><body><p>Café crème</p></body></html>'
    parsed = parse("html", page.encode("cp1252"))
    assert parsed.sections[0].paragraphs == ["Café crème"]


def test_pdf_one_section_per_page_with_page_anchor_and_bookmarks():
    data = make_pdf(
        ["Calibrate the sensor monthly.", "Replace the battery yearly."], bookmarks=True
    )
    parsed = parse("pdf", data)
    assert parsed.title == "Sensor manual"
    assert [(s.page, s.anchor, s.heading) for s in parsed.sections] == [
        (1, "page=1", "Chapter 1"),
        (2, "page=2", "Chapter 2"),
    ]
    assert "battery" in parsed.sections[1].paragraphs[0]


def test_pdf_without_text_is_refused():
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    with pytest.raises(IngestError, match="no extractable text"):
        parse("pdf", bytes(pdf.output()))


def test_docx_headings_lists_and_tables():
    parsed = parse("docx", make_docx())
    assert parsed.title == "Handbook"
    assert [(s.heading, s.paragraphs) for s in parsed.sections] == [
        ("Onboarding", ["New staff get a laptop on day one."]),
        ("Onboarding > Accounts", ["- Ask IT for a badge.", "System | Owner", "Payroll | Finance"]),
        ("Leave", ["Holidays are booked in the HR portal."]),
    ]


def test_markdown_sections_code_and_duplicate_anchors():
    md = (
        "# Title\n\nIntro [a link](https://x.test).\n\n## Setup\n\n"
        "```sh\n# not a heading\nmake run\n```\n\n## Setup\n\nAgain.\n"
    )
    parsed = parse("markdown", md.encode())
    assert parsed.title == "Title"
    assert [(s.heading, s.anchor) for s in parsed.sections] == [
        ("Title", "title"),
        ("Title > Setup", "setup"),
        ("Title > Setup", "setup-1"),
    ]
    assert parsed.sections[0].paragraphs == ["Intro a link."]
    assert "# not a heading" in parsed.sections[1].paragraphs[0]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("naïve café".encode(), "naïve café"),
        ("naïve café".encode("utf-8-sig"), "naïve café"),
        ("naïve café".encode("utf-16"), "naïve café"),
        ("naïve café".encode("cp1252"), "naïve café"),
    ],
)
def test_text_encodings(data, expected):
    assert parse("text", data).sections[0].paragraphs == [expected]


@pytest.mark.parametrize(
    ("name", "data", "fmt"),
    [
        ("a.TXT", b"x", "text"),
        ("a.markdown", b"x", "markdown"),
        ("a.htm", b"x", "html"),
        ("README", b"plain words", "text"),
        ("download", b"%PDF-1.7 ...", "pdf"),
        ("page", b"<!DOCTYPE html><html>", "html"),
    ],
)
def test_detect_format(name, data, fmt):
    assert detect_format(name, data) == fmt


def test_chunks_respect_budget_and_overlap():
    sentences = [
        f"Sentence number {i} talks about topic {i % 7} in some detail." for i in range(200)
    ]
    paragraphs = [" ".join(sentences[i : i + 5]) for i in range(0, 200, 5)]
    pieces = chunk_section(Section(["Doc", "Part"], paragraphs, page=3, anchor="part"), 120, 30)
    assert len(pieces) > 10
    assert all(count_tokens(p.content) <= 120 for p in pieces)
    assert all((p.heading, p.page, p.anchor) == ("Doc > Part", 3, "part") for p in pieces)
    for before, after in zip(pieces, pieces[1:], strict=False):
        # The next chunk repeats the last sentence(s) of the previous one.
        assert split_sentences(after.content)[0] in before.content
    text = " ".join(p.content for p in pieces)
    assert all(s in text for s in sentences)


def test_chunks_never_straddle_sections_and_split_giant_words():
    sections = [Section(["A"], ["short a"]), Section(["B"], ["x" * 3000])]
    pieces = chunk_sections(sections, 100, 20)
    assert pieces[0].content == "short a" and pieces[0].heading == "A"
    assert {p.heading for p in pieces[1:]} == {"B"} and len(pieces) > 2
    assert all(p.token_count <= 100 for p in pieces)
