"""The levy's rounding, checked against cases worked by hand, and the amount parser."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.ledger.money import BadAmount, levy_for, parse_amount, parse_rate, to_cents

D = Decimal


@pytest.mark.parametrize(
    ("rate", "gross", "levy"),
    [
        # 1% of 0.50 = 0.005: exactly half a cent, rounds to the even cent 0.00.
        ("0.01", "0.50", "0.00"),
        # 1% of 1.50 = 0.015: half, rounds to even 0.02.
        ("0.01", "1.50", "0.02"),
        # 1% of 2.50 = 0.025: half, rounds to even 0.02 (half-up would give 0.03).
        ("0.01", "2.50", "0.02"),
        # 1% of 3.50 = 0.035: half, rounds to even 0.04.
        ("0.01", "3.50", "0.04"),
        # 1% of 2.51 = 0.0251: above half, 0.03.
        ("0.01", "2.51", "0.03"),
        # 1.25% of 1000.20 = 12.5025: not a tie, 12.50.
        ("0.0125", "1000.20", "12.50"),
        # 1.25% of 1000.40 = 12.505: a tie, even cent 12.50.
        ("0.0125", "1000.40", "12.50"),
        # 1.25% of 1001.20 = 12.515: a tie, even cent 12.52.
        ("0.0125", "1001.20", "12.52"),
        # 0.5% of 1,234,567.89 = 6172.83945: 6172.84.
        ("0.005", "1234567.89", "6172.84"),
        # 2% of 999,999,999,999.99 = 19,999,999,999.9998: 20,000,000,000.00, no float drift.
        ("0.02", "999999999999.99", "20000000000.00"),
    ],
)
def test_levy_rounds_half_to_even_at_the_cent(rate: str, gross: str, levy: str) -> None:
    assert levy_for(D(rate), D(gross)) == D(levy)
    assert str(levy_for(D(rate), D(gross))) == levy


def test_to_cents_is_half_even() -> None:
    assert to_cents(D("0.125")) == D("0.12")
    assert to_cents(D("0.135")) == D("0.14")
    assert to_cents(D("-0.125")) == D("-0.12")


@pytest.mark.parametrize("text", ["", "0", "-5", "1,250.00", "1.005", "abc", "NaN", "Infinity",
                                  "1e20"])
def test_bad_amounts_are_refused(text: str) -> None:
    with pytest.raises(BadAmount):
        parse_amount(text)


def test_amounts_parse_exactly() -> None:
    assert parse_amount(" 1 250 000.5 ") == D("1250000.50")
    assert parse_amount("0.01") == D("0.01")
    assert parse_rate("0.92", maximum=D(10)) == D("0.92")
    with pytest.raises(BadAmount):
        parse_rate("0", maximum=D(10))
