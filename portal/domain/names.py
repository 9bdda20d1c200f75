"""A place or unit name reduced to what two people writing it usually share (DESIGN §4).

Duplicate suggestions and unit flags compare keyed hashes of these names, and a keyed hash only
matches when the text hashed is identical. People write one name in many ways: "Checkpoint 12,
Airport Road" and "airport road checkpoint ١٢", "Al-Rashid market" and "Rashid market", "54th
Brigade" and "Brigade 54", "سيطرة" and "سيطره". What is hashed is therefore the name's words,
each reduced, without small words, in sorted order. The reduced name only feeds the HMAC at
submission: it is never stored, logged or sent anywhere.

A name written in another script or language ("Rashid market" and "سوق الرشيد") still hashes
differently: matching transliterations would need a hash per word, and per-word hashes show which
reports share a word ("checkpoint") to anyone who can count them, without the key.
"""

from __future__ import annotations

import re
import unicodedata

# Letters typed interchangeably in Arabic script, and by Persian and Sorani keyboards; hamza
# seats (أ إ ؤ ئ) and harakat are already gone as combining marks.
_ARABIC_LETTERS = str.maketrans(
    {
        "ٱ": "ا",  # alef wasla
        "ى": "ي",  # alef maksura, often typed for a final yeh and back
        "ی": "ي",  # Persian and Sorani yeh
        "ک": "ك",  # Persian and Sorani kaf
        "ة": "ه",  # ta marbuta, written without its dots
        "\u0640": None,  # tatweel, stretching a word
    }
)
# Articles and prepositions that one writer puts in a name and the next leaves out, in the
# languages of the reporter forms (Arabic-script articles are handled per word below).
_SMALL_WORDS = frozenset(
    {
        "a", "an", "at", "by", "in", "near", "no", "of", "on", "the",  # en ("No. 12")
        "al", "el",  # the Arabic article, transliterated
        "au", "aux", "d", "de", "des", "du", "l", "la", "le", "les", "pres",  # fr (à is "a")
        "في", "عند", "قرب", "من", "على",  # ar
    }
)  # fmt: skip
# 54th, 3rd, 2nd, 1st; 5e, 1er, 2ème — the number is what both writers share.
_ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th|er|re|e|eme)")
_ARABIC_ARTICLE = "ال"


def matching_form(name: str) -> str:
    """The name's reduced words, sorted; empty when the name holds no letter or digit.

    Case, compatibility forms, accents and harakat, digit scripts (Arabic-Indic, full-width),
    punctuation, Arabic letter variants, ordinal endings, articles and word order are dropped.
    """
    text = unicodedata.normalize("NFKC", name).casefold()
    text = "".join(
        str(unicodedata.decimal(c)) if unicodedata.category(c) == "Nd" else c for c in text
    )
    text = "".join(
        c for c in unicodedata.normalize("NFKD", text) if unicodedata.category(c) != "Mn"
    )
    text = unicodedata.normalize("NFC", text).translate(_ARABIC_LETTERS)
    text = "".join(" " if unicodedata.category(c)[0] in "PSZC" else c for c in text)
    words = [_reduced(word) for word in text.split()]
    kept = sorted({word for word in words if word not in _SMALL_WORDS})
    # A name of small words only ("Al") is still a name.
    return " ".join(kept or words)


def _reduced(word: str) -> str:
    ordinal = _ORDINAL.fullmatch(word)
    if ordinal:
        return ordinal.group(1)
    if word.startswith(_ARABIC_ARTICLE) and len(word) > len(_ARABIC_ARTICLE) + 1:
        return word[len(_ARABIC_ARTICLE) :]
    return word
