"""The indicator catalogue as loaded into the database, one row per code and catalogue version.

The source of truth is `portal.domain.catalogue` (versioned data in the code tree); these rows
let SQL join and filter on indicators and keep old versions readable for old scorecards.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.domain.models.base import Base


class IndicatorDefinition(Base):
    __tablename__ = "indicator_definitions"
    __table_args__ = (UniqueConstraint("catalogue_version", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    catalogue_version: Mapped[str] = mapped_column(String(16), index=True)
    code: Mapped[str] = mapped_column(String(8))
    category: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(200))  # English source string; translated on display
    description: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(8))
    estimator: Mapped[str] = mapped_column(String(32))
    higher_is_better: Mapped[bool] = mapped_column(Boolean)
    hard_hurdle_from_tier: Mapped[int | None] = mapped_column(SmallInteger)
    default_threshold: Mapped[dict[str, Any]] = mapped_column(default=dict)
