"""Compacts, their versioned monitoring plans, assessor data, scorecards and decisions."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.domain.models.base import Base, new_public_id, str_enum, today


class CompactStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"


class Compact(Base):
    __tablename__ = "compacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    partner: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    start_day: Mapped[dt.date]
    end_day: Mapped[dt.date]
    status: Mapped[CompactStatus] = mapped_column(
        str_enum(CompactStatus), default=CompactStatus.DRAFT
    )
    # Peer-median thresholds compare compacts in the same fragility band.
    fragility_band: Mapped[str] = mapped_column(String(16), default="high")
    population: Mapped[int] = mapped_column(Integer, default=0)
    current_tier: Mapped[int] = mapped_column(SmallInteger, default=0)

    desks: Mapped[list[CompactDesk]] = relationship(
        back_populates="compact", cascade="all, delete-orphan", lazy="selectin"
    )
    plans: Mapped[list[MonitoringPlan]] = relationship(
        back_populates="compact", order_by="MonitoringPlan.version"
    )


class CompactDesk(Base):
    __tablename__ = "compact_desks"
    __table_args__ = (UniqueConstraint("compact_id", "desk_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    compact_id: Mapped[int] = mapped_column(
        ForeignKey("compacts.id", ondelete="CASCADE"), index=True
    )
    desk_id: Mapped[int] = mapped_column(ForeignKey("desks.id", ondelete="CASCADE"), index=True)

    compact: Mapped[Compact] = relationship(back_populates="desks")


class MonitoringPlan(Base):
    """One version of a compact's plan. Baselines and targets change only by a new version."""

    __tablename__ = "monitoring_plans"
    __table_args__ = (UniqueConstraint("compact_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    compact_id: Mapped[int] = mapped_column(
        ForeignKey("compacts.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    catalogue_version: Mapped[str] = mapped_column(String(16))
    # Exposure denominators and any overridden weights, as data (indicators.md: never code):
    # "population", "operations", "items_delivered", and "region_population" ({ISO 3166-2 code:
    # people}) with "population_source", for the coverage gate's population share.
    exposure: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The scoring rules of this version, written out in full (portal.domain.scoring.rules):
    # coverage minimum, reporting fractions with sources, exact-bound confidence, tier counts...
    rules: Mapped[dict[str, Any]] = mapped_column(default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_day: Mapped[dt.date] = mapped_column(default=today)

    compact: Mapped[Compact] = relationship(back_populates="plans")
    indicators: Mapped[list[PlanIndicator]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", lazy="selectin"
    )


class PlanIndicator(Base):
    __tablename__ = "plan_indicators"
    __table_args__ = (UniqueConstraint("plan_id", "indicator_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("monitoring_plans.id", ondelete="CASCADE"), index=True
    )
    indicator_code: Mapped[str] = mapped_column(String(8))
    priority: Mapped[bool] = mapped_column(default=True)
    baseline: Mapped[float | None] = mapped_column(Float)
    # {"2027": 0.8, "2028": 0.85, ...}
    annual_targets: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Overrides of the catalogue's default pass threshold for this compact, or empty:
    # {"value": 0.5, "source": "Compact board, 2026-03 meeting"}. HR-1 has no default at all.
    threshold: Mapped[dict[str, Any]] = mapped_column(default=dict)
    data_source: Mapped[str] = mapped_column(String(255), default="")
    last_quality_review: Mapped[dt.date | None]

    plan: Mapped[MonitoringPlan] = relationship(back_populates="indicators")


class AssessorDatum(Base):
    """Assessor-entered evidence (audits, inventories, checklists) with its provenance."""

    __tablename__ = "assessor_data"

    id: Mapped[int] = mapped_column(primary_key=True)
    compact_id: Mapped[int] = mapped_column(
        ForeignKey("compacts.id", ondelete="CASCADE"), index=True
    )
    indicator_code: Mapped[str] = mapped_column(String(8))
    period: Mapped[str] = mapped_column(String(8))  # "2027" or "2027-Q2"
    # Proportions: successes/trials; rates: events/exposure; checklists: one score per rater;
    # representativeness: shares per group.
    values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    provenance: Mapped[str] = mapped_column(Text)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_day: Mapped[dt.date] = mapped_column(default=today)


class ScoringSnapshot(Base):
    """The aggregated inputs of a scorecard, so it can be recomputed bit-for-bit."""

    __tablename__ = "scoring_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the inputs
    compact_id: Mapped[int] = mapped_column(
        ForeignKey("compacts.id", ondelete="CASCADE"), index=True
    )
    inputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_day: Mapped[dt.date] = mapped_column(default=today)


class Scorecard(Base):
    __tablename__ = "scorecards"
    # One row per period, inputs and chain: the same inputs read after a changed previous
    # scorecard (or another tier in force) are a different scorecard.
    __table_args__ = (UniqueConstraint("compact_id", "period", "snapshot_id", "chain_digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    compact_id: Mapped[int] = mapped_column(
        ForeignKey("compacts.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[str] = mapped_column(String(8))
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("scoring_snapshots.id"))
    catalogue_version: Mapped[str] = mapped_column(String(16))
    plan_version: Mapped[int] = mapped_column(Integer)
    recommended_tier: Mapped[int] = mapped_column(SmallInteger)
    # Rule outcomes that explain the tier: [{"rule", "passed", "message", "params"}, ...].
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    # The rest of the tier assessment: evidence tier, pass count, reform track, review required,
    # flagged unit keys, and the indicators still counting (hysteresis state for next time).
    assessment: Mapped[dict[str, Any]] = mapped_column(default=dict)
    early_warning: Mapped[dict[str, Any]] = mapped_column(default=dict)
    stale: Mapped[bool] = mapped_column(default=False)
    # SHA-256 over the snapshot digest, plan version and everything read from earlier periods
    # (the previous scorecard's chain digest and results, the tier in force then): a stored
    # scorecard is reused only when its whole chain is unchanged.
    chain_digest: Mapped[str] = mapped_column(String(64), default="")
    # Whether the period met its plan's monitoring coverage minimum; peer medians only use
    # compacts that did. None: computed before the gate existed.
    coverage_met: Mapped[bool | None]
    computed_day: Mapped[dt.date] = mapped_column(default=today)

    entries: Mapped[list[ScorecardEntry]] = relationship(
        back_populates="scorecard", cascade="all, delete-orphan", lazy="selectin"
    )


class ScorecardEntry(Base):
    __tablename__ = "scorecard_entries"
    __table_args__ = (UniqueConstraint("scorecard_id", "indicator_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(
        ForeignKey("scorecards.id", ondelete="CASCADE"), index=True
    )
    indicator_code: Mapped[str] = mapped_column(String(8))
    estimate: Mapped[float | None] = mapped_column(Float)
    lower: Mapped[float | None] = mapped_column(Float)
    upper: Mapped[float | None] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(16))  # PASS / FAIL / INDETERMINATE / NO_DATA
    threshold: Mapped[float | None] = mapped_column(Float)
    evidence_count: Mapped[int] = mapped_column(Integer, default=0)
    # Why the state is what it is: {"message": N_ source string, "params": {...}}.
    reason: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # How it was decided: {"exact": bool, "lower", "upper", "confidence"} (the bounds judged),
    # "fraction" and "fraction_source" (reporting fraction p), "held" (coverage gate),
    # "threshold_source", "tier_states" (AD-2 at tier 3), "pending"/"unknown" (clocks).
    basis: Mapped[dict[str, Any]] = mapped_column(default=dict)

    scorecard: Mapped[Scorecard] = relationship(back_populates="entries")


class TierDecision(Base):
    """The assessor's decision: the scorecard only recommends."""

    __tablename__ = "tier_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    compact_id: Mapped[int] = mapped_column(
        ForeignKey("compacts.id", ondelete="CASCADE"), index=True
    )
    scorecard_id: Mapped[int | None] = mapped_column(ForeignKey("scorecards.id"))
    period: Mapped[str] = mapped_column(String(8))
    tier: Mapped[int] = mapped_column(SmallInteger)
    justification: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_day: Mapped[dt.date] = mapped_column(default=today)


class PrivacyBudgetSpend(Base):
    """ε spent on a public release of a compact's quarter (noise budget is capped and logged)."""

    __tablename__ = "privacy_budget_spends"

    id: Mapped[int] = mapped_column(primary_key=True)
    compact_id: Mapped[int] = mapped_column(
        ForeignKey("compacts.id", ondelete="CASCADE"), index=True
    )
    quarter: Mapped[str] = mapped_column(String(8))
    epsilon: Mapped[float] = mapped_column(Float)
    mechanism: Mapped[str] = mapped_column(String(32))
    release_id: Mapped[str] = mapped_column(String(64))
    released: Mapped[dict[str, Any]] = mapped_column(default=dict)
    spent_day: Mapped[dt.date] = mapped_column(default=today)
