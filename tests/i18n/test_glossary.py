"""One word for one thing: each key term is rendered with its glossary word in every catalog.

The glossary lives in docs/i18n.md ("Glossary"), where translators read it; this test reads the
same tables, so the rule and its check cannot drift apart.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "docs" / "i18n.md"
TERMS = (
    "report", "receipt", "anonymous", "sealed", "desk", "verifier", "assessor", "rater",
    "compact", "indicator", "incident", "tier", "unit", "password", "key",
)  # fmt: skip
LOCALES = ("fr", "ar", "ckb", "so", "ha", "fil")
# Apostrophes typed three ways, and the Arabic tatweel, are the same text to a reader.
_SAME = str.maketrans({"\u2019": "'", "\u02bc": "'", "\u0640": None})
_KEEP_MARKS = {"\u0654", "\u0655"}  # the hamza of أ and إ is a letter, not a vowel mark
# Letters a `*` may stand for (Hausa writes ma'auni); an apostrophe still starts a word in
# French ("l'incident"), so it is not a letter before a form.
_WORD = r"[\w'\u200c-]"
_BEFORE = r"[\w\u200c-]"
# Placeholders and paths name no term: "%(desk)s", "/api/v1/compacts/<id>".
_NOT_WORDS = re.compile(r"%\(\w+\)[sd]|\S*/\S*")


def plain(text: str) -> str:
    """Lower case, without accents or Arabic vowel marks."""
    decomposed = unicodedata.normalize("NFD", text.translate(_SAME).casefold())
    kept = (c for c in decomposed if unicodedata.category(c) != "Mn" or c in _KEEP_MARKS)
    return unicodedata.normalize("NFC", "".join(kept))


def form_pattern(forms: list[str]) -> re.Pattern[str]:
    """`*` is any run of letters; a form without `*` at an end must end a word there."""
    parts = []
    for form in forms:
        text = plain(form)
        body = re.escape(text).replace(r"\*", f"{_WORD}*").replace(r"\ ", r"\s+")
        start = "" if text.startswith("*") else rf"(?<!{_BEFORE})"
        end = "" if text.endswith("*") else rf"(?!{_WORD})"
        parts.append(start + body + end)
    return re.compile("|".join(parts))


def english(term: str) -> re.Pattern[str]:
    return re.compile(rf"\b{term}(?:s|'s|s')?\b", re.IGNORECASE)


@dataclass
class LocaleGlossary:
    words: dict[str, re.Pattern[str]] = field(default_factory=dict)
    only: set[str] = field(default_factory=set)
    # (what the English says, a word that must not render it)
    not_used: list[tuple[re.Pattern[str], re.Pattern[str]]] = field(default_factory=list)


@cache
def glossary() -> dict[str, LocaleGlossary]:
    text = GLOSSARY.read_text(encoding="utf-8")
    section = text.split("## Glossary", 1)[1]
    found: dict[str, LocaleGlossary] = {}
    for block in re.split(r"^### ", section, flags=re.MULTILINE)[1:]:
        code = re.search(r"\(`([a-z]+)`\)", block.splitlines()[0])
        assert code, block.splitlines()[0]
        entry = found.setdefault(code.group(1), LocaleGlossary())
        for row in re.findall(r"^\|(.+)\|\s*$", block, flags=re.MULTILINE):
            cells = [cell.strip() for cell in row.split("|")]
            if cells[0] not in TERMS:
                continue
            entry.words[cells[0]] = form_pattern(re.findall(r"`([^`]+)`", cells[2]))
            if "**only**" in cells[1]:
                entry.only.add(cells[0])
        for said, line in re.findall(r"^Not used for “([^”]+)”: (.+)$", block, flags=re.MULTILINE):
            forms = re.findall(r"`([^`]+)`", line.split(" — ")[0])
            entry.not_used.append((form_pattern([said]), form_pattern(forms)))
    return found


@cache
def messages(locale: str) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    path = ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return [_texts(m) for m in catalog if m.id]


def _texts(message: Message) -> tuple[tuple[str, ...], tuple[str, ...]]:
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    # A product name is not the term: "Compact Watch" says nothing about a compact.
    english_text = tuple(_NOT_WORDS.sub(" ", i.replace("Compact Watch", "")) for i in ids)
    return english_text, tuple(_NOT_WORDS.sub(" ", s) for s in strings if s)


def says(term: str, ids: tuple[str, ...]) -> bool:
    return any(english(term).search(i) for i in ids)


def test_the_glossary_has_every_term_in_every_locale() -> None:
    for locale in LOCALES:
        assert set(glossary()[locale].words) == set(TERMS), f"{locale} glossary is incomplete"


@pytest.mark.parametrize("locale", LOCALES)
def test_each_term_is_rendered_with_its_glossary_word(locale: str) -> None:
    entry = glossary()[locale]
    missing = [
        f"{term}: {ids[0]!r} → {string!r}"
        for ids, strings in messages(locale)
        for term, word in entry.words.items()
        if says(term, ids)
        for string in strings
        if not word.search(plain(string))
    ]
    assert not missing, f"{locale}: {len(missing)} translations miss the glossary word:\n" + (
        "\n".join(missing[:20])
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_a_reserved_word_means_only_its_term(locale: str) -> None:
    entry = glossary()[locale]
    stray = [
        f"{term}: {ids[0]!r} → {string!r}"
        for term in entry.only
        for ids, strings in messages(locale)
        if not says(term, ids)
        for string in strings
        if entry.words[term].search(plain(string))
    ]
    assert not stray, f"{locale}: a word kept for one term says something else:\n" + (
        "\n".join(stray[:20])
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_words_not_to_use_are_not_used(locale: str) -> None:
    used = [
        f"{ids[0]!r} → {string!r}"
        for said, pattern in glossary()[locale].not_used
        for ids, strings in messages(locale)
        if any(said.search(plain(i)) for i in ids)
        for string in strings
        if pattern.search(plain(string))
    ]
    assert not used, f"{locale}: " + "\n".join(used[:20])


def test_the_check_notices_a_wrong_word() -> None:
    """The machinery itself: the defects the glossary was written against are caught."""
    so = glossary()["so"].words["password"]
    assert so.search(plain("Beddel eraygaaga sirta ah"))
    assert not so.search(plain("Beddel furahaaga sirta ah"))
    ar = glossary()["ar"].words["rater"]
    assert ar.search(plain("درجات المُحكِّمين")) and not ar.search(plain("درجات المُقيِّمين"))
    ha_tier = glossary()["ha"].words["tier"]
    assert ha_tier.search(plain("Matakin taimako")) and "tier" in glossary()["ha"].only
    fil = glossary()["fil"].words["anonymous"]
    assert not fil.search(plain("Anonymous ang iyong ulat"))
    said, word = glossary()["fr"].not_used[0]
    assert said.search(plain("so that nobody can work out who reported"))
    assert word.search(plain("personne ne puisse deviner"))
