"""The assistance gate: a category above the decided tier, or a flagged unit, is refused unless
an assessor records an override with a written justification (audit-logged, on the scorecard)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.domain.models import (
    AssistanceCatalogue,
    AssistanceOverride,
    AuditEvent,
    Compact,
    Disbursement,
    LedgerEntry,
    UnitFlag,
    User,
)
from portal.ledger import service
from portal.ledger.catalogue import CatalogueError, change_category, current_catalogue
from tests.conftest import csrf_token, sign_in
from tests.ledger.books import TODAY, tranche

JUSTIFICATION = "Board minute 2026-14: border posts need radios before the rains, tier review due."


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_category_above_the_tier_is_refused_without_an_override(
    session: Session, compact: Compact, assessor: User
) -> None:
    with pytest.raises(service.DisbursementRefused) as refused:
        service.record_disbursement(
            session, assessor, compact, tranche("light_lethal"), today=TODAY
        )
    session.rollback()
    assert [r.reason for r in refused.value.refusals] == ["tier"]
    assert refused.value.refusals[0].params["needed"] == 2
    assert _count(session, Disbursement) == 0
    assert _count(session, LedgerEntry) == 0


def test_category_above_the_tier_is_recorded_with_an_override(
    session: Session, compact: Compact, assessor: User
) -> None:
    row = service.record_disbursement(
        session, assessor, compact, tranche("light_lethal"), justification=JUSTIFICATION,
        today=TODAY,
    )
    session.commit()
    override = session.scalar(select(AssistanceOverride))
    assert override is not None
    assert override.reason == "tier" and override.disbursement_id == row.id
    assert override.justification == JUSTIFICATION
    assert override.authorised_by_id == assessor.id
    actions = session.scalars(select(AuditEvent.action)).all()
    assert "ledger.override_recorded" in actions
    assert row.tier_in_force == 1 and row.category_min_tier == 2


def test_within_the_tier_needs_no_override(
    session: Session, compact: Compact, assessor: User
) -> None:
    row = service.record_disbursement(session, assessor, compact, tranche(), today=TODAY)
    session.commit()
    assert row.levy == Decimal("1000.00") and row.net == Decimal("99000.00")
    assert _count(session, AssistanceOverride) == 0


def _flag(session: Session, compact: Compact, name: str) -> UnitFlag:
    from portal.domain.names import matching_form

    flag = UnitFlag(
        compact_id=compact.id, unit_name=name, unit_match=matching_form(name), incidents=4,
        window_months=12, since=dt.date(2026, 2, 1),
    )
    session.add(flag)
    session.commit()
    return flag


def test_flagged_unit_is_refused_without_an_override(
    session: Session, compact: Compact, assessor: User
) -> None:
    _flag(session, compact, "3rd Brigade")
    with pytest.raises(service.DisbursementRefused) as refused:
        # Written differently, the same unit: names are compared in their matching form.
        service.record_disbursement(
            session, assessor, compact, tranche("reform_training", unit="3RD  brigade"),
            today=TODAY,
        )
    session.rollback()
    assert [r.reason for r in refused.value.refusals] == ["unit_flag"]
    assert refused.value.refusals[0].params["incidents"] == 4
    assert _count(session, Disbursement) == 0


def test_flagged_unit_is_recorded_with_an_override(
    session: Session, compact: Compact, assessor: User
) -> None:
    _flag(session, compact, "3rd Brigade")
    service.record_disbursement(
        session, assessor, compact, tranche("light_lethal"), justification=JUSTIFICATION,
        today=TODAY,
    )
    session.commit()
    reasons = sorted(session.scalars(select(AssistanceOverride.reason)).all())
    assert reasons == ["tier", "unit_flag"]


def test_cleared_flag_no_longer_refuses(
    session: Session, compact: Compact, assessor: User
) -> None:
    flag = _flag(session, compact, "3rd Brigade")
    flag.cleared_day = dt.date(2026, 3, 1)
    session.commit()
    service.record_disbursement(session, assessor, compact, tranche(), today=TODAY)


def test_only_an_assessor_may_override(
    session: Session, compact: Compact, admin: User
) -> None:
    with pytest.raises(service.LedgerError):
        service.record_disbursement(
            session, admin, compact, tranche("light_lethal"), justification=JUSTIFICATION,
            today=TODAY,
        )
    session.rollback()
    # Within the tier an admin records it like an assessor.
    service.record_disbursement(session, admin, compact, tranche(), today=TODAY)


def test_a_short_justification_is_not_enough(
    session: Session, compact: Compact, assessor: User
) -> None:
    with pytest.raises(service.LedgerError):
        service.record_disbursement(
            session, assessor, compact, tranche("light_lethal"), justification="because",
            today=TODAY,
        )


@pytest.mark.parametrize(
    "bad",
    [
        tranche(day=dt.date(2027, 1, 1)),  # after today
        tranche(day=dt.date(2024, 12, 31)),  # before the compact's term
        tranche(currency="XYZ"),
        tranche(currency="EUR", fx="0"),
        tranche(currency="USD", fx="0.9"),  # reporting currency at a rate other than 1
        tranche(category="unknown"),
        tranche(unit="  "),
    ],
)
def test_bad_input_is_refused_with_a_reason(
    session: Session, compact: Compact, assessor: User, bad: service.DisbursementInput
) -> None:
    with pytest.raises(service.LedgerError):
        service.record_disbursement(session, assessor, compact, bad, today=TODAY)


def test_foreign_currency_is_converted_then_levied(
    session: Session, compact: Compact, assessor: User
) -> None:
    row = service.record_disbursement(
        session, assessor, compact, tranche(currency="EUR", gross="1000.01", fx="1.0845"),
        today=TODAY,
    )
    # 1000.01 × 1.0845 = 1084.510845 → 1084.51; 1% = 10.8451 → 10.85; net 1073.66.
    assert row.gross_reporting == Decimal("1084.51")
    assert row.levy == Decimal("10.85") and row.net == Decimal("1073.66")
    lines = session.scalars(select(LedgerEntry).where(LedgerEntry.txn_id == row.txn_id)).all()
    assert sum(e.debit for e in lines) == sum(e.credit for e in lines) == Decimal("1084.51")


def test_the_catalogue_is_versioned(session: Session, admin: User) -> None:
    first = current_catalogue(session)
    assert [c["min_tier"] for c in first.categories] == [0, 1, 2, 3]
    second = change_category(session, admin, "drones", "Surveillance drones", 3, "Board 2026-9")
    assert second.version == first.version + 1
    assert any(c["code"] == "drones" for c in second.categories)
    assert session.get(AssistanceCatalogue, first.id) is first
    assert len(first.categories) == 4  # the old version is kept as it was
    with pytest.raises(CatalogueError):
        change_category(session, admin, "Bad Code!", "x", 1, "Board 2026-9")


# The pages


def test_refused_on_the_page_then_recorded_with_an_override_shown_on_the_scorecard(
    app: Flask, compact: Compact, assessor: User
) -> None:
    client = app.test_client()
    sign_in(client, "assessor@example.org")
    path = f"/assess/compacts/{compact.slug}/assistance"
    form = {
        "tranche": "FY26-Q1",
        "day": "2026-03-15",
        "instrument": "grant",
        "category": "light_lethal",
        "recipient_unit": "3rd Brigade",
        "gross": "250000.00",
        "currency": "USD",
        "fx_rate": "1",
        "justification": "",
    }
    refused = client.post(path, data={**form, "csrf_token": csrf_token(client, path)})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "This category needs tier 2; the compact&#39;s decided tier is 1." in page
    recorded = client.post(
        path,
        data={**form, "justification": JUSTIFICATION, "csrf_token": csrf_token(client, path)},
    )
    assert recorded.status_code == 302
    ledger_page = client.get(path).get_data(as_text=True)
    assert "2,500.00" in ledger_page  # the levy, 1% of 250,000.00
    scorecard = client.get(f"/assess/compacts/{compact.slug}").get_data(as_text=True)
    assert JUSTIFICATION in scorecard


def test_bad_amount_is_a_translated_error_not_a_500(
    app: Flask, compact: Compact, assessor: User
) -> None:
    client = app.test_client()
    sign_in(client, "assessor@example.org")
    path = f"/assess/compacts/{compact.slug}/assistance?lang=fr"
    response = client.post(path, data={
        "tranche": "T", "day": "2026-03-15", "instrument": "grant", "category": "non_lethal",
        "recipient_unit": "U", "gross": "1,250.00", "currency": "USD", "fx_rate": "1",
        "csrf_token": csrf_token(client, path),
    })
    assert response.status_code == 400
    assert 'lang="fr"' in response.get_data(as_text=True)


def test_catalogue_change_is_for_admins(app: Flask, admin: User, assessor: User) -> None:
    client = app.test_client()
    sign_in(client, "admin@example.org")
    response = client.post("/assess/assistance/catalogue", data={
        "code": "drones", "name": "Surveillance drones", "min_tier": "3",
        "note": "Board 2026-9", "csrf_token": csrf_token(client, "/assess/assistance/catalogue"),
    })
    assert response.status_code == 302
    assert "Surveillance drones" in client.get("/assess/assistance/catalogue").get_data(
        as_text=True
    )
    other = app.test_client()
    sign_in(other, "assessor@example.org")
    token = csrf_token(other, "/assess/assistance/catalogue")
    refused = other.post("/assess/assistance/catalogue", data={"csrf_token": token})
    assert refused.status_code == 403
