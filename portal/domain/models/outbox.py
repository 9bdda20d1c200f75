"""Transactional outbox: a job committed with the data it is about (DESIGN §4, §7)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.domain.models.base import Base, str_enum, today


class OutboxState(enum.StrEnum):
    PENDING = "pending"  # committed, not yet handed to the queue (or Redis was down)
    ENQUEUED = "enqueued"  # in rq; the job marks it done
    DONE = "done"
    FAILED = "failed"


class OutboxJob(Base):
    """A job to run after commit. Arguments are ids only: Redis is no place for secrets.

    No precise timestamp: an intake row's creation time would be a report's exact submit time.
    The sweeper re-enqueues every pending row; jobs are idempotent and use the row id as the rq
    job id, so a row swept twice still runs its work once.
    """

    __tablename__ = "outbox_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    queue: Mapped[str] = mapped_column(String(24))
    job: Mapped[str] = mapped_column(String(64))
    args: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[OutboxState] = mapped_column(
        str_enum(OutboxState, 16), default=OutboxState.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_day: Mapped[dt.date] = mapped_column(default=today)
