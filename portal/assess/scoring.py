"""Computing, storing and re-checking a compact's scorecards (DESIGN §9, indicators.md).

A scorecard depends on its own evidence (the snapshot), the plan version, and its chain: the
previous period's scorecard (hysteresis reads its states) and the tier an assessor decided for
an earlier period (the tier in force then, never today's). Each stored scorecard carries a
chain digest over all of these; a stored scorecard is reused only when its snapshot *and* chain
digest match, and computing a period also recomputes the later periods of the compact that have
scorecards, in order, so a late verification in Q1 reaches Q2, Q3 and the next year. The
re-check (`recheck`) recomputes a stored scorecard and also checks that its chain still holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.assess.chain import (
    Link,
    chain_digest,
    chain_order,
    current_rows,
    decisions,
    history_data,
    history_for,
    history_from_data,
    later_periods,
    link_of,
    tier_in_force,
)
from portal.assess.evidence import Snapshot, SnapshotReader, gather_snapshots, inputs_from_snapshot
from portal.assess.periods import Period
from portal.assess.plans import NoPlan, current_plan, plan_version, scoring_plan
from portal.domain.catalogue import CATALOGUE_VERSION, INDICATORS
from portal.domain.models import (
    Compact,
    MonitoringPlan,
    Scorecard,
    ScorecardEntry,
    ScoringSnapshot,
)
from portal.domain.scoring import (
    History,
    ScoringInputs,
    ScoringPlan,
    TierAssessment,
    score_compact,
    tier_for,
)
from portal.domain.scoring import Scorecard as EngineScorecard

__all__ = [
    "Computed",
    "NoPlan",
    "Recheck",
    "chain_order",
    "compute_scorecard",
    "compute_scorecards",
    "current_plan",
    "evaluate",
    "matches_stored",
    "plan_version",
    "recheck",
    "recompute",
    "scoring_plan",
    "tier_in_force",
]


@dataclass(frozen=True)
class Computed:
    card: EngineScorecard
    tier: TierAssessment


def evaluate(snapshot: dict[str, Any], plan: ScoringPlan, history: History) -> Computed:
    return _score(inputs_from_snapshot(snapshot), plan, history)


def _score(inputs: ScoringInputs, plan: ScoringPlan, history: History) -> Computed:
    card = score_compact(inputs, plan)
    return Computed(card, tier_for(card, history, plan))


def compute_scorecard(
    session: Session, compact: Compact, period: Period, *, today: dt.date | None = None
) -> Scorecard:
    """Gather, snapshot, score and store; the same inputs and chain reuse the same rows."""
    return compute_scorecards(session, compact, [period], today=today)[str(period)]


def compute_scorecards(
    session: Session,
    compact: Compact,
    periods: Sequence[Period],
    *,
    today: dt.date | None = None,
) -> dict[str, Scorecard]:
    """The given periods' scorecards, and every later period's of the same chains, recomputed
    in chain order from a few set-based queries; returns the asked periods' rows.

    Each scorecard equals the one `compute_scorecard` would store for its period alone at that
    point of the chain: a period reads the fresh scorecard of the period before it as history.
    Evidence, peers, assessor data, decisions, existing rows and early warnings are read once for
    all periods; new snapshots, scorecards and entries are written in one batch each.
    """
    asked = list(dict.fromkeys(periods))
    if not asked:
        return {}
    wanted = sorted(set(asked) | set(later_periods(session, compact, asked)), key=chain_order)
    plan_row = current_plan(session, compact)
    snapshots = gather_snapshots(session, compact, wanted, plan_row, today)
    snapshot_ids, existing = _store_snapshots(session, compact, snapshots)
    decided = decisions(session, compact)
    names = {str(p) for p in wanted}
    previous_names = {str(p.previous()) for p in wanted} - names
    links = {
        name: link_of(row) for name, row in current_rows(session, compact, previous_names).items()
    }
    plan = scoring_plan(plan_row)
    reader = SnapshotReader()
    cards: dict[str, Scorecard] = {}
    fresh: list[Scorecard] = []
    for period in wanted:
        name = str(period)
        previous = links.get(str(period.previous()))
        history = history_for(tier_in_force(decided, period), period, previous)
        stored_history = history_data(history, previous)
        snapshot = snapshots[name]
        digest = chain_digest(snapshot.digest, plan_row, stored_history)
        row = existing.get((name, snapshot_ids[name], digest))
        if row is None:
            computed = _score(reader.inputs(snapshot.inputs), plan, history)
            row = _new_row(compact, period, plan_row, plan, snapshot, snapshot_ids[name], computed)
            row.chain_digest = digest
            row.assessment = {**row.assessment, "history": stored_history}
            fresh.append(row)
            links[name] = Link(
                {s.code: s.state for s in computed.card.scores},
                {s.code: dict(s.tier_states) for s in computed.card.scores if s.tier_states},
                digest,
            )
        else:  # the same inputs and chain were scored before: that scorecard stands
            row.stale = False
            links[name] = link_of(row)
        cards[name] = row
    if fresh:
        session.add_all(fresh)
        session.flush()
    _supersede(session, compact, names, {row.id for row in cards.values()})
    return {str(p): cards[str(p)] for p in asked}


def _store_snapshots(
    session: Session, compact: Compact, snapshots: dict[str, Snapshot]
) -> tuple[dict[str, int], dict[tuple[str, int, str], Scorecard]]:
    """Snapshot ids for every period (new snapshots inserted) and the stored scorecards that
    could be reused: those of a snapshot stored before."""
    stored = dict(
        session.execute(
            select(ScoringSnapshot.digest, ScoringSnapshot.id).where(
                ScoringSnapshot.digest.in_({s.digest for s in snapshots.values()})
            )
        ).all()
    )
    existing: dict[tuple[str, int, str], Scorecard] = {}
    if stored:
        for row in session.scalars(
            select(Scorecard).where(
                Scorecard.compact_id == compact.id,
                Scorecard.snapshot_id.in_(set(stored.values())),
            )
        ):
            existing[(row.period, row.snapshot_id, row.chain_digest)] = row
    fresh = [
        ScoringSnapshot(digest=s.digest, compact_id=compact.id, inputs=s.inputs)
        for s in {s.digest: s for s in snapshots.values()}.values()
        if s.digest not in stored
    ]
    if fresh:
        session.add_all(fresh)
        session.flush()
        stored.update((row.digest, row.id) for row in fresh)
    return {name: stored[s.digest] for name, s in snapshots.items()}, existing


def _supersede(session: Session, compact: Compact, periods: set[str], current: set[int]) -> None:
    """Older scorecards of these periods no longer stand: flag them, so anyone holding one (a
    decision, an export) sees that new evidence arrived since."""
    session.execute(
        update(Scorecard)
        .where(
            Scorecard.compact_id == compact.id,
            Scorecard.period.in_(periods),
            Scorecard.id.not_in(current),
            Scorecard.stale.is_(False),
        )
        .values(stale=True)
        .execution_options(synchronize_session=False)
    )
    for row in session.identity_map.values():
        if (
            isinstance(row, Scorecard)
            and row.compact_id == compact.id
            and row.period in periods
            and row.id not in current
        ):
            row.stale = True


def _new_row(
    compact: Compact,
    period: Period,
    plan_row: MonitoringPlan,
    plan: ScoringPlan,
    snapshot: Snapshot,
    snapshot_id: int,
    computed: Computed,
) -> Scorecard:
    tier = computed.tier
    coverage = computed.card.coverage
    return Scorecard(
        compact_id=compact.id,
        period=str(period),
        snapshot_id=snapshot_id,
        catalogue_version=computed.card.catalogue_version,
        plan_version=plan_row.version,
        recommended_tier=tier.recommended_tier,
        reasons=[
            {
                "rule": o.rule,
                "passed": o.passed,
                "message": o.reason.message,
                "params": o.reason.as_dict(),
            }
            for o in tier.rules
        ],
        assessment={
            "evidence_tier": tier.evidence_tier,
            "tier_in_force": tier.tier_in_force,
            "pass_count": tier.pass_count,
            "reform_track": tier.reform_track,
            "review_required": tier.review_required,
            "flagged_units": list(tier.flagged_units),
            "counted": list(tier.counted),
            "coverage": {
                "measured": coverage.measured,
                "met": coverage.met,
                "results": [
                    {
                        "criterion": r.criterion.value,
                        "figure": r.figure,
                        "limit": r.limit,
                        "at_least": r.at_least,
                        "met": r.met,
                    }
                    for r in coverage.results
                ],
                "regions": list(snapshot.inputs.get("coverage", {}).get("regions", [])),
            },
        },
        coverage_met=coverage.met,
        early_warning=snapshot.early_warning,
        entries=_entries(computed.card, snapshot.inputs, plan),
    )


def _basis(score: Any, evidence: Mapping[str, Any], plan: ScoringPlan) -> dict[str, Any]:
    basis: dict[str, Any] = {"held": score.held_by_coverage}
    decision = score.decision
    if decision is not None:
        basis.update(
            exact=decision.exact,
            lower=round(decision.lower, plan.decimals),
            upper=round(decision.upper, plan.decimals),
            confidence=decision.confidence,
        )
    if score.reporting_fraction is not None:
        fraction = plan.rules.fraction(score.code)
        basis["fraction"] = score.reporting_fraction
        basis["fraction_source"] = fraction.source if fraction is not None else ""
    if score.threshold is not None:
        basis["threshold_source"] = plan.threshold_source(score.code)
    if score.tier_states:
        basis["tier_states"] = {str(t): s.value for t, s in score.tier_states}
    for key in ("pending", "unknown", "direct", "assessor"):
        if key in evidence:
            basis[key] = evidence[key]
    return basis


def _entries(
    card: EngineScorecard, snapshot: dict[str, Any], plan: ScoringPlan
) -> list[ScorecardEntry]:
    entries = []
    for score in card.scores:
        evidence = snapshot["evidence"].get(score.code, {})
        count = int(evidence.get("incidents", evidence.get("count", 0)) or 0)
        shown = score.estimate.rounded(plan.decimals) if score.estimate else None
        entries.append(
            ScorecardEntry(
                indicator_code=score.code,
                estimate=shown.value if shown else None,
                lower=shown.lower if shown else None,
                upper=shown.upper if shown else None,
                state=score.state.value,
                threshold=score.threshold,
                evidence_count=count,
                reason={"message": score.reason.message, "params": score.reason.as_dict()},
                basis=_basis(score, evidence, plan),
            )
        )
    return entries


def recompute(session: Session, row: Scorecard) -> Computed:
    """Score again from the stored snapshot, plan version and history: must equal what's stored."""
    compact = session.get(Compact, row.compact_id)
    snapshot = session.get(ScoringSnapshot, row.snapshot_id)
    assert compact is not None and snapshot is not None
    plan = scoring_plan(plan_version(session, compact, row.plan_version))
    return evaluate(snapshot.inputs, plan, history_from_data(row.assessment.get("history", {})))


