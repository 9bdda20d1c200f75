"""Reports and what hangs off them; clear coarse fields beside sealed content (DESIGN §5)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.domain.models.base import Base, new_public_id, str_enum, today
from portal.domain.workflow import ReportStatus


class Channel(enum.StrEnum):
    WEB = "web"
    API = "api"
    SMS = "sms"


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (
        # The desk queue: a desk's reports by status, ordered by priority then age, paged by keyset.
        Index("ix_reports_queue", "desk_id", "status", "priority", "id"),
        # Highest priority first, then oldest, as one ascending index: see portal/desk/queue.py.
        Index("ix_reports_desk_queue", "desk_id", text("(-priority)"), "id"),
        Index("ix_reports_all_queue", text("(-priority)"), "id"),
        Index("ix_reports_desk_age", "desk_id", "created_day", "id"),
        # Early warnings on a scorecard: a compact's unverified reports of a period per indicator,
        # and the grave ones left unverified too long (coverage gate), counted from the index
        # alone, without reading the reports themselves.
        Index(
            "ix_reports_compact_month",
            "compact_id",
            "status",
            "incident_month",
            "primary_indicator",
            "created_day",
        ),
        # Monitoring coverage: a compact's reports of a period by region and partner, any status.
        Index("ix_reports_coverage", "compact_id", "incident_month", "region", "organisation_id"),
        # A cluster's reports with their grades: OA-3 counts reprisals with a report graded A–B
        # and 1–2 from the index alone.
        Index(
            "ix_reports_cluster_id", "cluster_id", "source_reliability", "information_credibility"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    desk_id: Mapped[int] = mapped_column(ForeignKey("desks.id"), index=True)
    compact_id: Mapped[int | None] = mapped_column(ForeignKey("compacts.id"), index=True)
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(8), index=True)  # ISO 3166-2
    incident_month: Mapped[dt.date] = mapped_column(index=True)  # first day of the month
    primary_indicator: Mapped[str] = mapped_column(String(8), index=True)
    # Its indicator codes, sorted and joined by commas ("HR-1,HR-2"), kept in step with
    # `indicators` by the events below: the duplicate suggestions read a thousand candidates'
    # codes from this one column instead of a thousand index look-ups (portal/desk/duplicates.py).
    indicator_codes: Mapped[str | None] = mapped_column(String(255))
    force_branch: Mapped[str] = mapped_column(String(24))
    severity: Mapped[int] = mapped_column(SmallInteger, default=2)  # self-rated 1 (low) – 3 (grave)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, 8), default=Channel.WEB)
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[ReportStatus] = mapped_column(
        str_enum(ReportStatus), default=ReportStatus.RECEIVED, index=True
    )
    priority: Mapped[int] = mapped_column(Integer, default=0)
    source_reliability: Mapped[str | None] = mapped_column(String(1))  # Admiralty A–F
    information_credibility: Mapped[int | None] = mapped_column(SmallInteger)  # 1–6
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("incident_clusters.id"))
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Clear only when the reporter chose to show it; otherwise it is inside the sealed payload.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_day: Mapped[dt.date] = mapped_column(default=today)
    last_activity_day: Mapped[dt.date] = mapped_column(default=today)
    retention_until: Mapped[dt.date | None] = mapped_column(index=True)
    # Split from Argon2id(receipt) under a look-up scheme: finds the report from a receipt, and
    # testing one guess against every report costs that Argon2id (portal/crypto/receipt.py).
    # NULL scheme: a first-design HMAC value that `portal receipts migrate` has not stretched yet.
    receipt_lookup: Mapped[str | None] = mapped_column(String(64), unique=True)
    receipt_scheme_id: Mapped[int | None] = mapped_column(
        ForeignKey("receipt_lookup_schemes.id"), index=True
    )
    # Keyed hashes (never plaintext) set by the intake job for duplicate suggestions and unit flags.
    fingerprint: Mapped[str | None] = mapped_column(String(64), index=True)
    unit_key: Mapped[str | None] = mapped_column(String(64), index=True)
    place_key: Mapped[str | None] = mapped_column(String(64), index=True)
    day_key: Mapped[str | None] = mapped_column(String(64))
    intake_done: Mapped[bool] = mapped_column(Boolean, default=False)
    # Sealed payload: narrative, exact date, precise place, unit and names, victims, contact,
    # hidden organisation link. AES-256-GCM under the report's data key.
    payload_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Set when retention destroyed the keys: the clear aggregate fields remain.
    shredded: Mapped[bool] = mapped_column(Boolean, default=False)

    indicators: Mapped[list[ReportIndicator]] = relationship(
        back_populates="report", cascade="all, delete-orphan", lazy="selectin"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="report", cascade="all, delete-orphan"
    )
    key_wraps: Mapped[list[ReportKeyWrap]] = relationship(
        back_populates="report", cascade="all, delete-orphan"
    )

    @property
    def codes(self) -> list[str]:
        """Its indicator codes, sorted, from `indicator_codes` (no need to load `indicators`)."""
        return self.indicator_codes.split(",") if self.indicator_codes else [self.primary_indicator]


class ReportIndicator(Base):
    __tablename__ = "report_indicators"
    __table_args__ = (UniqueConstraint("report_id", "indicator_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    indicator_code: Mapped[str] = mapped_column(String(8), index=True)

    report: Mapped[Report] = relationship(back_populates="indicators")


def join_codes(codes: Iterable[str]) -> str | None:
    """Indicator codes as `Report.indicator_codes` holds them (None for none)."""
    return ",".join(sorted(set(codes))) or None


@event.listens_for(Report.indicators, "append", propagate=True)
def _indicator_added(report: Report, added: ReportIndicator, _initiator: object) -> None:
    held = report.indicator_codes.split(",") if report.indicator_codes else []
    report.indicator_codes = join_codes([*held, added.indicator_code])


@event.listens_for(Report.indicators, "remove", propagate=True)
def _indicator_removed(report: Report, removed: ReportIndicator, _initiator: object) -> None:
    report.indicator_codes = join_codes(
        i.indicator_code for i in report.indicators if i is not removed
    )


class KeyHolder(enum.StrEnum):
    DESK = "desk"  # HPKE-sealed to a desk key version
    RECEIPT = "receipt"  # under a key split from Argon2id(receipt, scheme salt)
    # A member's copy is not a wrap row: a row naming the member would link them to the report.
    # It lives in the member's sealed list (MemberReportList).


class ReportKeyWrap(Base):
    """The report's data key, wrapped once per holder.

    Deleting these rows crypto-shreds the report: its ciphertext can never be opened again.
    """

    __tablename__ = "report_key_wraps"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    holder: Mapped[KeyHolder] = mapped_column(str_enum(KeyHolder, 16))
    desk_key_id: Mapped[int | None] = mapped_column(ForeignKey("desk_keys.id"), index=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)

    report: Mapped[Report] = relationship(back_populates="key_wraps")


class AttachmentKind(enum.StrEnum):
    IMAGE = "image"
    PDF = "pdf"
    AUDIO = "audio"


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    kind: Mapped[AttachmentKind] = mapped_column(str_enum(AttachmentKind, 8))
    # Exact sizes fingerprint a file; a coarse bucket is enough for the queue.
    size_bucket: Mapped[str] = mapped_column(String(16))
    # Opaque key of the sealed content in the blob store.
    blob_key: Mapped[str] = mapped_column(String(64), unique=True)
    # Sealed: original filename and media type.
    meta_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    from_reporter: Mapped[bool] = mapped_column(Boolean, default=True)
    created_day: Mapped[dt.date] = mapped_column(default=today)

    report: Mapped[Report] = relationship(back_populates="attachments")


class MessageDirection(enum.StrEnum):
    TO_REPORTER = "to_reporter"
    FROM_REPORTER = "from_reporter"


class Message(Base):
    """A sealed message between the desk and the reporter (under the report's data key)."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    direction: Mapped[MessageDirection] = mapped_column(str_enum(MessageDirection, 16))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_day: Mapped[dt.date] = mapped_column(default=today)


class VerifierNote(Base):
    """A verifier's working note, sealed like report content; never shown to the reporter."""

    __tablename__ = "verifier_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_day: Mapped[dt.date] = mapped_column(default=today)
