"""Every message the portal can show is translated in every language, with its placeholders.

A reporter reading Somali must never meet an English sentence halfway through the form, and a
translation that drops `%(limit)s` would tell them nothing about what to do. The catalog must
also be current: a string added to the code but never extracted would stay English everywhere.
"""

from __future__ import annotations

import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from portal.i18n.locale import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
LOCALES = [language.code for language in LANGUAGES if language.code != "en"]


@cache
def _catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _ids(catalog: Catalog) -> set[tuple[str, str | None]]:
    return {(_singular(m), m.context) for m in catalog if m.id}


def _singular(message: Message) -> str:
    return message.id[0] if isinstance(message.id, tuple) else message.id


def _forms(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ("",)
    return value if isinstance(value, tuple) else (value,)


def test_the_template_holds_every_string_of_the_code(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable, "-m", "babel.messages.frontend", "-q", "extract",
            "-F", "babel.cfg", "-k", "N_", "-k", "_l", "-k", "lazy_gettext",
            "-o", str(fresh), "portal", "templates",
        ],
        cwd=ROOT,
        check=True,
    )  # fmt: skip
    missing = _ids(_catalog(fresh)) - _ids(_catalog(TRANSLATIONS / "messages.pot"))
    assert not missing, f"run `make translations` and translate: {sorted(missing)[:10]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated_with_its_placeholders(locale: str) -> None:
    template = _catalog(TRANSLATIONS / "messages.pot")
    catalog = _catalog(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po")
    assert _ids(template) <= _ids(catalog), "run `make translations`"
    untranslated, fuzzy, broken = [], [], []
    for message in catalog:
        if not message.id or (_singular(message), message.context) not in _ids(template):
            continue
        forms = _forms(message.string)
        if not all(form.strip() for form in forms):
            untranslated.append(_singular(message))
            continue
        if message.fuzzy:
            fuzzy.append(_singular(message))
        wanted = set(PLACEHOLDER.findall(" ".join(_forms(message.id))))
        for form in forms:
            # A plural form may leave out the count ("one file"), never add or misspell a name.
            found = set(PLACEHOLDER.findall(form))
            if not found <= wanted or (len(forms) == 1 and found != wanted):
                broken.append(_singular(message))
    assert not untranslated, f"{locale}: {len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{locale}: fuzzy translations need a review: {fuzzy[:5]}"
    assert not broken, f"{locale}: placeholders differ from the English: {broken[:5]}"
