"""What assessors and admins do: record tier decisions, version plans, enter audited data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from portal import audit
from portal.assess import plans
from portal.assess.periods import Period
from portal.assess.plans import IndicatorEdit, PlanEdit
from portal.domain.catalogue import INDICATOR_CODES
from portal.domain.models import (
    AssessorDatum,
    Compact,
    MonitoringPlan,
    Scorecard,
    TierDecision,
    User,
)
from portal.jobs.outbox import add_job


class AssessmentError(ValueError):
    """Input an assessor must correct; `field` names where."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def record_decision(
    session: Session,
    user: User,
    compact: Compact,
    scorecard: Scorecard,
    tier: int,
    justification: str,
) -> tuple[TierDecision, list[int]]:
    """The scorecard recommends; a person decides, in writing (indicators.md, Tiers).

    The decided tier is the tier in force for every later period, so their scorecards are
    recomputed: returns the outbox ids of that scoring job, to dispatch after commit.
    """
    if tier not in (0, 1, 2, 3):
        raise AssessmentError("tier", "tier must be 0 to 3")
    if len(justification.strip()) < 20:
        raise AssessmentError("justification", "write the reasons for the decision")
    decision = TierDecision(
        compact_id=compact.id,
        scorecard_id=scorecard.id,
        period=scorecard.period,
        tier=tier,
        justification=justification.strip(),
        decided_by_id=user.id,
    )
    session.add(decision)
    compact.current_tier = tier
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        action="assess.decision",
        object_type="compact",
        object_id=compact.slug,
        detail={
            "period": scorecard.period,
            "tier": tier,
            "recommended": scorecard.recommended_tier,
        },
    )
    job = add_job(session, "scoring", "scorecards_stale", compact_id=compact.id)
    session.flush()
    return decision, [job.id]


@dataclass(frozen=True)
class PlanChange:
    indicator_code: str
    baseline: float | None = None
    target_year: int | None = None
    target: float | None = None
    threshold: float | None = None
    threshold_source: str | None = None
    data_source: str | None = None
    last_quality_review: dt.date | None = None


def new_plan_version(
    session: Session, user: User, compact: Compact, change: PlanChange, note: str
) -> MonitoringPlan:
    """One indicator's baseline, target or threshold changed, as a new version (plans.py)."""
    if change.indicator_code not in INDICATOR_CODES:
        raise AssessmentError("indicator", "unknown indicator")
    edit = IndicatorEdit(
        code=change.indicator_code,
        baseline=change.baseline,
        target_year=change.target_year,
        target=change.target,
        threshold=change.threshold,
        threshold_source=change.threshold_source,
        data_source=change.data_source,
        last_quality_review=change.last_quality_review,
    )
    try:
        return plans.new_plan_version(
            session, user, compact, PlanEdit(note=note, indicators=(edit,))
        )
    except plans.PlanEditError as error:
        raise AssessmentError(error.field, str(error)) from None


KINDS = ("proportion", "checklist", "diverted_items")


def add_assessor_datum(
    session: Session,
    user: User,
    compact: Compact,
    code: str,
    period: str,
    kind: str,
    values: dict[str, Any],
    provenance: str,
) -> AssessorDatum:
    if code not in INDICATOR_CODES:
        raise AssessmentError("indicator", "unknown indicator")
    Period.parse(period)
    if kind not in KINDS:
        raise AssessmentError("kind", "unknown kind of data")
    if len(provenance.strip()) < 10:
        raise AssessmentError("provenance", "say where the numbers come from")
    if kind == "checklist":
        scores = [float(s) for s in values.get("scores", [])]
        if len(scores) < 2:
            raise AssessmentError("scores", "a checklist needs at least two independent raters")
        if not all(0 <= s <= 100 for s in scores):
            raise AssessmentError("scores", "checklist scores are 0 to 100")
        values = {"kind": kind, "scores": scores}
    elif kind == "proportion":
        successes, failures = float(values["successes"]), float(values["failures"])
        if successes < 0 or failures < 0 or successes + failures == 0:
            raise AssessmentError("successes", "give the counts that were and were not compliant")
        values = {"kind": kind, "successes": successes, "failures": failures}
    else:
        items = int(values["items"])
        if items < 0:
            raise AssessmentError("items", "a count cannot be negative")
        values = {"kind": kind, "items": items}
    datum = AssessorDatum(
        compact_id=compact.id,
        indicator_code=code,
        period=period,
        values=values,
        provenance=provenance.strip(),
        entered_by_id=user.id,
    )
    session.add(datum)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        action="assess.data",
        object_type="compact",
        object_id=compact.slug,
        detail={"indicator": code, "period": period, "kind": kind},
    )
    return datum