def matches_stored(row: Scorecard, computed: Computed) -> bool:
    decimals = 6
    stored = {e.indicator_code: (e.state, e.estimate, e.lower, e.upper) for e in row.entries}
    fresh = {}
    for s in computed.card.scores:
        shown = s.estimate.rounded(decimals) if s.estimate else None
        fresh[s.code] = (
            s.state.value,
            shown.value if shown else None,
            shown.lower if shown else None,
            shown.upper if shown else None,
        )
    return stored == fresh and computed.tier.recommended_tier == row.recommended_tier


@dataclass(frozen=True)
class Recheck:
    """A stored scorecard re-checked: its numbers, its chain, and (thoroughly) its evidence."""

    reproduces: bool  # the stored snapshot, plan version and history give the stored numbers
    chain_holds: bool  # what it read of earlier periods is what their current scorecards say
    engine_changed: bool  # computed by another catalogue version of the engine
    # Thorough only: computing the period now, from today's evidence for it and every earlier
    # period of its chain, would reuse this very scorecard. None when not checked.
    current: bool | None = None

    @property
    def ok(self) -> bool:
        return (
            self.reproduces
            and self.chain_holds
            and not self.engine_changed
            and self.current is not False
        )


def recheck(
    session: Session, row: Scorecard, *, thorough: bool = False, today: dt.date | None = None
) -> Recheck:
    """Recompute `row` and check its chain: the previous period's current scorecard and the
    decided tier in force must be those it was computed from.

    `thorough` also replays the chain from today's evidence inside a savepoint that is rolled
    back: a stored Q2 computed before a late verification changed Q1's evidence fails here even
    before anyone recomputed Q1, though Q2's own evidence is unchanged.
    """
    compact = session.get(Compact, row.compact_id)
    assert compact is not None
    reproduces = matches_stored(row, recompute(session, row))
    period = Period.parse(row.period)
    previous_rows = current_rows(session, compact, {str(period.previous())})
    previous_row = previous_rows.get(str(period.previous()))
    previous = link_of(previous_row) if previous_row is not None else None
    history = history_for(tier_in_force(decisions(session, compact), period), period, previous)
    now = history_data(history, previous)
    stored = dict(row.assessment.get("history", {}))
    keys = ("tier_in_force", "previous_states", "previous_band_states", "previous_annual")
    chain_holds = all(stored.get(k) == now.get(k) for k in keys)
    current = None
    if thorough:
        row_id = row.id
        replay = session.begin_nested()
        try:
            earlier = _chain_before(session, compact, period)
            fresh = compute_scorecards(session, compact, [*earlier, period], today=today)
            current = fresh[str(period)].id == row_id
        finally:
            replay.rollback()
    return Recheck(reproduces, chain_holds, row.catalogue_version != CATALOGUE_VERSION, current)


def _chain_before(session: Session, compact: Compact, period: Period) -> list[Period]:
    """The periods of `period`'s chain before it that have scorecards."""
    found = set()
    for name in session.scalars(
        select(Scorecard.period).where(Scorecard.compact_id == compact.id).distinct()
    ):
        try:
            stored = Period.parse(name)
        except ValueError:
            continue
        if stored.is_annual == period.is_annual and chain_order(stored) < chain_order(period):
            found.add(stored)
    return sorted(found, key=chain_order)


def indicator_codes() -> tuple[str, ...]:
    return tuple(i.code for i in INDICATORS)
