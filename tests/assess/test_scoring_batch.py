"""A compact's periods scored in one batch store exactly what scoring each period alone stores."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.assess.evidence import snapshot_digest
from portal.assess.periods import Period
from portal.assess.plans import PlanEdit, new_plan_version
from portal.assess.scoring import compute_scorecard, compute_scorecards
from portal.assess.scoring_job import mark_scorecards_stale
from portal.domain.models import (
    AssessorDatum,
    ClusterState,
    Compact,
    IncidentCluster,
    Report,
    Scorecard,
    ScoringSnapshot,
)
from portal.domain.workflow import ReportStatus

YEAR = [Period(2026, q) for q in (1, 2, 3, 4)] + [Period(2026)]
BEFORE = [Period(2025), Period(2025, 4)]
CODES = ["IC-1", "HR-1", "HR-2", "CH-1", "AD-1", "OA-3", "PM-1"]
STATES = [ClusterState.VERIFIED] * 3 + [ClusterState.PARTIALLY_VERIFIED, ClusterState.OPEN]
EARLY = [ReportStatus.RECEIVED, ReportStatus.IN_REVIEW, ReportStatus.NEEDS_INFO]
UNITS = [hashlib.sha256(f"unit {n}".encode()).hexdigest() for n in range(3)]


def _compact(session: Session, country: str) -> Compact:
    compact = session.scalar(select(Compact).where(Compact.country == country))
    assert compact is not None
    return compact


def _report(
    compact: Compact,
    month: dt.date,
    code: str,
    status: ReportStatus,
    cluster_id: int | None = None,
    grade: tuple[str, int] | None = None,
) -> Report:
    return Report(
        desk_id=compact.desks[0].desk_id,
        compact_id=compact.id,
        country=compact.country,
        incident_month=month,
        primary_indicator=code,
        force_branch="army",
        language="ar",
        status=status,
        cluster_id=cluster_id,
        source_reliability=grade[0] if grade else None,
        information_credibility=grade[1] if grade else None,
    )


def _incidents(session: Session, compact: Compact, seed: int, n: int) -> None:
    """Incidents over 2025–2026 with graded reports, some keyed to units; and open reports."""
    rng = random.Random(seed)
    for i in range(n):
        code = CODES[i % len(CODES)]
        month = dt.date(2025 + i % 2, rng.randint(1, 12), 1)
        cluster = IncidentCluster(
            desk_id=compact.desks[0].desk_id,
            compact_id=compact.id,
            indicator_code=code,
            incident_month=month,
            state=rng.choice(STATES),
            weight=round(rng.uniform(0.05, 1.0), 6),
            unit_key=rng.choice(UNITS) if code == "HR-1" and rng.random() < 0.6 else None,
            mass_casualty=i % 37 == 0,
            investigation_opened_day=rng.choice([None, month, dt.date(2026, 12, 30)]),
        )
        session.add(cluster)
        session.flush()
        for _ in range(rng.randint(1, 3)):
            grade = (rng.choice("ABCDEF"), rng.randint(1, 6))
            session.add(_report(compact, month, code, ReportStatus.VERIFIED, cluster.id, grade))
    for _ in range(n // 3):  # still on the desk: early warnings, never evidence
        month = dt.date(2026, rng.randint(1, 12), 1)
        session.add(_report(compact, month, rng.choice(CODES), rng.choice(EARLY)))
    session.flush()


def _assessor_data(session: Session, compact: Compact) -> None:
    """A year's entry that its quarters read, a quarter's own newer entry, audited items."""
    for code, period, values in (
        ("PM-1", "2026", {"kind": "proportion", "successes": 40.0, "failures": 4.0}),
        ("PM-1", "2026-Q2", {"kind": "proportion", "successes": 5.0, "failures": 9.0}),
        ("IC-3", "2026", {"kind": "checklist", "scores": [62.0, 71.5, 58.0]}),
        ("AD-1", "2026-Q3", {"kind": "diverted_items", "items": 3}),
    ):
        session.add(
            AssessorDatum(
                compact_id=compact.id,
                indicator_code=code,
                period=period,
                values=values,
                provenance="audit of the test compact",
            )
        )
    session.flush()


def _seeded(app: Flask, session: Session) -> Compact:
    """Iraq with evidence, assessor data and last year's scorecards; Niger, its peer, scored."""
    assert app.test_cli_runner().invoke(args=["portal", "demo", "--empty"]).exit_code == 0
    iraq, niger = _compact(session, "IQ"), _compact(session, "NE")
    niger.fragility_band = iraq.fragility_band
    _incidents(session, iraq, seed=7, n=260)
    _incidents(session, niger, seed=8, n=60)
    # Peers count only where monitoring met the plan's minimum: Niger's plan asks for none.
    new_plan_version(session, None, niger, PlanEdit(note="no coverage minimum", rules={
        "coverage": {"min_reports": 0, "min_partners": 0, "min_population_share": 0.0,
                     "max_overdue_reports": 1000, "max_disruptions": 1000},
    }))
    _assessor_data(session, iraq)
    compute_scorecards(session, niger, YEAR)
    compute_scorecards(session, iraq, BEFORE)
    session.commit()
    return iraq


