"""Padmé: lengths rounded up so that a size says little more than its order of magnitude.

Threat answered: an exact blob size is a fingerprint. A photo re-cleaned from the copy on a seized
phone gives a blob of the same size as the one on the server (the cleaned file plus a fixed
overhead), and a member's sealed list grows by one entry per report. Padmé (Nikitin et al.,
"Reducing Metadata Leakage from Encrypted Files and Communication with PURBs", PETS 2019) keeps
the top log2(log2(L)) + 1 bits of the length and rounds the rest up: at most 12 % overhead, and
at most O(log log L) bits of the length are revealed.
"""

from __future__ import annotations


def padme(length: int) -> int:
    """The padded length for ``length`` bytes (>= length, overhead <= 11.2 % above 256 bytes)."""
    if length < 0:
        raise ValueError("a length is not negative")
    if length < 2:
        return length
    exponent = length.bit_length() - 1  # floor(log2 L)
    mantissa_bits = exponent.bit_length()  # floor(log2 E) + 1
    low_bits = exponent - mantissa_bits
    mask = (1 << low_bits) - 1
    return (length + mask) & ~mask
