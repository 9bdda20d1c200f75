"""The assistance the demo's compacts receive, through the ledger services: a tranche or two
after each quarterly decision, in the categories the decided tier allows; one override an
assessor writes down; a levy rate raised by the donors' board; the vetting list after the
flagged unit; reform grants proposed, awarded, paid and declined from the endowment.

Every action happens at its point of the story (right after the decision it depends on), so the
gate checks each tranche against the tier decided then, as it would have been.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.assess.periods import Period
from portal.domain.models import Compact, Disbursement, ReformGrant, UnitFlag, User
from portal.ledger import grants, vetting
from portal.ledger.catalogue import add_levy_rate, levy_rates
from portal.ledger.service import DisbursementInput, record_disbursement
from portal.provision.demo_story.cast import Cast


@dataclass(frozen=True)
class Donor:
    currency: str
    fx_rate: Decimal  # to the reporting currency (USD)
    recipients: tuple[str, ...]
    scale: int  # a tranche's size, in reporting-currency units


DONORS: dict[str, Donor] = {
    "IQ": Donor("USD", Decimal("1"), (
        "Ministry of Interior, Training Directorate (demo)",
        "Federal Police, 2nd Division (demo)",
        "Border Guard Command, Region 1 (demo)",
    ), 1_500_000),
    "SO": Donor("USD", Decimal("1"), (
        "Police Training Academy (demo)",
        "Ministry of Defence, Logistics Office (demo)",
    ), 400_000),
    "NE": Donor("EUR", Decimal("1.08"), (
        "Garde nationale, 3e compagnie (démo)",
        "École de la gendarmerie nationale (démo)",
    ), 900_000),
    "PH": Donor("USD", Decimal("1"), (
        "National Police Academy (demo)",
        "Army Engineering Brigade (demo)",
        "Coastal Watch Station 4 (demo)",
    ), 2_000_000),
}
# What each category buys in the demo, and by which instrument.
PURCHASES = {
    "reform_training": ("training", "Human-rights law and investigations courses"),
    "non_lethal": ("in_kind", "Radios, vehicles and protective equipment"),
    "light_lethal": ("grant", "Small arms with end-use monitoring"),
}
TIER_OF = {"reform_training": 0, "non_lethal": 1, "light_lethal": 2}


def _next_quarter_day(period: Period, day_of_quarter: int, today: dt.date) -> dt.date | None:
    start = period.end_day + dt.timedelta(days=1)
    day = start + dt.timedelta(days=day_of_quarter)
    return day if day <= today else None


def after_decision(
    session: Session,
    admin: User,
    assessor: User,
    compact: Compact,
    cast: Cast,
    period: Period,
    index: int,
    today: dt.date,
) -> None:
    """What the donors and assessors do in the quarter after `period`'s decision."""
    rng = random.Random(f"money:{cast.country}:{period}")
    donor = DONORS[cast.country]
    tier = compact.current_tier
    for category, (instrument, what) in PURCHASES.items():
        if TIER_OF[category] > tier:
            continue
        day = _next_quarter_day(period, rng.randrange(10, 80), today)
        if day is None:
            continue
        gross = Decimal(round(donor.scale * (1 + TIER_OF[category]) * rng.uniform(0.6, 1.4), -3))
        record_disbursement(
            session, admin, compact,
            DisbursementInput(
                tranche=f"{period.year + (period.quarter == 4)}-T{index + 2} {what}"[:64],
                day=day,
                instrument=instrument,
                category_code=category,
                recipient_unit=rng.choice(donor.recipients),
                gross=(gross / donor.fx_rate).quantize(Decimal("0.01")),
                currency=donor.currency,
                fx_rate=donor.fx_rate,
            ),
            today=today,
        )
    _set_pieces(session, assessor, compact, cast, period, index, today)


