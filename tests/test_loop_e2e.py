"""The owner's loop in real Chromium: an unanswered question, its written answer, a comment.

A visitor asks through the real widget on a host page (another origin than the API), the
owner sees the question on the Unanswered page, writes the answer with one click, and the
next visitor's paraphrase is answered from it, cited as a source. The thumbs-down asks for
a comment, which the owner then reads on the Unanswered page and in the transcript.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from models import Feedback, db
from tests import test_dashboard_e2e as dashboard_e2e
from tests.browser import browser_fixture, page_fixture  # noqa: F401  (fixtures)
from tests.test_dashboard_e2e import FACT, create_bot, create_public_key, sign_up, upload
from tests.test_widget_e2e import HostSite

# Shared fixtures: the app served with CSRF on, and a browser context.
server = dashboard_e2e.server
context = dashboard_e2e.context

W = "docent-widget"
ASKED = "Do you deliver to Iceland?"
CURATED = "Yes, we ship to Iceland: parcels arrive within five to seven days."
PARAPHRASE = "Can you ship my order to Iceland?"
COMMENT = "I wanted to know about Iceland."


@pytest.fixture(scope="module")
def host_site() -> Iterator[HostSite]:
    site = HostSite()
    threading.Thread(target=site.serve_forever, daemon=True).start()
    yield site
    site.shutdown()
    site.server_close()


def visit(page: Any, site: HostSite, api: str, key: str) -> None:
    """Load a host page that embeds the widget, and open it."""
    site.html = (
        "<!doctype html><html lang=en><head><meta charset=utf-8></head><body>"
        f"<script src='{api}/widget.js' data-key='{key}' async></script></body></html>"
    )
    site.headers = {}
    page.goto(site.url + "/")
    page.locator(f"{W} .ln").click()


def ask(page: Any, question: str, count: int) -> Any:
    """Ask in the widget; wait for the count-th finished answer and return it."""
    box = page.locator(f"{W} textarea").first
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(
        """n => {
          const root = document.querySelector('docent-widget').shadowRoot;
          const done = [...root.querySelectorAll('.m.a')].filter(m => m.querySelector('.x, .e'));
          return done.length >= n && !root.querySelector('.d');
        }""",
        arg=count,
    )
    return page.locator(f"{W} .m.a").last


def thumbs_down_with(page: Any, answer: Any, comment: str) -> list[Any]:
    """Rate an answer down and send a comment; return the two feedback requests' bodies."""
    bodies: list[Any] = []
    with page.expect_response(lambda r: "/feedback" in r.url) as rated:
        answer.locator("button[aria-label='Not helpful']").click()
    bodies.append(rated.value.request.post_data_json)
    box = answer.locator("form.c textarea")
    box.wait_for()
    assert box.get_attribute("aria-label") == "What was wrong? (optional)"
    assert box.evaluate("b => b.getRootNode().activeElement === b")
    box.fill(comment)
    with page.expect_response(lambda r: "/feedback" in r.url) as sent:
        answer.locator("form.c button[aria-label='Send']").click()
    assert sent.value.status == 200
    bodies.append(sent.value.request.post_data_json)
    assert answer.locator("form.c").count() == 0
    return bodies


def test_unanswered_to_written_answer_to_cited_paraphrase(
    server: tuple[Any, int], context: Any, host_site: HostSite
) -> None:
    app, port = server
    base = f"http://127.0.0.1:{port}"
    owner = context.new_page()
    errors: list[Any] = []
    owner.on("pageerror", lambda e: errors.append(e))
    sign_up(owner, base)
    bot = create_bot(owner, "Kettle help")
    upload(owner, base, bot, "kettle-care.md", FACT)
    key = create_public_key(owner, base, bot, host_site.url, "Shop")

    visitor = context.new_page()
    visitor.on("pageerror", lambda e: errors.append(e))
    visit(visitor, host_site, base, key)
    fallback = ask(visitor, ASKED, 1)
    assert "couldn't find anything" in fallback.locator(".b").inner_text()
    thumbs_down_with(visitor, fallback, COMMENT)

    owner.goto(f"{base}/dashboard/bots/{bot}")
    owner.click("nav.botnav >> text=Unanswered")
    item = owner.locator(".unanswered-list li", has_text=ASKED)
    assert "Asked 1 time" in item.inner_text() and COMMENT in item.inner_text()
    assert "unanswered" in item.inner_text() and "rated down" in item.inner_text()
    item.locator("text=Write the answer").click()
    assert owner.locator("#question").input_value() == ASKED
    owner.fill("#answer", CURATED)
    owner.click("text=Save the answer")
    owner.wait_for_url(f"{base}/dashboard/bots/{bot}/answers")
    assert CURATED in owner.locator(".curated-list").inner_text()

    owner.goto(f"{base}/dashboard/bots/{bot}/conversations")
    owner.click(f"text={ASKED}")
    transcript = owner.locator(".transcript").inner_text()
    assert COMMENT in transcript and "unanswered" in transcript

    visitor.locator(f"{W} button[aria-label='New conversation']").click()
    answer = ask(visitor, PARAPHRASE, 1)
    assert CURATED in answer.locator(".b").inner_text()
    assert answer.locator(".s div").nth(1).inner_text() == ASKED  # cited, with no link
    owner.goto(f"{base}/dashboard/bots/{bot}/unanswered")
    assert "answer written" in owner.locator(".unanswered-list li", has_text=ASKED).inner_text()
    assert not errors, errors


def test_thumbs_down_comment_is_optional_and_stored(
    app: Any, page: Any, live_server: str, host_site: HostSite, make_bot: Any, make_key: Any
) -> None:
    bot = make_bot()
    key = make_key(bot, "public", origins=[host_site.url])
    visit(page, host_site, live_server, key)
    answer = ask(page, "How long does international shipping take?", 1)
    bodies = thumbs_down_with(page, answer, "  Too short.  ")
    assert bodies == [{"rating": "down"}, {"rating": "down", "comment": "Too short."}]
    with app.app_context():
        (feedback,) = db.session.scalars(db.select(Feedback)).all()
        assert (feedback.rating, feedback.comment) == ("down", "Too short.")

    # A blank comment sends nothing more; thumbs-up takes the comment box away.
    second = ask(page, "When are refunds issued?", 2)
    with page.expect_response(lambda r: "/feedback" in r.url):
        second.locator("button[aria-label='Not helpful']").click()
    sent: list[Any] = []
    page.on("request", lambda r: sent.append(r) if "/feedback" in r.url else None)
    second.locator("form.c button[aria-label='Send']").click()
    assert second.locator("form.c").count() == 0
    second.locator("button[aria-label='Not helpful']").click()
    second.locator("form.c").wait_for()
    second.locator("button[aria-label='Helpful']").click()
    assert second.locator("form.c").count() == 0
    page.wait_for_timeout(200)
    assert [r.post_data_json for r in sent] == [{"rating": "down"}, {"rating": "up"}]
