"""The instance-wide salts and costs receipts are looked up under (DESIGN §6, Receipts)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Integer, LargeBinary, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.domain.models.base import Base, today


class ReceiptLookupScheme(Base):
    """One Argon2id salt and cost; a report's receipt look-up id was derived under one of them.

    Kept in the database, not the instance folder, so a restored database finds its receipts: the
    salt is no secret (the pepper in the instance folder is Argon2's secret input). A new scheme
    starts when the configured costs change; old receipts keep theirs and still open.
    """

    __tablename__ = "receipt_lookup_schemes"
    __table_args__ = (UniqueConstraint("memory_kib", "iterations", "lanes", "legacy"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    salt: Mapped[bytes] = mapped_column(LargeBinary)
    memory_kib: Mapped[int] = mapped_column(Integer)
    iterations: Mapped[int] = mapped_column(Integer)
    lanes: Mapped[int] = mapped_column(Integer)
    # Stretches the first design's HMAC look-up value instead of the receipt (migrated reports).
    legacy: Mapped[bool] = mapped_column(Boolean, default=False)
    created_day: Mapped[dt.date] = mapped_column(default=today)
