"""Disbursements to record in the ledger tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from portal.domain.models import Compact, CompactStatus
from portal.ledger.service import DisbursementInput

TODAY = dt.date(2026, 12, 6)


def new_compact(session: Session, slug: str = "iq-test", tier: int = 1) -> Compact:
    found = Compact(
        slug=slug,
        country="IQ",
        partner="Ministry of Interior",
        title="Test compact",
        start_day=dt.date(2025, 1, 1),
        end_day=dt.date(2034, 12, 31),
        status=CompactStatus.ACTIVE,
        population=46_000_000,
        current_tier=tier,
    )
    session.add(found)
    session.commit()
    return found


def tranche(
    category: str = "non_lethal",
    unit: str = "3rd Brigade",
    gross: str = "100000.00",
    day: dt.date = dt.date(2026, 3, 15),
    currency: str = "USD",
    fx: str = "1",
    name: str = "T1",
) -> DisbursementInput:
    return DisbursementInput(
        tranche=name,
        day=day,
        instrument="grant",
        category_code=category,
        recipient_unit=unit,
        gross=Decimal(gross),
        currency=currency,
        fx_rate=Decimal(fx),
    )
