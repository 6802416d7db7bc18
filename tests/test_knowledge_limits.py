"""Hostile uploads are refused in SPEC's shape before they can tie up a worker."""

from __future__ import annotations

import sys
import zipfile

import pytest
from sqlalchemy import func, select

from knowledge import IngestError, limits, webpage
from knowledge.parsers import parse
from models import Document, db
from tests.bombs import big_page, docx_bomb, nested_html, tag_flood, wordy_docx
from tests.test_knowledge_parsers import make_pdf


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """The issue's .docx: document.xml inflates to 100 MB."""
    return docx_bomb(100_000_000)


@pytest.fixture(scope="module")
def text_node_bomb() -> bytes:
    """The issue's other .docx: one 520 MB text node."""
    return docx_bomb(520_000_000, one_node=True)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every archive member anything reads."""
    names: list[str] = []
    original = zipfile.ZipFile.open

    def spy(self: zipfile.ZipFile, name: object, *args: object, **kwargs: object) -> object:
        names.append(getattr(name, "filename", name))
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    return names


def upload(client, auth, name: str, data: bytes, **form: str):
    """POST a multipart upload built in memory (the test client spools big bodies to a file)."""
    boundary = "docentboundary7MA4YWxk"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in form.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post(
        "/api/v1/documents",
        data=b"".join(parts),
        headers=auth,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def document_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Document))


@pytest.mark.parametrize("background", ["false", "true"])
def test_docx_bomb_is_413_before_any_member_is_read(app, client, auth, bomb, opened, background):
    assert len(bomb) < 1_000_000
    before = document_count(app)
    response = upload(client, auth, "bomb.docx", bomb, background=background)
    assert response.status_code == 413, response.json
    assert response.json["success"] is False
    assert response.json["error"]["code"] == "payload_too_large"
    assert opened == []
    assert document_count(app) == before


def test_one_huge_text_node_is_413_before_reading(client, auth, text_node_bomb, opened):
    response = upload(client, auth, "node.docx", text_node_bomb)
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"
    assert opened == []


def test_total_and_ratio_are_checked_too(app, monkeypatch):
    with app.app_context():
        app.config.update(DOCX_MAX_TOTAL_BYTES=1000, DOCX_MAX_RATIO=10**6)
        with pytest.raises(IngestError, match="inflates to more than") as total:
            limits.check_archive(docx_bomb(2_000_000))
        assert total.value.status == 413
        app.config.update(DOCX_MAX_TOTAL_BYTES=10**9, DOCX_MAX_RATIO=10)
        with pytest.raises(IngestError, match="suspiciously") as ratio:
            limits.check_archive(docx_bomb(2_000_000))
        assert ratio.value.status == 413


def test_a_normal_docx_still_parses():
    from tests.test_knowledge_parsers import make_docx

    assert parse("docx", make_docx()).title == "Handbook"


@pytest.mark.parametrize(
    "data", [b"PK\x03\x04word/document.xml torn", b"PK\x03\x04word/" + b"\0" * 100]
)
def test_malformed_docx_is_400(client, auth, data):
    response = upload(client, auth, "broken.docx", data)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_request"


@pytest.mark.parametrize("depth", [1_000, 20_000])
def test_deep_html_is_400_before_walking(client, auth, monkeypatch, depth):
    walked: list[object] = []
    monkeypatch.setattr(webpage._Walker, "walk", lambda self, root: walked.append(root))
    response = upload(client, auth, "deep.html", nested_html(depth))
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_request"
    assert "levels deep" in response.json["error"]["message"]
    assert walked == []


def test_html_within_the_depth_limit_walks_without_recursion():
    # Under a 400-frame limit a recursive walk of 500 levels raises RecursionError.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)
    try:
        parsed = parse("html", nested_html(webpage.MAX_DEPTH - 12))
    finally:
        sys.setrecursionlimit(limit)
    assert [p for s in parsed.sections for p in s.paragraphs] == ["deep text"]


def test_tag_flood_is_413_before_parsing(client, auth, monkeypatch):
    parsed: list[object] = []
    monkeypatch.setattr(webpage, "BeautifulSoup", lambda *a, **k: parsed.append(a))
    response = upload(client, auth, "flood.html", tag_flood(limits.DEFAULTS["HTML_MAX_TAGS"]))
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"
    assert parsed == []


def test_pdf_pages_are_bounded_before_extraction(app, client, auth, monkeypatch):
    from pypdf import PageObject

    extracted: list[object] = []
    monkeypatch.setattr(PageObject, "extract_text", lambda self, *a, **k: extracted.append(1))
    app.config["PDF_MAX_PAGES"] = 3
    response = upload(client, auth, "long.pdf", make_pdf([f"Page {i}" for i in range(5)]))
    assert response.status_code == 413
    assert "more than 3 pages" in response.json["error"]["message"]
    assert extracted == []


def test_pdf_text_is_bounded_as_it_is_extracted(app):
    pages = [f"Page {i} says something long enough to count. " * 4 for i in range(6)]
    with app.app_context():
        app.config["MAX_DOCUMENT_CHARS"] = 400
        with pytest.raises(IngestError, match="characters of text") as error:
            parse("pdf", make_pdf(pages))
        assert error.value.status == 413


@pytest.mark.parametrize("name", ["notes.txt", "notes.md", "page.html"])
def test_extracted_text_is_capped(app, client, auth, name):
    app.config["MAX_DOCUMENT_CHARS"] = 1000
    body = ("Plenty of words in one paragraph here. " * 40).encode()
    if name.endswith(".html"):
        body = b"<html><body><p>" + body + b"</p></body></html>"
    response = upload(client, auth, name, body)
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"


def test_docx_styles_are_looked_up_once_not_per_paragraph(monkeypatch):
    from docx.styles.styles import Styles

    calls: list[object] = []
    original = Styles.default
    monkeypatch.setattr(
        Styles, "default", lambda self, kind: calls.append(kind) or original(self, kind)
    )
    parsed = parse("docx", wordy_docx(200_000))
    assert sum(len(s.paragraphs) for s in parsed.sections) > 500
    assert len(calls) == 1


def test_docx_text_limit_stops_the_parse_early(app, monkeypatch):
    from knowledge import wordfile

    seen: list[str] = []
    original = wordfile.clean_line
    monkeypatch.setattr(wordfile, "clean_line", lambda text: seen.append(text) or original(text))
    with app.app_context():
        app.config["MAX_DOCUMENT_CHARS"] = 20_000
        with pytest.raises(IngestError, match="characters of text") as error:
            parse("docx", wordy_docx(1_000_000))
    assert error.value.status == 413
    assert 50 < len(seen) < 200  # stopped just past 20,000 characters, of about 4,000 paragraphs


def test_a_page_far_over_the_text_limit_is_413_before_parsing(app, client, auth, monkeypatch):
    parsed: list[object] = []
    monkeypatch.setattr(webpage, "BeautifulSoup", lambda *a, **k: parsed.append(a))
    app.config["MAX_DOCUMENT_CHARS"] = 10_000
    page = big_page(200)  # about 40,000 characters of text in 600 tags
    response = upload(client, auth, "big.html", page)
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"
    assert parsed == []
