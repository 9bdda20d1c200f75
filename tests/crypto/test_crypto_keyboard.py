"""Folding what people type on phone keyboards before checking a code."""

import pytest

from portal.crypto.keyboard import fold_typed_code


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("١٢٣٤ ٥٦٧٨", "12345678"),  # Arabic-Indic
        ("۱۲۳۴-۵۶۷۸", "12345678"),  # Extended Arabic-Indic (Persian, Kurdish)
        ("\u200f12\u061c34\u200e", "1234"),  # direction marks from RTL fields
        ("12\u00a034\u202f56", "123456"),  # no-break spaces
        ("12–34—56", "123456"),  # en and em dashes from autocorrect
        ("ab cd", "abcd"),  # letters are kept for the caller to refuse
    ],
)
def test_codes_are_folded_to_ascii_without_separators(typed: str, folded: str) -> None:
    assert fold_typed_code(typed) == folded
