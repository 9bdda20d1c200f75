"""Reform grants: proposals, review, awards that can never overdraw the endowment, payments."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import Flask, render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.models import AuditEvent, Compact, ReformGrant, Scorecard, User
from portal.ledger import grants, postings, service
from portal.ledger.queries import endowment_totals
from portal.ledger.verify import verify_ledger
from tests.conftest import csrf_token, sign_in
from tests.ledger.books import TODAY, new_compact, tranche

NOTE = "Fits the compact's priority on oversight; budget checked against two quotes."


def _proposal(requested: str = "5000.00") -> grants.Proposal:
    return grants.Proposal(
        title="Parliamentary defence committee staff training",
        applicant="Iraqi Parliamentary Research Centre",
        applicant_kind="civil_society",
        summary="Two researchers and a hearing calendar.",
        requested=Decimal(requested),
        indicator="OA-2 oversight checklist",
        baseline="35",
        target="60",
    )


def _funded(session: Session, compact: Compact, assessor: User, gross: str) -> None:
    service.record_disbursement(session, assessor, compact, tranche(gross=gross), today=TODAY)
    session.commit()


def test_a_grant_larger_than_the_balance_is_refused(
    session: Session, compact: Compact, assessor: User
) -> None:
    _funded(session, compact, assessor, "400000.00")  # levy 4000.00
    grant = grants.propose(session, assessor, compact, _proposal("5000.00"))
    session.commit()
    with pytest.raises(service.LedgerError) as refused:
        grants.review(session, assessor, compact, grant.public_id, award=Decimal("4000.01"),
                      note=NOTE, today=TODAY)
    assert refused.value.params == {"balance": "4000.00"}
    session.rollback()
    assert session.get(ReformGrant, grant.id).state == "proposed"  # type: ignore[union-attr]
    awarded = grants.review(session, assessor, compact, grant.public_id,
                            award=Decimal("4000.00"), note=NOTE, today=TODAY)
    session.commit()
    assert awarded.state == "awarded"
    assert postings.balance(session, compact.id, postings.ENDOWMENT) == Decimal("0.00")
    second = grants.propose(session, assessor, compact, _proposal("1.00"))
    with pytest.raises(service.LedgerError):
        grants.review(session, assessor, compact, second.public_id, award=Decimal("0.01"),
                      note=NOTE, today=TODAY)


def test_payments_never_exceed_the_award_and_close_the_grant(
    session: Session, compact: Compact, assessor: User, admin: User
) -> None:
    _funded(session, compact, assessor, "1000000.00")  # levy 10000.00
    grant = grants.propose(session, admin, compact, _proposal("5000.00"))
    grants.review(session, assessor, compact, grant.public_id, award=Decimal("4500.00"),
                  note=NOTE, today=TODAY)
    grants.pay(session, admin, compact, grant.public_id, Decimal("4000.00"), today=TODAY)
    with pytest.raises(service.LedgerError):
        grants.pay(session, admin, compact, grant.public_id, Decimal("500.01"), today=TODAY)
    grants.pay(session, admin, compact, grant.public_id, Decimal("500.00"), today=TODAY)
    session.commit()
    assert grant.state == "closed"
    totals = endowment_totals(session, compact)
    assert (totals.levied, totals.granted, totals.paid, totals.balance) == (
        Decimal("10000.00"), Decimal("4500.00"), Decimal("4500.00"), Decimal("5500.00"))
    assert verify_ledger(session)[0] is None
    actions = set(session.scalars(select(AuditEvent.action)).all())
    assert {"ledger.grant_proposed", "ledger.grant_awarded", "ledger.grant_paid"} <= actions


def test_review_rules(session: Session, compact: Compact, assessor: User, admin: User) -> None:
    _funded(session, compact, assessor, "1000000.00")
    grant = grants.propose(session, assessor, compact, _proposal("5000.00"))
    with pytest.raises(service.LedgerError):  # admins keep books, assessors review
        grants.review(session, admin, compact, grant.public_id, award=Decimal("1.00"),
                      note=NOTE, today=TODAY)
    with pytest.raises(service.LedgerError):  # more than requested
        grants.review(session, assessor, compact, grant.public_id, award=Decimal("5000.01"),
                      note=NOTE, today=TODAY)
    with pytest.raises(service.LedgerError):  # no written reasons
        grants.review(session, assessor, compact, grant.public_id, award=None, note="no",
                      today=TODAY)
    declined = grants.review(session, assessor, compact, grant.public_id, award=None,
                             note=NOTE, today=TODAY)
    assert declined.state == "declined"
    with pytest.raises(service.LedgerError):
        grants.review(session, assessor, compact, grant.public_id, award=Decimal("1.00"),
                      note=NOTE, today=TODAY)
    with pytest.raises(service.LedgerError):
        grants.propose(session, assessor, compact,
                       grants.Proposal("t", "a", "ministry", "", Decimal(1), "i", "b", "t"))


def test_only_eligible_compacts_receive_grants(
    session: Session, assessor: User, make_user  # type: ignore[no-untyped-def]
) -> None:
    compact = new_compact(session, slug="tier-0", tier=0)
    service.record_disbursement(session, assessor, compact, tranche("reform_training",
                                gross="500000.00"), today=TODAY)
    grant = grants.propose(session, assessor, compact, _proposal("100.00"))
    session.commit()
    assert not grants.eligibility(session, compact).eligible
    with pytest.raises(service.LedgerError):
        grants.review(session, assessor, compact, grant.public_id, award=Decimal("100.00"),
                      note=NOTE, today=TODAY)
    session.rollback()
    # The latest scorecard puts the compact on the reform track.
    from portal.domain.models import ScoringSnapshot

    snapshot = ScoringSnapshot(digest="d" * 64, compact_id=compact.id, inputs={})
    session.add(snapshot)
    session.flush()
    session.add(Scorecard(compact_id=compact.id, period="2026", snapshot_id=snapshot.id,
                          catalogue_version="x", plan_version=1, recommended_tier=0,
                          assessment={"reform_track": True}))
    session.commit()
    assert grants.eligibility(session, compact).reform_track
    grants.review(session, assessor, compact, grant.public_id, award=Decimal("100.00"),
                  note=NOTE, today=TODAY)


def test_a_reversal_cannot_take_back_a_levy_already_granted(
    session: Session, compact: Compact, assessor: User
) -> None:
    row = service.record_disbursement(session, assessor, compact, tranche(gross="100000.00"),
                                      today=TODAY)
    grant = grants.propose(session, assessor, compact, _proposal("1000.00"))
    grants.review(session, assessor, compact, grant.public_id, award=Decimal("600.00"),
                  note=NOTE, today=TODAY)
    session.commit()
    with pytest.raises(service.LedgerError):
        service.reverse_disbursement(session, assessor, compact, row.public_id,
                                     "Entered twice by mistake", today=TODAY)


def test_grants_page_flow(app: Flask, session: Session, compact: Compact, assessor: User) -> None:
    _funded(session, compact, assessor, "1000000.00")
    client = app.test_client()
    sign_in(client, "assessor@example.org")
    path = f"/assess/compacts/{compact.slug}/grants"
    response = client.post(path, data={
        "title": "Ombudsman hotline", "applicant": "Civil Monitoring Network",
        "applicant_kind": "civil_society", "summary": "", "requested": "2500.00",
        "indicator": "Complaints answered within 30 days", "baseline": "20%", "target": "70%",
        "csrf_token": csrf_token(client, path),
    })
    assert response.status_code == 302
    grant = session.scalar(select(ReformGrant))
    assert grant is not None and grant.indicator == "Complaints answered within 30 days"
    reviewed = client.post(f"{path}/{grant.public_id}/review", data={
        "decision": "award", "amount": "2000.00", "note": NOTE,
        "csrf_token": csrf_token(client, path),
    })
    assert reviewed.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert "2,000.00" in page and "8,000.00" in page  # awarded; the balance left
    too_much = client.post(f"{path}/{grant.public_id}/pay", data={
        "amount": "2000.01", "csrf_token": csrf_token(client, path)})
    assert too_much.status_code == 302
    assert grants.paid(session, grant) == Decimal("0.00")


def test_scorecard_shows_real_eligibility_and_links_the_vetting_list(
    app: Flask, session: Session, assessor: User
) -> None:
    compact = new_compact(session, slug="reform", tier=0)
    service.record_disbursement(session, assessor, compact,
                                tranche("reform_training", gross="300000.00"), today=TODAY)
    grants.propose(session, assessor, compact, _proposal("100.00"))
    session.commit()
    card = {"assessment": {"reform_track": True, "flagged_units": ["k1", "k2"]}}
    with app.test_request_context("/assess/compacts/reform"):
        page = render_template(
            "ledger/_scorecard_notices.html", card=card, compact=compact,
            endowment=endowment_totals(session, compact),
        )
    assert ("The endowment holds 3,000.00 USD. 1 proposal awaits review. 0 grants were "
            "awarded.") in " ".join(page.split())
    assert "Units flagged for grave violations" in page
    assert "/assess/compacts/reform/grants" in page and "/assess/compacts/reform/vetting" in page
