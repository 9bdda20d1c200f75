"""Seven locales, selected by ?lang= → cookie → Accept-Language → default, with lang and dir."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from portal.config import LOCALES, RTL_LOCALES


def _html_tag(client: FlaskClient, path: str = "/", **kwargs: object) -> tuple[str, str]:
    page = client.get(path, **kwargs).get_data(as_text=True)  # type: ignore[arg-type]
    found = re.search(r'<html lang="([^"]+)" dir="([^"]+)"[ >]', page)
    assert found, page[:200]
    return found.group(1), found.group(2)


@pytest.mark.parametrize("locale", LOCALES)
def test_landing_renders_in_every_locale_with_lang_and_dir(
    client: FlaskClient, locale: str
) -> None:
    response = client.get(f"/?lang={locale}")
    assert response.status_code == 200
    lang, direction = _html_tag(client, f"/?lang={locale}")
    assert lang == locale
    assert direction == ("rtl" if locale in RTL_LOCALES else "ltr")
    if locale != "en":
        english = client.get("/?lang=en").get_data(as_text=True)
        assert response.get_data(as_text=True) != english, f"{locale} is not translated"


def test_explicit_choice_beats_cookie_beats_accept_language(client: FlaskClient) -> None:
    headers = {"Accept-Language": "fr-NE,fr;q=0.9"}
    assert _html_tag(client, headers=headers)[0] == "fr"
    client.get("/auth/login?lang=so")  # a staff page leaves the cookie
    assert _html_tag(client, headers=headers)[0] == "so"
    assert _html_tag(client, "/auth/login?lang=ar", headers=headers)[0] == "ar"
    assert _html_tag(client, headers=headers)[0] == "ar"
    # A reporter page follows the choice on the request but leaves no cookie
    # (tests/reporter/test_seized_phone.py).
    assert _html_tag(client, "/?lang=fil", headers=headers)[0] == "fil"
    assert _html_tag(client, headers=headers)[0] == "ar"


def test_regional_accept_language_falls_back_to_the_language(client: FlaskClient) -> None:
    assert _html_tag(client, headers={"Accept-Language": "ar-IQ"})[0] == "ar"
    assert _html_tag(client, headers={"Accept-Language": "ckb-IQ,ar;q=0.5"})[0] == "ckb"


def test_unknown_language_falls_back_to_default(client: FlaskClient) -> None:
    assert _html_tag(client, "/?lang=xx", headers={"Accept-Language": "de"}) == ("en", "ltr")


def test_language_switcher_is_plain_links_to_every_locale(client: FlaskClient) -> None:
    page = client.get("/safety?lang=ha").get_data(as_text=True)
    for locale in LOCALES:
        assert f'href="/safety?lang={locale}"' in page
    assert "<details" in page and page.count("<script") == 1  # the quick exit's only
