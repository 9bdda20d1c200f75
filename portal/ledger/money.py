"""Money as `Decimal`, never float, from the form to the database and back.

Amounts are stored as whole cents in a BIGINT: exact on SQLite and PostgreSQL alike (SQLite has
no decimal type, and a REAL column would round a sum of levies). Rates are stored as their
decimal text, so 0.0125 is 0.0125 and not 0.012499999999999999.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext
from typing import Any

from sqlalchemy import BigInteger, Dialect, String
from sqlalchemy.types import TypeDecorator

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# Far above any real disbursement (a trillion in any currency), far below BIGINT cents' limit.
MAX_AMOUNT = Decimal("999999999999.99")


class BadAmount(ValueError):
    """Text that is not a positive amount with at most two decimals (or a rate) as asked."""


def to_cents(amount: Decimal) -> Decimal:
    """Round half to even at the cent (banker's rounding: no drift over many postings)."""
    with localcontext() as context:
        context.prec = 50
        return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)


def levy_for(rate: Decimal, gross: Decimal) -> Decimal:
    """levy = round-half-even(L × gross, 2) (indicators.md, Reform endowment)."""
    with localcontext() as context:
        context.prec = 50
        return to_cents(rate * gross)


def parse_amount(text: str) -> Decimal:
    """A positive amount as a person types it: digits, an optional point and ≤ 2 decimals."""
    # Spaces may group thousands; a comma may not, nor mark decimals: "1,250" is a thousand
    # and a quarter in one country and one and a quarter in the next, so it is refused.
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "").replace("_", "")
    if "," in cleaned or not cleaned:
        raise BadAmount(text)
    try:
        value = Decimal(cleaned)
    except (InvalidOperation, ValueError) as error:
        raise BadAmount(text) from error
    if not value.is_finite() or value <= 0 or value > MAX_AMOUNT:
        raise BadAmount(text)
    if value != value.quantize(CENT):
        raise BadAmount(text)
    return value.quantize(CENT)


def parse_rate(text: str, *, maximum: Decimal) -> Decimal:
    """A rate in (0, maximum] with at most ten decimals (a levy rate, an FX rate)."""
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError) as error:
        raise BadAmount(text) from error
    if not value.is_finite() or value <= 0 or value > maximum:
        raise BadAmount(text)
    if value != value.quantize(Decimal("1E-10")):
        raise BadAmount(text)
    return value


class Cents(TypeDecorator[Decimal]):
    """A Decimal amount with two places, stored as whole cents."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        cents = Decimal(value) * 100
        if cents != cents.to_integral_value():
            raise ValueError(f"{value} has more than two decimals")
        return int(cents)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(CENT)


class DecimalText(TypeDecorator[Decimal]):
    """A Decimal rate stored as its exact text."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return format(Decimal(value), "f")

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value))
