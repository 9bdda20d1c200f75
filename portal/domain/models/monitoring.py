"""What the monitoring coverage gate reads besides reports: partners' attestations that they
were monitoring, and recorded disruptions (suspensions, channel shutdowns) of a compact."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.domain.models.base import Base, str_enum, today


class PartnerAttestation(Base):
    """A partner organisation stated it was monitoring the compact in a period ("2027" or
    "2027-Q2"), though it may have had nothing to report. A year's attestation covers its
    quarters. Entered by an assessor or admin, audit-logged."""

    __tablename__ = "partner_attestations"
    __table_args__ = (UniqueConstraint("compact_id", "organisation_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    compact_id: Mapped[int] = mapped_column(
        ForeignKey("compacts.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    period: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_day: Mapped[dt.date] = mapped_column(default=today)


class DisruptionKind(enum.StrEnum):
    SUSPENSION = "suspension"  # the compact or its monitoring was suspended
    CHANNEL_SHUTDOWN = "channel_shutdown"  # network cut, portal blocked, partners barred


class MonitoringDisruption(Base):
    """A stretch of days when reporting was hindered; `last_day` None while it lasts."""

    __tablename__ = "monitoring_disruptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    compact_id: Mapped[int] = mapped_column(
        ForeignKey("compacts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[DisruptionKind] = mapped_column(str_enum(DisruptionKind, 24))
    first_day: Mapped[dt.date]
    last_day: Mapped[dt.date | None]
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_day: Mapped[dt.date] = mapped_column(default=today)
