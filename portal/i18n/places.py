"""Country and region names from pycountry (ISO 3166-1 and 3166-2), in the reader's language."""

from __future__ import annotations

import gettext as stdlib_gettext
import unicodedata
from dataclasses import dataclass
from functools import cache

import pycountry

from portal.i18n.region_names import local_region_name


@dataclass(frozen=True)
class Place:
    code: str
    name: str


@cache
def _translator(domain: str, locale: str) -> stdlib_gettext.NullTranslations:
    return stdlib_gettext.translation(
        domain, pycountry.LOCALES_DIR, languages=[locale], fallback=True
    )


def country_name(alpha_2: str, locale: str = "en") -> str:
    country = pycountry.countries.get(alpha_2=alpha_2.upper())
    if country is None:
        return alpha_2
    name = getattr(country, "common_name", None) or country.name
    return _translator("iso3166-1", locale).gettext(name)


@cache
def _subdivisions(alpha_2: str) -> tuple[tuple[str, str, str | None], ...]:
    found = pycountry.subdivisions.get(country_code=alpha_2.upper()) or []  # type: ignore[no-untyped-call]
    return tuple(sorted((s.code, s.name, s.parent_code) for s in found))


_ALEF_FORMS = str.maketrans("أإآ", "ااا")


def _collation_key(name: str) -> str:
    """Alphabetical order as a reader looks a name up: in Arabic script the article "ال" and the
    hamza on an alef are not looked at (البصرة files under ب, أربيل under ا), as in dictionaries
    and phone books; Latin names sort as written, without their accents mattering first."""
    folded = name.translate(_ALEF_FORMS)
    if folded.startswith("ال") and len(folded) > 3:
        folded = folded[2:]
    return unicodedata.normalize("NFKD", folded.casefold())


@cache
def regions(alpha_2: str, locale: str = "en") -> tuple[Place, ...]:
    """First-level subdivisions of a country, sorted by their name in `locale`.

    Where a country has two levels (regions containing provinces, as in the Philippines) the
    finer level is offered: it is what a reporter knows, and it is still coarse enough to keep
    in clear (DESIGN §5).
    """
    translate = _translator("iso3166-2", locale).gettext
    subdivisions = _subdivisions(alpha_2)
    parents = {parent for _code, _name, parent in subdivisions if parent}
    leaves = [(code, name) for code, name, _parent in subdivisions if code not in parents]
    return tuple(
        sorted(
            (
                Place(code, local_region_name(code, locale) or translate(name))
                for code, name in leaves
            ),
            key=lambda p: _collation_key(p.name),
        )
    )


def is_region_of(code: str, alpha_2: str) -> bool:
    return any(c == code for c, _name, _parent in _subdivisions(alpha_2))
