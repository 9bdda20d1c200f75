"""The exact region × quarter table of a compact's verified incidents, before any protection.

Rows are every region of the compact's country, whether or not anything happened there, plus
one row for incidents whose region is not recorded: a row that appeared only when a region had
an incident would itself say "at least one", which is exactly what suppression hides.
"""

from __future__ import annotations

from collections import Counter
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.assess.periods import Period, quarter_of
from portal.domain.disclosure import ALL_INDICATORS, CountTable, ReleaseKey
from portal.domain.models import ClusterState, Compact, IncidentCluster
from portal.i18n.places import regions

# Not an ISO 3166-2 code, so it can never collide with a real region.
UNKNOWN_REGION: Final = "unknown"

# indicators.md: only verified or partially verified incidents feed anything public.
COUNTED_STATES: Final = (ClusterState.VERIFIED, ClusterState.PARTIALLY_VERIFIED)


def table_regions(country: str) -> tuple[str, ...]:
    # Sorted by code, not name: the table's identity must not depend on the reader's language.
    return (*sorted(place.code for place in regions(country)), UNKNOWN_REGION)


def release_key(compact: Compact, quarters: tuple[Period, ...]) -> ReleaseKey:
    return ReleaseKey(
        compact_id=str(compact.id),
        scope=ALL_INDICATORS,
        regions=table_regions(compact.country),
        quarters=tuple(str(q) for q in quarters),
    )


def exact_table(session: Session, compact: Compact, quarters: tuple[Period, ...]) -> CountTable:
    """Each incident (cluster) once, in the quarter of its incident month."""
    key = release_key(compact, quarters)
    rows = session.execute(
        select(IncidentCluster.region, IncidentCluster.incident_month, func.count())
        .where(
            IncidentCluster.compact_id == compact.id,
            IncidentCluster.state.in_(COUNTED_STATES),
            IncidentCluster.incident_month >= quarters[0].first_month,
            IncidentCluster.incident_month <= quarters[-1].last_month,
        )
        .group_by(IncidentCluster.region, IncidentCluster.incident_month)
    ).all()
    known = set(key.regions)
    counts: Counter[tuple[str, str]] = Counter()
    for region, month, n in rows:
        row = region if region in known else UNKNOWN_REGION
        counts[row, str(quarter_of(month))] += int(n)
    return CountTable(
        compact_id=key.compact_id,
        scope=key.scope,
        regions=key.regions,
        quarters=key.quarters,
        counts=tuple(tuple(counts[r, q] for q in key.quarters) for r in key.regions),
    )
