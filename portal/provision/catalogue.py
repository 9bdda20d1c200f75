"""Load the versioned indicator catalogue into the database (idempotent)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.catalogue import CATALOGUE_VERSION, INDICATORS, Direction
from portal.domain.models import IndicatorDefinition


def sync_catalogue(session: Session) -> int:
    """Insert this catalogue version's indicators if missing; returns how many were added.

    Rows of a version are never edited: a changed catalogue is a new version, so old scorecards
    keep pointing at the definitions they were computed with.
    """
    present = set(
        session.scalars(
            select(IndicatorDefinition.code).where(
                IndicatorDefinition.catalogue_version == CATALOGUE_VERSION
            )
        )
    )
    added = 0
    for item in INDICATORS:
        if item.code in present:
            continue
        rule = item.pass_rule
        session.add(
            IndicatorDefinition(
                catalogue_version=CATALOGUE_VERSION,
                code=item.code,
                category=item.category.code,
                name=item.name,
                description=item.measures,
                source=item.source.value,
                estimator=item.estimator.value,
                higher_is_better=item.direction == Direction.HIGHER_IS_BETTER,
                hard_hurdle_from_tier=item.hurdle_from_tier,
                default_threshold={
                    "kind": rule.kind.value,
                    "value": rule.value,
                    "inclusive": rule.inclusive,
                    "by_tier": [list(pair) for pair in rule.by_tier],
                },
            )
        )
        added += 1
    return added
