"""Reform grants: proposals from partner institutions or civil-society groups, an assessor's
review, an award from the compact's endowment (never beyond its balance) and payments.

Each grant carries a small monitoring plan (indicator, baseline, target). Awards and payments
are ledger postings like any other, so `portal ledger verify` checks them too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import audit
from portal.domain.models import Compact, LedgerEntry, ReformGrant, Role, Scorecard, User
from portal.i18n.markers import N_
from portal.ledger import postings
from portal.ledger.service import LedgerError, reporting_currency

APPLICANT_KINDS = {
    "partner_institution": N_("Partner institution"),
    "civil_society": N_("Civil-society group"),
}
STATE_LABELS = {
    "proposed": N_("Awaiting review"),
    "awarded": N_("Awarded"),
    "declined": N_("Declined"),
    "closed": N_("Paid in full"),
}


@dataclass(frozen=True)
class Proposal:
    title: str
    applicant: str
    applicant_kind: str
    summary: str
    requested: Decimal
    indicator: str
    baseline: str
    target: str


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reform_track: bool
    tier: int


def eligibility(session: Session, compact: Compact) -> Eligibility:
    """Who may receive grants (indicators.md, Tiers): a compact on the reform track (below
    tier 1 but ≥ 6 PASS and no HR-1 FAIL, per its latest scorecard), or one already at tier 1
    or above. Below tier 1 and off the track, the endowment waits."""
    card = session.scalar(
        select(Scorecard)
        .where(Scorecard.compact_id == compact.id)
        .order_by(Scorecard.id.desc())
        .limit(1)
    )
    track = bool(card is not None and (card.assessment or {}).get("reform_track"))
    return Eligibility(track or compact.current_tier >= 1, track, compact.current_tier)


def paid(session: Session, grant: ReformGrant) -> Decimal:
    rows = session.scalars(
        select(LedgerEntry.debit).where(
            LedgerEntry.reference == f"grant:{grant.public_id}",
            LedgerEntry.account == postings.PAID,
        )
    ).all()
    return sum(rows, Decimal("0.00"))


def propose(session: Session, user: User, compact: Compact, proposal: Proposal) -> ReformGrant:
    if proposal.applicant_kind not in APPLICANT_KINDS:
        raise LedgerError(
            N_("Say whether the applicant is a partner institution or a civil-society group.")
        )
    for text in (
        proposal.title,
        proposal.applicant,
        proposal.indicator,
        proposal.baseline,
        proposal.target,
    ):
        if not text.strip():
            raise LedgerError(
                N_(
                    "Give the title, the applicant and the monitoring plan: an "
                    "indicator with its baseline and target."
                )
            )
    grant = ReformGrant(
        compact_id=compact.id,
        title=" ".join(proposal.title.split())[:200],
        applicant=" ".join(proposal.applicant.split())[:200],
        applicant_kind=proposal.applicant_kind,
        summary=proposal.summary.strip(),
        requested=proposal.requested,
        indicator=proposal.indicator.strip()[:200],
        baseline=proposal.baseline.strip()[:100],
        target=proposal.target.strip()[:100],
        proposed_by_id=user.id,
    )
    session.add(grant)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        action="ledger.grant_proposed",
        object_type="reform_grant",
        object_id=grant.public_id,
        detail={"compact": compact.slug},
    )
    return grant


def _grant(session: Session, compact: Compact, public_id: str) -> ReformGrant:
    grant = session.scalar(
        select(ReformGrant).where(
            ReformGrant.public_id == public_id, ReformGrant.compact_id == compact.id
        )
    )
    if grant is None:
        raise LedgerError(N_("No such grant in this compact."))
    return grant


def review(
    session: Session,
    user: User,
    compact: Compact,
    public_id: str,
    *,
    award: Decimal | None,
    note: str,
    today: dt.date,
) -> ReformGrant:
    """Award (`award` set) or decline (`award` None) a proposal, in writing.

    An award is posted from the endowment (debit grants committed, credit endowment) under the
    ledger's lock, after checking the balance: a grant can never overdraw the endowment.
    """
    if not user.has_role(Role.ASSESSOR):
        raise LedgerError(N_("Only an assessor may review a grant."))
    # Under the ledger's lock from here: two reviews of one proposal, or two awards read
    # against one balance, would otherwise both pass the checks below.
    postings.lock_books(session)
    grant = _grant(session, compact, public_id)
    session.refresh(grant)
    if grant.state != "proposed":
        raise LedgerError(N_("This proposal was already reviewed."))
    note = note.strip()
    if len(note) < 20:
        raise LedgerError(N_("Write the reasons for the review in a few sentences."))
    grant.review_note = note
    grant.reviewed_by_id = user.id
    grant.reviewed_day = today
    if award is None:
        grant.state = "declined"
        audit.record(
            session,
            actor_id=user.id,
            action="ledger.grant_declined",
            object_type="reform_grant",
            object_id=grant.public_id,
        )
        return grant
    if not eligibility(session, compact).eligible:
        raise LedgerError(
            N_(
                "This compact is below tier 1 and not on the reform track: it is "
                "not eligible for endowment grants."
            )
        )
    if award <= 0 or award > grant.requested:
        raise LedgerError(N_("Award a positive amount no larger than the amount requested."))
    balance = postings.balance(session, compact.id, postings.ENDOWMENT)
    if award > balance:
        raise LedgerError(
            N_("The endowment holds %(balance)s: a grant can never overdraw it."),
            balance=f"{balance:.2f}",
        )
    grant.award_txn = postings.post(
        session,
        compact_id=compact.id,
        day=today,
        kind="grant_award",
        currency=reporting_currency(session, compact),
        reference=f"grant:{grant.public_id}",
        lines=[
            postings.Line(postings.COMMITTED, debit=award),
            postings.Line(postings.ENDOWMENT, credit=award),
        ],
        recorded_by_id=user.id,
        memo=grant.title,
    )
    grant.awarded = award
    grant.state = "awarded"
    audit.record(
        session,
        actor_id=user.id,
        action="ledger.grant_awarded",
        object_type="reform_grant",
        object_id=grant.public_id,
        detail={"amount": f"{award:.2f}", "txn": grant.award_txn},
    )
    return grant


def pay(
    session: Session,
    user: User,
    compact: Compact,
    public_id: str,
    amount: Decimal,
    *,
    today: dt.date,
) -> str:
    """One payment of an awarded grant; never more than what remains of the award."""
    postings.lock_books(session)
    grant = _grant(session, compact, public_id)
    session.refresh(grant)
    if grant.state != "awarded" or grant.awarded is None:
        raise LedgerError(N_("Only an awarded grant can be paid."))
    remaining = grant.awarded - paid(session, grant)
    if amount <= 0 or amount > remaining:
        raise LedgerError(
            N_("Pay a positive amount no larger than what remains of the award (%(remaining)s)."),
            remaining=f"{remaining:.2f}",
        )
    txn = postings.post(
        session,
        compact_id=compact.id,
        day=today,
        kind="grant_payment",
        currency=reporting_currency(session, compact),
        reference=f"grant:{grant.public_id}",
        lines=[
            postings.Line(postings.PAID, debit=amount),
            postings.Line(postings.COMMITTED, credit=amount),
        ],
        recorded_by_id=user.id,
        memo=grant.title,
    )
    if amount == remaining:
        grant.state = "closed"
    audit.record(
        session,
        actor_id=user.id,
        action="ledger.grant_paid",
        object_type="reform_grant",
        object_id=grant.public_id,
        detail={"amount": f"{amount:.2f}", "txn": txn},
    )
    return txn


def grants(session: Session, compact: Compact) -> list[ReformGrant]:
    return list(
        session.scalars(
            select(ReformGrant)
            .where(ReformGrant.compact_id == compact.id)
            .order_by(ReformGrant.id.desc())
        ).all()
    )
