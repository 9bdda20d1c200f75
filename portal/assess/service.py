"""What assessors and admins do: record tier decisions, version plans, enter audited data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from portal import audit
from portal.assess.periods import Period
from portal.assess.scoring import current_plan
from portal.domain.catalogue import INDICATOR_CODES
from portal.domain.models import (
    AssessorDatum,
    Compact,
    MonitoringPlan,
    PlanIndicator,
    Scorecard,
    TierDecision,
    User,
)


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
) -> TierDecision:
    """The scorecard recommends; a person decides, in writing (indicators.md, Tiers)."""
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
    return decision


@dataclass(frozen=True)
class PlanChange:
    indicator_code: str
    baseline: float | None = None
    target_year: int | None = None
    target: float | None = None
    threshold: float | None = None
    data_source: str | None = None
    last_quality_review: dt.date | None = None


def new_plan_version(
    session: Session, user: User, compact: Compact, change: PlanChange, note: str
) -> MonitoringPlan:
    """Baselines, targets and thresholds change only through a new version; old ones stay."""
    if change.indicator_code not in INDICATOR_CODES:
        raise AssessmentError("indicator", "unknown indicator")
    old = current_plan(session, compact)
    rows: list[PlanIndicator] = []
    for item in old.indicators:
        fresh = PlanIndicator(
            indicator_code=item.indicator_code,
            priority=item.priority,
            baseline=item.baseline,
            annual_targets=dict(item.annual_targets),
            threshold=dict(item.threshold),
            data_source=item.data_source,
            last_quality_review=item.last_quality_review,
        )
        if item.indicator_code == change.indicator_code:
            if change.baseline is not None:
                fresh.baseline = change.baseline
            if change.target_year is not None and change.target is not None:
                fresh.annual_targets = {
                    **fresh.annual_targets,
                    str(change.target_year): change.target,
                }
            if change.threshold is not None:
                fresh.threshold = {"value": change.threshold}
            if change.data_source is not None:
                fresh.data_source = change.data_source
            if change.last_quality_review is not None:
                fresh.last_quality_review = change.last_quality_review
        rows.append(fresh)
    plan = MonitoringPlan(
        compact_id=compact.id,
        version=old.version + 1,
        catalogue_version=old.catalogue_version,
        exposure=dict(old.exposure),
        note=note.strip(),
        created_by_id=user.id,
        indicators=rows,
    )
    session.add(plan)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        action="assess.plan_version",
        object_type="compact",
        object_id=compact.slug,
        detail={"version": plan.version, "indicator": change.indicator_code},
    )
    return plan


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
