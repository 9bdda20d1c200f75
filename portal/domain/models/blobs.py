"""Sealed blobs waiting in the database for the next job tick (DESIGN §6, "At rest")."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.domain.models.base import Base


class StagedBlob(Base):
    """A padded, sealed blob a request stored with its report; the tick moves it to the store.

    A file written by the request itself would carry the second of the submission in its ctime,
    which no one can set back. Written on the tick, its times say the tick at most, and its mtime
    is set to the day. No other column: the blob key is the attachment's, the day its day.
    """

    __tablename__ = "staged_blobs"

    blob_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    day: Mapped[dt.date]
