"""What assessors and admins do: record tier decisions, version plans, enter audited data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import audit
from portal.assess import plans
from portal.assess.data_kinds import WITHDRAWN, DataError, check_entry, replaced_ids
from portal.assess.periods import BadPeriod, Period
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
from portal.i18n.markers import N_
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


def _entry_for(session: Session, compact: Compact, entry_id: int) -> AssessorDatum:
    found = session.get(AssessorDatum, entry_id)
    if found is None or found.compact_id != compact.id:
        raise DataError("replaces", N_("That entry does not exist for this compact."))
    if found.id in replaced_ids(
        session.scalars(
            select(AssessorDatum).where(AssessorDatum.compact_id == compact.id)
        ).all()
    ) or (found.values or {}).get("kind") == WITHDRAWN:
        raise DataError(
            "replaces",
            N_("That entry was already corrected or withdrawn: work on its latest version."),
        )
    return found


def _check_source(provenance: str) -> str:
    text = provenance.strip()
    if len(text) < 10:
        raise DataError(
            "provenance", N_("Say where the numbers come from (at least a few words).")
        )
    return text


def add_assessor_datum(
    session: Session,
    user: User,
    compact: Compact,
    code: str,
    period: str,
    kind: str,
    values: dict[str, Any],
    provenance: str,
    *,
    replaces: int | None = None,
) -> AssessorDatum:
    """Record an entry, or a correction of entry `replaces` (a new version; the old one stays
    readable). Raises `DataError` with a sentence for the assessor."""
    try:
        parsed_period = Period.parse(period)
    except BadPeriod:
        raise DataError("period", N_("Write the period like 2027 or 2027-Q2.")) from None
    stored = check_entry(code, kind, values)
    source = _check_source(provenance)
    previous = None
    if replaces is not None:
        previous = _entry_for(session, compact, replaces)
        if previous.indicator_code != code:
            raise DataError("indicator", N_("A correction keeps the indicator of the entry."))
        stored["replaces"] = previous.id
    datum = AssessorDatum(
        compact_id=compact.id,
        indicator_code=code,
        period=str(parsed_period),
        values=stored,
        provenance=source,
        entered_by_id=user.id,
    )
    session.add(datum)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        action="assess.data.correct" if previous is not None else "assess.data",
        object_type="compact",
        object_id=compact.slug,
        detail={
            "indicator": code,
            "period": str(parsed_period),
            "kind": kind,
            "entry": datum.id,
            **({"replaces": previous.id} if previous is not None else {}),
        },
    )
    return datum


def withdraw_assessor_datum(
    session: Session, user: User, compact: Compact, entry_id: int, provenance: str
) -> AssessorDatum:
    """Withdraw an entry: a new version saying it no longer counts, with the reason."""
    previous = _entry_for(session, compact, entry_id)
    source = _check_source(provenance)
    datum = AssessorDatum(
        compact_id=compact.id,
        indicator_code=previous.indicator_code,
        period=previous.period,
        values={"kind": WITHDRAWN, "replaces": previous.id},
        provenance=source,
        entered_by_id=user.id,
    )
    session.add(datum)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        action="assess.data.withdraw",
        object_type="compact",
        object_id=compact.slug,
        detail={
            "indicator": previous.indicator_code,
            "period": previous.period,
            "entry": datum.id,
            "replaces": previous.id,
        },
    )
    return datum
