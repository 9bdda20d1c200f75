"""Normalising codes people type on whatever keyboard they have.

Reporters in Iraq and Kurdistan type receipts on Arabic or Persian/Kurdish phone keyboards,
which produce ٠-٩ or ۰-۹ rather than 0-9; pasting into a right-to-left field can add invisible
direction marks. A code that was written down correctly must still open, so these are folded
away before any check. Anything else left over is rejected by the caller, never guessed at.
"""

import unicodedata

# Separators people put in codes, plus the invisible bidi marks RTL text input inserts.
_DROPPED = frozenset(
    "-_.\u00ad\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
    "\u200b\u200c\u200d\u200e\u200f\u061c\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e"
    "\ufeff"
)


def fold_typed_code(text: str) -> str:
    """Map every script's decimal digits to ASCII, apply NFKC (full-width letters), and drop
    whitespace, dashes and direction marks. Case is left for the caller."""
    out: list[str] = []
    for char in unicodedata.normalize("NFKC", text):
        if char.isspace() or char in _DROPPED:
            continue
        if unicodedata.category(char) == "Nd":
            out.append(str(unicodedata.decimal(char)))
        else:
            out.append(char)
    return "".join(out)
