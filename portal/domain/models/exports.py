"""Data exports built in the background for one assessor (docs/exports.md).

An export holds aggregates only (scorecard entries, indicator time series, verified-incident
counts), never report content. Its times are staff-facing: when an assessor asked for a file and
until when it may be fetched, precise to the second because expiry is counted in hours.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.domain.models.base import Base, new_public_id, str_enum, utcnow


class ExportKind(enum.StrEnum):
    SCORECARDS = "scorecards"  # the latest scorecard of every period
    TIMESERIES = "timeseries"  # per indicator: estimate, interval and state across periods
    INCIDENTS = "incidents"  # verified-incident counts and weight sums per indicator × quarter


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    JSON = "json"


class ExportState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class DataExport(Base):
    """One requested export: its state, its progress and, once done, the file itself.

    The file lives in the database, not on a worker's disk: any web process can serve it, and
    purging the row is all it takes to forget it.
    """

    __tablename__ = "data_exports"
    # Ids are never reused on SQLite either: an outbox job naming a purged export must not
    # build the next one to take its id.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the URLs show: sequential ids would tell one assessor how many others export.
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    requested_by_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    compact_id: Mapped[int] = mapped_column(
        ForeignKey("compacts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ExportKind] = mapped_column(str_enum(ExportKind, 16))
    format: Mapped[ExportFormat] = mapped_column(str_enum(ExportFormat, 8))
    period: Mapped[str | None] = mapped_column(String(8))  # None: the whole term
    state: Mapped[ExportState] = mapped_column(
        str_enum(ExportState, 16), default=ExportState.QUEUED, index=True
    )
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    rows_total: Mapped[int | None] = mapped_column(Integer)
    # The exception type only, as for outbox jobs: some libraries quote values in messages.
    error: Mapped[str | None] = mapped_column(String(64))
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    filename: Mapped[str | None] = mapped_column(String(128))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
