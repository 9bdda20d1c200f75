"""Incident clusters: several reports about one event (DESIGN §5, §8)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Float, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.domain.models.base import Base, new_public_id, str_enum, today


class ClusterState(enum.StrEnum):
    OPEN = "open"
    VERIFIED = "verified"
    PARTIALLY_VERIFIED = "partially_verified"
    UNVERIFIED = "unverified"
    REJECTED = "rejected"


class IncidentCluster(Base):
    __tablename__ = "incident_clusters"
    __table_args__ = (
        # Scoring: a compact's verified incidents of a period, grouped by indicator.
        Index("ix_clusters_scoring", "compact_id", "state", "incident_month", "indicator_code"),
        # Scoring of one indicator (HR-1 unit flags, OA-3 reprisals, the OA-1/CH-2 clocks of
        # HR-1 and CH-1 incidents): unit keys, response days and weights from the index alone.
        Index(
            "ix_clusters_indicator",
            "compact_id",
            "indicator_code",
            "state",
            "incident_month",
            "unit_key",
            "investigation_opened_day",
            "harm_acknowledged_day",
            "weight",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    desk_id: Mapped[int] = mapped_column(ForeignKey("desks.id"), index=True)
    compact_id: Mapped[int | None] = mapped_column(ForeignKey("compacts.id"), index=True)
    indicator_code: Mapped[str] = mapped_column(String(8))
    region: Mapped[str | None] = mapped_column(String(8))
    incident_month: Mapped[dt.date] = mapped_column(index=True)
    state: Mapped[ClusterState] = mapped_column(str_enum(ClusterState), default=ClusterState.OPEN)
    # Noisy-OR of the member reports' grade weights (shared/domain/indicators.md).
    weight: Mapped[float] = mapped_column(Float, default=0.0)
    # Opaque keyed hash of the unit named in the reports, for unit flags; never the name.
    unit_key: Mapped[str | None] = mapped_column(String(64), index=True)
    mass_casualty: Mapped[bool] = mapped_column(Boolean, default=False)
    # For OA-1 / CH-2 clocks (indicators.md): the day the authorities opened an investigation,
    # and the day they acknowledged the harm; None while no response is recorded. Whether that
    # was in time is decided at scoring, against the plan's response window.
    investigation_opened_day: Mapped[dt.date | None]
    harm_acknowledged_day: Mapped[dt.date | None]
    # Summary written by the desk, sealed under its own data key wrapped to the desk key.
    summary_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    summary_key_wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_day: Mapped[dt.date] = mapped_column(default=today)
    verified_day: Mapped[dt.date | None]


class ClusterOrganisation(Base):
    """Which organisations reported a cluster: corroboration, and capture histories later."""

    __tablename__ = "cluster_organisations"
    __table_args__ = (UniqueConstraint("cluster_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(
        ForeignKey("incident_clusters.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
