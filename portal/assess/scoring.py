"""Computing, storing and re-checking a compact's scorecard for a period (DESIGN §9)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.assess.evidence import (
    Snapshot,
    gather_snapshots,
    inputs_from_snapshot,
    inputs_from_snapshots,
)
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
    ScoringInputs,
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


@dataclass(frozen=True)
class _Latest:
    """What the next period's history reads of a period's newest scorecard."""

    states: dict[str, State]
    counted: frozenset[str] | None


def _latest_scorecards(
    session: Session, compact: Compact, periods: set[str]
) -> dict[str, _Latest]:
    """The newest scorecard of each period (highest id), in one query with its entries."""
    newest = (
        select(func.max(Scorecard.id))
        .where(Scorecard.compact_id == compact.id, Scorecard.period.in_(periods))
        .group_by(Scorecard.period)
    )
    rows = session.execute(
        select(
            Scorecard.period,
            Scorecard.assessment,
            ScorecardEntry.indicator_code,
            ScorecardEntry.state,
        )
        .outerjoin(ScorecardEntry, ScorecardEntry.scorecard_id == Scorecard.id)
        .where(Scorecard.id.in_(newest))
        .order_by(Scorecard.id, ScorecardEntry.id)
    ).all()
    latest: dict[str, _Latest] = {}
    for period, assessment, code, state in rows:
        found = latest.get(period)
        if found is None:
            counted = (assessment or {}).get("counted")
            found = _Latest({}, frozenset(counted) if counted is not None else None)
            latest[period] = found
        if code is not None:
            found.states[code] = State(state)
    return latest


def _history(compact: Compact, period: Period, previous: _Latest | None) -> History:
    if previous is None:
        return History(tier_in_force=compact.current_tier)
    states = MappingProxyType(dict(previous.states))
    return History(
        tier_in_force=compact.current_tier,
        previous_states=states,
        previous_annual_states=states if period.is_annual else None,
        previous_counted=previous.counted,
    )


@dataclass(frozen=True)
class Computed:
    card: EngineScorecard
    tier: TierAssessment


def evaluate(snapshot: dict[str, Any], plan: ScoringPlan, history: History) -> Computed:
    return _score(inputs_from_snapshot(snapshot), plan, history)


def _score(inputs: ScoringInputs, plan: ScoringPlan, history: History) -> Computed:
    card = score_compact(inputs, plan)
    return Computed(card, tier_for(card, history, plan))


def early_warnings(
    session: Session, compact: Compact, periods: Sequence[Period]
) -> dict[str, dict[str, int]]:
    """Per period, the compact's still-unverified reports per indicator, from one pass."""
    rows = session.execute(
        select(Report.primary_indicator, Report.incident_month, func.count())
        .where(
            Report.compact_id == compact.id,
            Report.incident_month >= min(p.first_month for p in periods),
            Report.incident_month <= max(p.last_month for p in periods),
            Report.status.in_(_EARLY),
        )
        .group_by(Report.primary_indicator, Report.incident_month)
    ).all()
    warnings: dict[str, dict[str, int]] = {}
    for period in periods:
        counts: dict[str, int] = {}
        for code, month, n in rows:
            if period.first_month <= month <= period.last_month:
                counts[code] = counts.get(code, 0) + int(n)
        warnings[str(period)] = dict(sorted(counts.items()))
    return warnings


def compute_scorecard(session: Session, compact: Compact, period: Period) -> Scorecard:
    """Gather, snapshot, score and store; the same inputs reuse the same snapshot row."""
    return compute_scorecards(session, compact, [period])[str(period)]


def compute_scorecards(
    session: Session, compact: Compact, periods: Sequence[Period]
) -> dict[str, Scorecard]:
    """All the given periods' scorecards, in the order given, from a few set-based queries.

    Each scorecard equals the one `compute_scorecard` stores for its period alone, computed one
    after the other in this order: a period whose previous period comes earlier in the list reads
    that fresh scorecard as its history, as it would have read it from the table. The evidence,
    peers, assessor data, history, early warnings and existing rows are read once for all the
    periods, and the new snapshots, scorecards and entries are written in one batch each.
    """
    wanted = list(dict.fromkeys(periods))
    if not wanted:
        return {}
    plan_row = current_plan(session, compact)
    snapshots = gather_snapshots(session, compact, wanted, plan_row)
    stored = dict(
        session.execute(
            select(ScoringSnapshot.digest, ScoringSnapshot.id).where(
                ScoringSnapshot.digest.in_({s.digest for s in snapshots.values()})
            )
        ).all()
    )
    fresh = [
        ScoringSnapshot(digest=s.digest, compact_id=compact.id, inputs=s.inputs)
        for s in snapshots.values()
        if s.digest not in stored
    ]
    # Only a snapshot stored before can have a scorecard already.
    existing = (
        {
            (row.period, row.snapshot_id): row
            for row in session.scalars(
                select(Scorecard).where(
                    Scorecard.compact_id == compact.id,
                    Scorecard.snapshot_id.in_(set(stored.values())),
                )
            )
        }
        if stored
        else {}
    )
    if fresh:
        session.add_all(fresh)
        session.flush()
        stored.update((row.digest, row.id) for row in fresh)
    snapshot_ids = {name: stored[s.digest] for name, s in snapshots.items()}
    cards: dict[str, Scorecard] = {}
    for name, snapshot_id in snapshot_ids.items():
        found = existing.get((name, snapshot_id))
        if found is not None:  # the same inputs were scored before: that scorecard stands
            found.stale = False
            cards[name] = found
    new = [p for p in wanted if str(p) not in cards]
    if new:
        _score_new(session, compact, plan_row, new, snapshots, snapshot_ids, cards)
    return {str(p): cards[str(p)] for p in wanted}


def _score_new(
    session: Session,
    compact: Compact,
    plan_row: MonitoringPlan,
    new: list[Period],
    snapshots: dict[str, Snapshot],
    snapshot_ids: dict[str, int],
    cards: dict[str, Scorecard],
) -> None:
    """Score the periods no stored scorecard has these inputs for, in order, and write them."""
    plan = scoring_plan(plan_row)
    latest = _latest_scorecards(session, compact, {str(p.previous()) for p in new})
    parsed = inputs_from_snapshots([snapshots[str(p)].inputs for p in new])
    warnings = early_warnings(session, compact, new)
    for period, inputs in zip(new, parsed, strict=True):
        name = str(period)
        history = _history(compact, period, latest.get(str(period.previous())))
        computed = _score(inputs, plan, history)
        cards[name] = Scorecard(
            compact_id=compact.id,
            period=name,
            snapshot_id=snapshot_ids[name],
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
            early_warning=warnings[name],
            entries=_entries(computed.card, snapshots[name].inputs),
        )
        # A new row has the highest id of its period: the next period's history reads it.
        latest[name] = _Latest(
            {s.code: s.state for s in computed.card.scores}, frozenset(computed.tier.counted)
        )
    session.add_all(cards[str(p)] for p in new)
    session.flush()


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
