"""`GET /api/v1/reference` lists what a valid submission is built from, in the reader's language."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import force_locale, gettext

from portal.config import LOCALES
from portal.domain.catalogue import FORCE_BRANCHES, reporter_choice, reporter_choices
from portal.i18n.places import is_region_of
from tests.api.conftest import ApiClient


def test_lists_the_open_compacts_and_their_regions(reference: dict[str, Any]) -> None:
    assert {c["country"] for c in reference["compacts"]} == {"IQ", "NE", "PH", "SO"}
    iraq = next(c for c in reference["compacts"] if c["country"] == "IQ")
    assert iraq["country_name"] == "Iraq"
    assert iraq["title"].startswith("Iraq security compact")
    assert set(reference["regions"]) == {"IQ", "NE", "PH", "SO"}
    for country, places in reference["regions"].items():
        assert places and all(is_region_of(p["code"], country) for p in places)
    assert "IQ-BG" in {p["code"] for p in reference["regions"]["IQ"]}


def test_lists_every_choice_branch_language_and_limit(reference: dict[str, Any]) -> None:
    assert [c["key"] for c in reference["happened"]] == [c.key for c in reporter_choices()]
    assert [f["key"] for f in reference["forces"]] == [b.key for b in FORCE_BRANCHES]
    assert [lang["code"] for lang in reference["languages"]] == list(LOCALES)
    assert {lang["code"]: lang["direction"] for lang in reference["languages"]}["ar"] == "rtl"
    limits = reference["limits"]
    assert limits["max_files"] == 5
    assert limits["max_file_bytes"] == 10 * 1024 * 1024
    assert limits["max_json_body_bytes"] > limits["max_multipart_body_bytes"]


def test_speaks_the_readers_language(demo: Flask, api: ApiClient) -> None:
    response = api.get("/api/v1/reference", headers={"Accept-Language": "fr-NE, en;q=0.5"})
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "fr"
    assert "Accept-Language" in response.headers["Vary"]
    french = response.get_json()
    assert french["language"] == "fr"
    assert next(c for c in french["compacts"] if c["country"] == "IQ")["country_name"] == "Irak"
    text = next(c["text"] for c in french["happened"] if c["key"] == "IC-1.checkpoint-money")
    with demo.test_request_context(), force_locale("fr"):
        assert text == gettext(reporter_choice("IC-1.checkpoint-money").text)
    assert text != reporter_choice("IC-1.checkpoint-money").text

    arabic = api.get("/api/v1/reference?lang=ar").get_json()
    assert arabic["language"] == "ar"
    assert arabic["forces"][0]["label"] != "Army or soldiers"


def test_is_not_cached(demo: Flask, api: ApiClient) -> None:
    assert api.get("/api/v1/reference").headers["Cache-Control"] == "no-store"
