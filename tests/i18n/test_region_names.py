"""Iraqi and Somali reporters find their region under the name they know, in their script."""

from __future__ import annotations

import unicodedata

import pycountry
import pytest

from portal.i18n.places import regions
from portal.i18n.region_names import REGION_NAMES


def _arabic_script(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all("ARABIC" in unicodedata.name(c) for c in letters)


def test_every_kept_name_is_a_real_subdivision_in_arabic_script() -> None:
    for names in REGION_NAMES.values():
        for code, name in names.items():
            assert pycountry.subdivisions.get(code=code) is not None, code
            assert _arabic_script(name), (code, name)


@pytest.mark.parametrize(("country", "locale"), [("IQ", "ar"), ("IQ", "ckb"), ("SO", "ar")])
def test_the_region_list_is_wholly_in_the_reader_s_script(country: str, locale: str) -> None:
    places = regions(country, locale)
    assert len(places) >= 18
    assert all(_arabic_script(p.name) for p in places), [p.name for p in places]
    assert len({p.name for p in places}) == len(places), "two regions under one name"


def test_arabic_order_files_a_name_under_its_first_letter_not_its_article() -> None:
    names = [p.name for p in regions("IQ", "ar")]
    # البصرة (al-Basra) under ب: after بابل, before بغداد.
    assert names.index("بابل") < names.index("البصرة") < names.index("بغداد")


def test_other_languages_keep_pycountry_names() -> None:
    assert "Baghdād" in {p.name for p in regions("IQ", "en")}
    assert "Banaadir" in {p.name for p in regions("SO", "so")}
