"""The assessors' part of the story, through the assessment services: the compact boards' plan
decisions, partners' attestations, audited data quarter by quarter, scorecards computed period
by period with a decision recorded on each, and the public releases."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.assess import service as assess
from portal.assess.monitoring import attest_partner
from portal.assess.periods import Period
from portal.assess.plans import IndicatorEdit, PlanEdit, new_plan_version
from portal.assess.scoring import compute_scorecard
from portal.domain.models import (
    Compact,
    Organisation,
    Scorecard,
    TierDecision,
    User,
)
from portal.i18n.places import regions
from portal.provision.demo_story.cast import Cast
from portal.public.schedule import ReleaseSchedule
from portal.public.service import Outcome, release

BOARD_NOTE = "Compact board, demo: thresholds, population by region and exposure agreed"


def board_plan(session: Session, assessor: User, compact: Compact, cast: Cast) -> None:
    """The plan version the compact's board agreed: thresholds with sources, the population by
    region (every region: the ones the cast names, the rest sharing what is left) and the
    exposure for operations and delivered items."""
    named = {r.code: r.population for r in cast.regions}
    others = [p.code for p in regions(cast.country) if p.code not in named]
    population = dict(named)
    for code in others:
        population[code] = cast.other_regions_population // max(1, len(others))
    arc = cast.arc
    source = "Compact board decision (demo), from the baseline survey"
    new_plan_version(
        session,
        assessor,
        compact,
        PlanEdit(
            note=BOARD_NOTE,
            indicators=tuple(
                IndicatorEdit(code, threshold=value, threshold_source=source)
                for code, value in sorted(arc.thresholds.items())
            ),
            exposure={
                "region_population": population,
                "population_source": cast.population_source,
                "operations": arc.operations,
                "items_delivered": arc.items_delivered,
            },
        ),
    )


def attest_partners(
    session: Session, assessor: User, compact: Compact, partners: list[Organisation],
    years: list[int],
) -> None:
    for organisation in partners:
        for year in years:
            attest_partner(
                session, assessor, compact, organisation, Period(year),
                "Monitoring report received and reviewed by the desk.",
            )


def enter_audits(
    session: Session, assessor: User, compact: Compact, cast: Cast, quarters: tuple[Period, ...]
) -> None:
    """One audit round per quarter, the arc's levels moving from the first to the last quarter,
    and the annual audit of each year the quarters cover whole (at its mid-year level)."""
    rng = random.Random(f"audits:{cast.country}")
    steps = max(1, len(quarters) - 1)
    rounds: list[tuple[Period, float]] = [(p, i / steps) for i, p in enumerate(quarters)]
    for year in sorted({q.year for q in quarters}):
        inside = [i for i, q in enumerate(quarters) if q.year == year]
        if len(inside) == 4:
            rounds.append((Period(year), (inside[1] + inside[2]) / 2 / steps))
    for period, along in rounds:
        for code, audit in sorted(cast.arc.audits.items()):
            level = audit.first + (audit.last - audit.first) * along
            if code == "IN-1":
                assess.add_assessor_datum(
                    session, assessor, compact, code, str(period), "composition",
                    {"groups": _composition(level, audit.size)},
                    "Personnel census of the assisted units against the national census.",
                )
                continue
            if code in ("IC-3", "OA-2"):
                scores = [
                    round(min(100.0, max(0.0, level + rng.uniform(-4, 4))), 1) for _ in range(2)
                ]
                assess.add_assessor_datum(
                    session, assessor, compact, code, str(period), "checklist",
                    {"scores": scores}, "Two independent raters scored the published checklist.",
                )
                continue
            size = audit.size
            share = min(0.9995, max(0.0, level + rng.uniform(-0.005, 0.005)))
            successes = round(size * share)
            assess.add_assessor_datum(
                session, assessor, compact, code, str(period), "proportion",
                {"successes": successes, "failures": size - successes},
                f"Audit of a random sample of {size} records by the inspector general's office.",
            )
        assess.add_assessor_datum(
            session, assessor, compact, "AD-1", str(period), "diverted_items",
            {"items": 0 if cast.country != "SO" else rng.choice((0, 2, 5))},
            "End-use monitoring visit: serial numbers checked against the delivery lists.",
        )


# The population's communities, named neutrally: the demo makes no claim about any real group.
COMMUNITIES = (("Largest community", 0.55), ("Second community", 0.25),
               ("Third community", 0.15), ("Other communities", 0.05))


def _composition(dissimilarity: float, members: int) -> list[dict[str, object]]:
    """A force whose make-up is `dissimilarity` away from the population's (½ Σ |f − p|): the
    largest community over-represented by that much, the others short in proportion."""
    largest = COMMUNITIES[0][1]
    shares = [largest + dissimilarity] + [
        p - dissimilarity * p / (1 - largest) for _name, p in COMMUNITIES[1:]
    ]
    return [
        {"group": name, "force_count": round(members * share), "population_share": p}
        for (name, p), share in zip(COMMUNITIES, shares, strict=True)
    ]


def score_quarter(
    session: Session, assessor: User, compact: Compact, period: Period, today: dt.date
) -> Scorecard:
    return compute_scorecard(session, compact, period, today=today)


def decide(
    session: Session, assessor: User, compact: Compact, card: Scorecard, tier: int, why: str
) -> list[int]:
    _decision, jobs = assess.record_decision(session, assessor, compact, card, tier, why)
    return jobs


def has_decisions(session: Session, compact: Compact) -> bool:
    return (
        session.scalar(select(TierDecision.id).where(TierDecision.compact_id == compact.id))
        is not None
    )


def publish(
    session: Session,
    compact: Compact,
    schedule: ReleaseSchedule,
    today: dt.date,
    rng: Callable[[], np.random.Generator],
    actor: User,
) -> Outcome:
    """The compact's due release, made by the demo's admin. The public page makes no release
    while the story is being seeded (`public_table(hold=True)`), so this is the first one and ε
    is spent once; a story run again finds it made (CACHED)."""
    return release(session, compact, schedule, today=today, rng=rng, actor_id=actor.id).outcome
