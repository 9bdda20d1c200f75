"""Members' sealed lists of their own reports (DESIGN §6, Members; portal/crypto/member_list.py)."""

from __future__ import annotations

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.domain.models.base import Base


class MemberReportList(Base):
    """One member's list, found by an id derived from their personal key.

    Deliberately no user id, no report id and no time: the row must not say whose it is, which
    reports it holds or when it last grew.
    """

    __tablename__ = "member_report_lists"

    list_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
