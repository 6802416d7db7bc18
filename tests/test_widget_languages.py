"""The widget's languages in real Chromium: data-lang, the page's lang, owner overrides."""
# ruff: noqa: F811  (fixtures shared with test_widget_e2e are parameters here)

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.browser import browser_fixture, page_fixture  # noqa: F401  (fixtures)
from tests.test_widget_e2e import (  # noqa: F401  (fixtures)
    W,
    api,
    host,
    host_site,
    launcher,
    shop,
    site,
    watch,
)
from widget import LANG_DIR

ENGLISH_NAMES = {
    "open", "close", "send", "stop", "retry", "copy", "copied", "reset", "sources", "up",
    "down", "thanks", "typing", "stopped", "input", "error", "network", "rate", "why", "ask",
    "handoff", "lead", "name", "email", "sent",
}  # fmt: skip


def words(lang: str) -> dict[str, str]:
    return json.loads((LANG_DIR / f"{lang}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("lang", ["fr", "de", "es", "nl", "pt", "it", "ja"])
def test_every_language_names_every_string(lang: str) -> None:
    table = words(lang)
    assert set(table) == ENGLISH_NAMES
    assert all(text.strip() for text in table.values())
    assert "{s}" in table["rate"]


def test_language_file_route(client: Any) -> None:
    served = client.get("/widget/i18n/ja.json")
    assert served.status_code == 200 and served.json["send"] == "送信"
    assert served.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/widget/i18n/xx.json").status_code == 404
    assert client.get("/widget/i18n/..%2fpackage.json").status_code == 404


def check_open_widget(page: Any, lang: str) -> None:
    table = words(lang)
    button = launcher(page)
    page.wait_for_function(
        f"document.querySelector('{W}').shadowRoot.querySelector('.w').lang == '{lang}'"
    )
    assert button.get_attribute("aria-label") == table["open"]
    button.click()
    assert button.get_attribute("aria-label") == table["close"]
    box = page.locator(f"{W} textarea")
    assert box.get_attribute("aria-label") == table["input"]
    assert box.get_attribute("placeholder") == table["ask"]
    assert page.locator(f"{W} .sb").get_attribute("aria-label") == table["send"]
    assert page.locator(f"{W} .hd button").first.get_attribute("aria-label") == table["reset"]


@pytest.mark.parametrize("lang", ["fr", "ja"])
def test_data_lang_picks_the_language(page: Any, api: str, shop: Any, lang: str) -> None:
    log = watch(page)
    host(page, api, shop(), attrs=f"data-lang='{lang}'", html_attrs="lang='en'")
    check_open_widget(page, lang)
    fetched = [r.url for r in log["requests"] if "/widget/i18n/" in r.url]
    assert fetched == [f"{api}/widget/i18n/{lang}.json"]


@pytest.mark.parametrize(("page_lang", "lang"), [("fr-CA", "fr"), ("ja", "ja")])
def test_page_lang_picks_the_language(
    page: Any, api: str, shop: Any, page_lang: str, lang: str
) -> None:
    host(page, api, shop(), html_attrs=f"lang='{page_lang}'")
    check_open_widget(page, lang)


def test_english_and_unknown_languages_fetch_nothing(page: Any, api: str, shop: Any) -> None:
    log = watch(page)
    host(page, api, shop(), html_attrs="lang='ko'")
    assert launcher(page).get_attribute("aria-label") == "Open chat"
    assert not [r for r in log["requests"] if "/widget/i18n/" in r.url]


def test_owner_overrides_all_languages_or_one(page: Any, api: str, shop: Any) -> None:
    labels = {"open": "Questions?", "fr.open": "Des questions ?", "ja.send": "送る"}
    key = shop(widget={"labels": labels, "placeholder": "Votre question"})
    host(page, api, key, html_attrs="lang='fr'")
    button = launcher(page)
    page.wait_for_function(
        f"document.querySelector('{W}').shadowRoot.querySelector('.ln')"
        ".getAttribute('aria-label') == 'Des questions ?'"
    )
    button.click()
    assert page.locator(f"{W} .sb").get_attribute("aria-label") == words("fr")["send"]
    assert page.locator(f"{W} textarea").get_attribute("placeholder") == "Votre question"
    button.click()  # closed, so the next page starts closed
    host(page, api, key, html_attrs="lang='ja'")
    page.wait_for_function(
        f"document.querySelector('{W}')?.shadowRoot.querySelector('.ln')"
        ".getAttribute('aria-label') == 'Questions?'"
    )
    launcher(page).click()
    assert page.locator(f"{W} .sb").get_attribute("aria-label") == "送る"


def test_files_are_valid_json() -> None:
    assert sorted(p.stem for p in Path(LANG_DIR).glob("*.json")) == sorted(
        ["fr", "de", "es", "nl", "pt", "it", "ja"]
    )
