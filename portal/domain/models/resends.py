"""What lets a resent report find its first copy (issue 13.5; docs/security.md, "Sending twice")."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from portal.domain.models.base import Base


class SentOnce(Base):
    """One report form or API `Idempotency-Key` that was already used.

    The key is a hash of the token the browser or client holds; the receipt is sealed under a key
    derived from that token, so the row opens nothing without it. It names no report, and keeps
    no time finer than the day it may be deleted on. A web receipt is cleared when first shown;
    an API receipt stays until the row expires, for clients retrying after a lost answer.
    """

    __tablename__ = "sent_once"

    lookup: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    sealed_receipt: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # The request's fingerprint, keyed by the token like the receipt: an API key reused for a
    # different report is refused instead of answering with another report's receipt.
    sealed_digest: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    expires_on: Mapped[dt.date]
