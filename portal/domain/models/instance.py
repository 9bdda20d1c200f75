"""Which instance keys this database belongs to (portal/keys/fingerprint.py)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.domain.models.base import Base


class InstanceFingerprint(Base):
    """One row: the fingerprint of the server key and receipt pepper this database was used with.

    A public digest (an HMAC under the server key); it reveals neither key."""

    __tablename__ = "instance_fingerprint"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
