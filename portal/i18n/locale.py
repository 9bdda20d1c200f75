"""Which language a visitor reads, and how the page is laid out for it (DESIGN §10).

Order: an explicit choice (`?lang=` on this request, then the `lang` cookie it left) →
`Accept-Language` → the configured default.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel import Locale
from flask import Request

from portal.config import LOCALES, RTL_LOCALES

LANG_PARAM = "lang"
LANG_COOKIE = "lang"


@dataclass(frozen=True)
class LanguageChoice:
    code: str
    native_name: str
    direction: str


def _native_name(code: str) -> str:
    # Babel knows every locale here by its own name ("العربية", "Soomaali", "کوردیی ناوەندی").
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


LANGUAGES: tuple[LanguageChoice, ...] = tuple(
    LanguageChoice(code, _native_name(code), "rtl" if code in RTL_LOCALES else "ltr")
    for code in LOCALES
)


LOCALE_OBJECTS: dict[str, Locale] = {code: Locale.parse(code) for code in LOCALES}


def explicit_choice(request: Request) -> str | None:
    """The language asked for on this request, if it is one we have."""
    asked = request.args.get(LANG_PARAM, "")
    return asked if asked in LOCALES else None


# Accept-Language header → the language it selects; browsers send a handful of distinct headers,
# so each is parsed once per process (bounded: a client inventing headers only fills it).
_NEGOTIATED: dict[tuple[str, str], str] = {}
_NEGOTIATED_MAX = 1024


def select_locale(request: Request, default: str) -> str:
    chosen = explicit_choice(request)
    if chosen:
        return chosen
    remembered = request.cookies.get(LANG_COOKIE, "")
    if remembered in LOCALES:
        return remembered
    header = request.headers.get("Accept-Language", "")
    found = _NEGOTIATED.get((header, default))
    if found is None:
        found = _negotiate(request, default)
        if len(_NEGOTIATED) < _NEGOTIATED_MAX:
            _NEGOTIATED[(header, default)] = found
    return found


def _negotiate(request: Request, default: str) -> str:
    # In the browser's order of preference; a regional tag ("ckb-IQ", "fr_NE") counts for its
    # language, so Kurdish before Arabic stays Kurdish.
    for value, _quality in request.accept_languages:
        base = value.replace("_", "-").split("-")[0].lower()
        if base in LOCALES:
            return base
    return default


def direction(code: str) -> str:
    return "rtl" if code in RTL_LOCALES else "ltr"