def _set_pieces(
    session: Session, assessor: User, compact: Compact, cast: Cast, period: Period,
    index: int, today: dt.date,
) -> None:
    day = _next_quarter_day(period, 20, today)
    if day is None:
        return
    if cast.country == "NE" and index == 2 and compact.current_tier == 0:
        # The override: flood relief the tier alone would refuse, authorised in writing.
        record_disbursement(
            session, assessor, compact,
            DisbursementInput(
                tranche=f"{day.year}-flood Ambulances and radios",
                day=day,
                instrument="in_kind",
                category_code="non_lethal",
                recipient_unit="Protection civile, Diffa (démo)",
                gross=Decimal("250000.00"),
                currency="EUR",
                fx_rate=DONORS["NE"].fx_rate,
            ),
            justification=(
                "Flood emergency in Diffa: ambulances and radios go to the civil protection "
                "service, not to combat units, under end-use monitoring; the tier rule is "
                "overridden for this tranche only."
            ),
            today=today,
        )
    if cast.country == "IQ" and cast.arc.flagged_unit and index in (3, 4):
        # The flagged unit enters the vetting list, and the assessor names it as a recipient.
        vetting.refresh(session, assessor, compact, period.end_day)
        for flag in session.scalars(
            select(UnitFlag).where(UnitFlag.compact_id == compact.id, UnitFlag.unit_name == "")
        ):
            vetting.identify(session, assessor, compact, flag.public_id, cast.arc.flagged_unit)
    if cast.country == "IQ" and index == 2:
        grant = grants.propose(session, assessor, compact, grants.Proposal(
            title="Investigators' course for the human-rights directorate",
            applicant="Ministry of Interior, Human Rights Directorate (demo)",
            applicant_kind="partner_institution",
            summary="Twelve weeks of training in investigating deaths and torture in custody.",
            requested=Decimal("60000.00"),
            indicator="OA-1 share of grave violations investigated within 90 days",
            baseline="0.55", target="0.80",
        ))
        _award(session, assessor, compact, grant, Decimal("50000.00"), Decimal("25000.00"),
               "Awarded in part: the course, not the vehicles it also asked for.", day)
    if cast.country == "PH" and index == 5:
        grant = grants.propose(session, assessor, compact, grants.Proposal(
            title="Community monitors for detention sites in Mindanao",
            applicant="Mindanao Peace Monitors (demo)",
            applicant_kind="civil_society",
            summary="Monthly visits to detention sites by trained community monitors.",
            requested=Decimal("120000.00"),
            indicator="HR-2 verified arbitrary detentions per 100,000 a year",
            baseline="1.2", target="0.8",
        ))
        _award(session, assessor, compact, grant, Decimal("120000.00"), Decimal("40000.00"),
               "Awarded in full: a civil-society plan with a clear baseline.", day)
    if cast.country == "SO" and index == 4:
        grant = grants.propose(session, assessor, compact, grants.Proposal(
            title="Vetting records for the regional police",
            applicant="Ministry of Internal Security (demo)",
            applicant_kind="partner_institution",
            summary="A records system for vetting police recruits.",
            requested=Decimal("80000.00"),
            indicator="PM-2 share of personnel vetted and trained",
            baseline="0.86", target="0.95",
        ))
        grants.review(session, assessor, compact, grant.public_id, award=None,
                      note="Declined for now: the compact is below tier 1 and off the reform "
                           "track; the proposal may come back when monitoring improves.",
                      today=day)
    if cast.country == "NE" and index == 7:
        grants.propose(session, assessor, compact, grants.Proposal(
            title="Complaints desk for the national gendarmerie",
            applicant="Collectif des juristes du Sahel (démo)",
            applicant_kind="civil_society",
            summary="A complaints desk with legal aid in the two western regions.",
            requested=Decimal("45000.00"),
            indicator="OA-1 share of grave violations investigated within 90 days",
            baseline="0.45", target="0.70",
        ))


def _award(
    session: Session, assessor: User, compact: Compact, grant: ReformGrant, award: Decimal,
    first_payment: Decimal, note: str, day: dt.date,
) -> None:
    """Award and make a first payment, when the compact may receive grants and the endowment
    holds the award (a smaller demo may have neither: the proposal then waits for review)."""
    if not grants.eligibility(session, compact).eligible:
        return
    if money_in_endowment(session, compact) < award:
        return
    grants.review(session, assessor, compact, grant.public_id, award=award, note=note, today=day)
    grants.pay(session, assessor, compact, grant.public_id, first_payment, today=day)


def money_in_endowment(session: Session, compact: Compact) -> Decimal:
    from portal.ledger.service import endowment_balance

    return endowment_balance(session, compact)


def raise_levy(session: Session, admin: User, from_day: dt.date) -> None:
    """The donors' board raises the levy from a quarter's start (once)."""
    if len(levy_rates(session)) > 1:
        return
    last = session.scalar(select(func.max(Disbursement.day)))
    add_levy_rate(
        session, admin, Decimal("0.015"), from_day,
        "Donors' board, demo: the endowment's reform grants outgrew a 1% levy.",
        last_disbursement_day=last,
    )


__all__ = ["ReformGrant", "after_decision", "raise_levy"]
