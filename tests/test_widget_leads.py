"""The widget's hand-off and lead form in real Chromium, against the live server."""
# ruff: noqa: F811  (fixtures shared with test_widget_e2e are parameters here)

from __future__ import annotations

import json
from typing import Any

from models import Lead, db
from tests.browser import browser_fixture, page_fixture  # noqa: F401  (fixtures)
from tests.test_widget_e2e import (  # noqa: F401  (fixtures)
    W,
    api,
    ask,
    host,
    host_site,
    launcher,
    shop,
    site,
    wait_answer,
)

KNOWN = "How long does international shipping take?"
UNKNOWN = "What is the boiling point of tungsten?"


def leads(app: Any) -> list[tuple[str, str, str, str, str]]:
    with app.app_context():
        rows = db.session.scalars(db.select(Lead).order_by(Lead.id)).all()
        return [(r.kind, r.session_id, r.name, r.email, r.message) for r in rows]


def fill_and_send(page: Any, name: str, email: str, message: str) -> dict[str, Any]:
    form = page.locator(f"{W} form.ld")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Email").fill(email)
    form.get_by_label("Message").fill(message)
    with page.expect_request(lambda r: r.url.endswith("/v1/leads")) as sent:
        form.locator("button[type=submit]").click()
    page.locator(f"{W} form.ld p").wait_for()
    return json.loads(sent.value.post_data or "{}")


def test_handoff_appears_after_an_unanswered_answer(
    app: Any, page: Any, api: str, shop: Any
) -> None:
    key = shop(widget={"handoff": "unanswered"})
    host(page, api, key)
    launcher(page).click()
    person = page.locator(f"{W} .hb button", has_text="Talk to a person")
    assert person.count() == 0
    ask(page, KNOWN)
    wait_answer(page)
    assert person.count() == 0  # answered: nothing offered yet
    ask(page, UNKNOWN)
    wait_answer(page, 2)
    person.wait_for()
    person.click()
    assert page.locator(f"{W} form.ld input[name=name]").evaluate(
        "e => e.getRootNode().activeElement === e"
    )
    body = fill_and_send(page, "Ada", "ada@example.org", "Please call me")
    assert body["kind"] == "handoff" and body["email"] == "ada@example.org"
    assert page.locator(f"{W} form.ld").inner_text() == "Thanks! We will get back to you."
    (row,) = leads(app)
    assert row[0] == "handoff" and row[1] == body["sessionId"]
    assert row[2:] == ("Ada", "ada@example.org", "Please call me")
    # A reload keeps the offer: the transcript says an answer went unanswered.
    page.reload()
    launcher(page)
    person.wait_for()


def test_lead_form_always_offered_and_checks_the_email(
    app: Any, page: Any, api: str, shop: Any
) -> None:
    key = shop(widget={"lead_form": True, "handoff": "always"})
    host(page, api, key, html_attrs="lang='fr'")
    launcher(page).click()
    bar = page.locator(f"{W} .hb button")
    bar.first.wait_for()
    assert bar.all_inner_texts() == ["Parler à une personne", "Laisser vos coordonnées"]
    bar.nth(1).click()
    form = page.locator(f"{W} form.ld")
    form.get_by_label("E-mail").fill("not an address")
    form.locator("button[type=submit]").click()
    assert leads(app) == []  # the browser refused it before sending
    form.get_by_label("Nom").fill("Marie")
    form.get_by_label("E-mail").fill("marie@example.fr")
    form.get_by_label("Message").fill("Un devis, svp")
    form.locator("button[type=submit]").click()
    page.locator(f"{W} form.ld p").wait_for()
    assert form.inner_text() == "Merci ! Nous vous recontacterons."
    assert [r[0] for r in leads(app)] == ["lead"]


def test_nothing_offered_by_default(page: Any, api: str, shop: Any) -> None:
    host(page, api, shop())
    launcher(page).click()
    page.locator(f"{W} textarea").wait_for()
    assert page.locator(f"{W} .hb").is_hidden()
    assert page.locator(f"{W} .hb button").count() == 0
