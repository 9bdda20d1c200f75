"""Computing, storing and re-checking a compact's scorecard for a period (DESIGN §9)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.assess.evidence import gather_snapshot, inputs_from_snapshot, snapshot_digest
from portal.assess.periods import Period
from portal.domain.catalogue import INDICATORS
from portal.domain.models import (
    Compact,
    MonitoringPlan,
    Report,
    Scorecard,
    ScorecardEntry,
    ScoringSnapshot,
)
from portal.domain.scoring import (
    History,
    ScoringPlan,
    State,
    TierAssessment,
    default_pass_rules,
    score_compact,
    tier_for,
)
from portal.domain.scoring import Scorecard as EngineScorecard
from portal.domain.workflow import ReportStatus

# Unverified reports feed an early warning shown to assessors, never a tier.
_EARLY = (
    ReportStatus.RECEIVED,
    ReportStatus.TRIAGED,
    ReportStatus.IN_REVIEW,
    ReportStatus.NEEDS_INFO,
    ReportStatus.UNVERIFIED,
)


class NoPlan(Exception):
    """The compact has no monitoring plan yet."""


def current_plan(session: Session, compact: Compact) -> MonitoringPlan:
    plan = session.scalar(
        select(MonitoringPlan)
        .where(MonitoringPlan.compact_id == compact.id)
        .order_by(MonitoringPlan.version.desc())
        .limit(1)
    )
    if plan is None:
        raise NoPlan(compact.slug)
    return plan


def plan_version(session: Session, compact: Compact, version: int) -> MonitoringPlan:
    plan = session.scalar(
        select(MonitoringPlan).where(
            MonitoringPlan.compact_id == compact.id, MonitoringPlan.version == version
        )
    )
    if plan is None:
        raise NoPlan(f"{compact.slug} v{version}")
    return plan


def scoring_plan(plan: MonitoringPlan) -> ScoringPlan:
    """The engine's plan: catalogue defaults with this plan version's threshold overrides."""
    rules = dict(default_pass_rules())
    for item in plan.indicators:
        override = item.threshold or {}
        if "value" in override and item.indicator_code in rules:
            rules[item.indicator_code] = dataclasses.replace(
                rules[item.indicator_code], value=float(override["value"])
            )
    return ScoringPlan(version=f"plan-{plan.version}", pass_rules=MappingProxyType(rules))


def _history(session: Session, compact: Compact, period: Period) -> History:
    previous = session.scalar(
        select(Scorecard)
        .where(Scorecard.compact_id == compact.id, Scorecard.period == str(period.previous()))
        .order_by(Scorecard.id.desc())
        .limit(1)
    )
    if previous is None:
        return History(tier_in_force=compact.current_tier)
    states = {e.indicator_code: State(e.state) for e in previous.entries}
    counted = previous.assessment.get("counted")
    return History(
        tier_in_force=compact.current_tier,
        previous_states=MappingProxyType(states),
        previous_annual_states=MappingProxyType(states) if period.is_annual else None,
        previous_counted=frozenset(counted) if counted is not None else None,
    )


@dataclass(frozen=True)
class Computed:
    card: EngineScorecard
    tier: TierAssessment


def evaluate(snapshot: dict[str, Any], plan: ScoringPlan, history: History) -> Computed:
    card = score_compact(inputs_from_snapshot(snapshot), plan)
    return Computed(card, tier_for(card, history, plan))


def early_warning(session: Session, compact: Compact, period: Period) -> dict[str, int]:
    rows = session.execute(
        select(Report.primary_indicator, func.count())
        .where(
            Report.compact_id == compact.id,
            Report.incident_month >= period.first_month,
            Report.incident_month <= period.last_month,
            Report.status.in_(_EARLY),
        )
        .group_by(Report.primary_indicator)
    ).all()
    return {code: int(n) for code, n in sorted(rows)}


def compute_scorecard(session: Session, compact: Compact, period: Period) -> Scorecard:
    """Gather, snapshot, score and store; the same inputs reuse the same snapshot row."""
    plan_row = current_plan(session, compact)
    snapshot = gather_snapshot(session, compact, period, plan_row)
    digest = snapshot_digest(snapshot)
    stored = session.scalar(select(ScoringSnapshot).where(ScoringSnapshot.digest == digest))
    if stored is None:
        stored = ScoringSnapshot(digest=digest, compact_id=compact.id, inputs=snapshot)
        session.add(stored)
        session.flush()
    history = _history(session, compact, period)
    computed = evaluate(snapshot, scoring_plan(plan_row), history)
    existing = session.scalar(
        select(Scorecard).where(
            Scorecard.compact_id == compact.id,
            Scorecard.period == str(period),
            Scorecard.snapshot_id == stored.id,
        )
    )
    if existing is not None:
        existing.stale = False
        return existing
    row = Scorecard(
        compact_id=compact.id,
        period=str(period),
        snapshot_id=stored.id,
        catalogue_version=plan_row.catalogue_version,
        plan_version=plan_row.version,
        recommended_tier=computed.tier.recommended_tier,
        reasons=[
            {
                "rule": o.rule,
                "passed": o.passed,
                "message": o.reason.message,
                "params": o.reason.as_dict(),
            }
            for o in computed.tier.rules
        ],
        assessment=_assessment(computed.tier, history),
        early_warning=early_warning(session, compact, period),
        entries=_entries(computed.card, snapshot),
    )
    session.add(row)
    session.flush()
    return row


def _assessment(tier: TierAssessment, history: History) -> dict[str, Any]:
    return {
        "evidence_tier": tier.evidence_tier,
        "tier_in_force": tier.tier_in_force,
        "pass_count": tier.pass_count,
        "reform_track": tier.reform_track,
        "review_required": tier.review_required,
        "flagged_units": list(tier.flagged_units),
        "counted": list(tier.counted),
        "history": {
            "tier_in_force": history.tier_in_force,
            "previous_states": dict(history.previous_states),
            "previous_annual": dict(history.previous_annual_states)
            if history.previous_annual_states is not None
            else None,
            "previous_counted": sorted(history.previous_counted)
            if history.previous_counted is not None
            else None,
        },
    }


def _entries(card: EngineScorecard, snapshot: dict[str, Any]) -> list[ScorecardEntry]:
    entries = []
    for score in card.scores:
        evidence = snapshot["evidence"].get(score.code, {})
        count = int(evidence.get("incidents", evidence.get("count", 0)) or 0)
        entries.append(
            ScorecardEntry(
                indicator_code=score.code,
                estimate=score.estimate.value if score.estimate else None,
                lower=score.estimate.lower if score.estimate else None,
                upper=score.estimate.upper if score.estimate else None,
                state=score.state.value,
                threshold=score.threshold,
                evidence_count=count,
                reason={"message": score.reason.message, "params": score.reason.as_dict()},
            )
        )
    return entries


def recompute(session: Session, row: Scorecard) -> Computed:
    """Score again from the stored snapshot, plan version and history: must equal what's stored."""
    compact = session.get(Compact, row.compact_id)
    snapshot = session.get(ScoringSnapshot, row.snapshot_id)
    assert compact is not None and snapshot is not None
    plan = scoring_plan(plan_version(session, compact, row.plan_version))
    stored = row.assessment.get("history", {})
    history = History(
        tier_in_force=int(stored.get("tier_in_force", 0)),
        previous_states=MappingProxyType(
            {k: State(v) for k, v in (stored.get("previous_states") or {}).items()}
        ),
        previous_annual_states=MappingProxyType(
            {k: State(v) for k, v in stored["previous_annual"].items()}
        )
        if stored.get("previous_annual") is not None
        else None,
        previous_counted=frozenset(stored["previous_counted"])
        if stored.get("previous_counted") is not None
        else None,
    )
    return evaluate(snapshot.inputs, plan, history)


def matches_stored(row: Scorecard, computed: Computed) -> bool:
    stored = {e.indicator_code: (e.state, e.estimate, e.lower, e.upper) for e in row.entries}
    fresh = {
        s.code: (
            s.state.value,
            s.estimate.value if s.estimate else None,
            s.estimate.lower if s.estimate else None,
            s.estimate.upper if s.estimate else None,
        )
        for s in computed.card.scores
    }
    return stored == fresh and computed.tier.recommended_tier == row.recommended_tier


def indicator_codes() -> tuple[str, ...]:
    return tuple(i.code for i in INDICATORS)