def _stored(session: Session, card: Scorecard) -> dict[str, Any]:
    """Everything a scorecard stores, without its ids."""
    snapshot = session.get(ScoringSnapshot, card.snapshot_id)
    assert snapshot is not None
    return {
        "period": card.period,
        "digest": snapshot.digest,
        "inputs": snapshot.inputs,
        "catalogue_version": card.catalogue_version,
        "plan_version": card.plan_version,
        "recommended_tier": card.recommended_tier,
        "reasons": card.reasons,
        "assessment": card.assessment,
        "early_warning": card.early_warning,
        "stale": card.stale,
        "entries": sorted(
            (
                e.indicator_code,
                e.estimate,
                e.lower,
                e.upper,
                e.state,
                e.threshold,
                e.evidence_count,
                e.reason,
            )
            for e in card.entries
        ),
    }


def _forget(session: Session, cards: list[Scorecard]) -> None:
    snapshots = [session.get(ScoringSnapshot, card.snapshot_id) for card in cards]
    for card in cards:
        session.delete(card)
    session.flush()
    for snapshot in snapshots:
        session.delete(snapshot)
    session.flush()


def test_a_batch_stores_what_each_period_computed_alone_stores(
    app: Flask, session: Session
) -> None:
    compact = _seeded(app, session)
    alone = [compute_scorecard(session, compact, period) for period in YEAR]
    expected = [_stored(session, card) for card in alone]
    _forget(session, alone)

    batch = compute_scorecards(session, compact, YEAR)
    assert list(batch) == [str(p) for p in YEAR]
    assert [_stored(session, card) for card in batch.values()] == expected
    assert all(snapshot_digest(row["inputs"]) == row["digest"] for row in expected)

    # The data reached every part of the scorecard, so the comparison above compared something.
    by_period = {row["period"]: row for row in expected}
    q1, q2, q3, year = (by_period[p] for p in ("2026-Q1", "2026-Q2", "2026-Q3", "2026"))
    assert q1["assessment"]["history"]["previous_states"], "2025-Q4 is Q1's history"
    q1_states = {entry[0]: entry[4] for entry in q1["entries"]}
    assert q2["assessment"]["history"]["previous_states"] == q1_states
    assert year["assessment"]["history"]["previous_annual"], "2025 is the year's history"
    assert q2["inputs"]["peers"], "Niger's scorecards are Iraq's peers"
    assert q2["inputs"]["evidence"]["PM-1"]["successes"] == 5.0
    assert q1["inputs"]["evidence"]["PM-1"]["successes"] == 40.0
    assert q3["inputs"]["evidence"]["AD-1"] != by_period["2026-Q4"]["inputs"]["evidence"]["AD-1"]
    assert year["inputs"]["evidence"]["OA-3"]["count"] > 0
    assert year["inputs"]["unit_tallies"] and year["inputs"]["suspension"]["mass_casualty"]
    assert len({str(row["early_warning"]) for row in expected}) == len(YEAR)
    assert sum(year["early_warning"].values()) == sum(
        sum(by_period[f"2026-Q{q}"]["early_warning"].values()) for q in (1, 2, 3, 4)
    )


def test_the_scoring_job_recomputes_only_the_periods_whose_evidence_changed(
    app: Flask, session: Session
) -> None:
    compact = _seeded(app, session)
    first = {name: card.id for name, card in compute_scorecards(session, compact, YEAR).items()}
    session.commit()
    count = session.scalar(select(func.count(Scorecard.id)))

    mark_scorecards_stale(session, compact.id)
    session.commit()
    assert session.scalar(select(func.count(Scorecard.id))) == count, "same evidence, same rows"
    assert not any(card.stale for card in session.scalars(select(Scorecard)))

    session.add(
        IncidentCluster(
            desk_id=compact.desks[0].desk_id,
            compact_id=compact.id,
            indicator_code="IC-1",
            incident_month=dt.date(2026, 8, 1),
            state=ClusterState.VERIFIED,
            weight=1.0,
        )
    )
    mark_scorecards_stale(session, compact.id)
    session.commit()
    latest = {
        period: max(
            session.scalars(
                select(Scorecard.id).where(
                    Scorecard.compact_id == compact.id, Scorecard.period == period
                )
            )
        )
        for period in first
    }
    changed = {period for period in first if latest[period] != first[period]}
    assert changed == {"2026-Q3", "2026"}
    assert session.scalar(select(func.count(Scorecard.id))) == count + 2
    rows = {p: session.get(Scorecard, latest[p]) for p in first}
    assert all(row is not None and not row.stale for row in rows.values())
    assert session.get(Scorecard, first["2026-Q3"]).stale  # type: ignore[union-attr]
