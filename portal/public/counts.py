"""The exact region × quarter table of a compact's verified incidents, before any protection.

Rows are every region of the compact's country, whether or not anything happened there, plus
one row for incidents whose region is not recorded: a row that appeared only when a region had
an incident would itself say "at least one", which is exactly what suppression hides.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.assess.periods import Period, quarter_of
from portal.domain.disclosure import ALL_INDICATORS, CountTable, ReleaseKey
from portal.domain.disclosure.noisy import AreaCounts
from portal.domain.models import ClusterState, Compact, IncidentCluster, Report
from portal.i18n.places import regions

# Not an ISO 3166-2 code, so it can never collide with a real region.
UNKNOWN_REGION: Final = "unknown"

Cell = tuple[str, str]  # (region, quarter)

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


def _cells(
    session: Session, compact: Compact, quarters: tuple[Period, ...], regions: tuple[str, ...]
) -> tuple[dict[Cell, set[int]], dict[Cell, set[tuple[str, int]]]]:
    """Per (region, quarter): the incidents (cluster ids) and their distinct sources."""
    rows = session.execute(
        select(
            IncidentCluster.id,
            IncidentCluster.region,
            IncidentCluster.incident_month,
            Report.id,
            Report.organisation_id,
        )
        .outerjoin(Report, Report.cluster_id == IncidentCluster.id)
        .where(
            IncidentCluster.compact_id == compact.id,
            IncidentCluster.state.in_(COUNTED_STATES),
            IncidentCluster.incident_month >= quarters[0].first_month,
            IncidentCluster.incident_month <= quarters[-1].last_month,
        )
    ).all()
    known = set(regions)
    wanted = {str(q) for q in quarters}
    incidents: defaultdict[Cell, set[int]] = defaultdict(set)
    sources: defaultdict[Cell, set[tuple[str, int]]] = defaultdict(set)
    for cluster_id, region, month, report_id, organisation_id in rows:
        quarter = str(quarter_of(month))
        if quarter not in wanted:
            continue
        cell = (region if region in known else UNKNOWN_REGION, quarter)
        incidents[cell].add(cluster_id)
        sources[cell].add(contributor_key(cluster_id, report_id, organisation_id))
    return incidents, sources


def exact_table(session: Session, compact: Compact, quarters: tuple[Period, ...]) -> CountTable:
    """Each incident (cluster) once, in the quarter of its incident month, with the distinct
    sources behind each cell for the k ≥ 5 contributors rule (`contributor_key`)."""
    key = release_key(compact, quarters)
    incidents, sources = _cells(session, compact, quarters, key.regions)
    return CountTable(
        compact_id=key.compact_id,
        scope=key.scope,
        regions=key.regions,
        quarters=key.quarters,
        counts=tuple(
            tuple(len(incidents.get((r, q), ())) for q in key.quarters) for r in key.regions
        ),
        contributors=tuple(
            tuple(len(sources.get((r, q), ())) for q in key.quarters) for r in key.regions
        ),
    )


def area_counts(
    session: Session, compact: Compact, quarters: tuple[Period, ...]
) -> tuple[AreaCounts, dict[Cell, int]]:
    """A release's exact figures (incidents per region over its quarters, with the distinct
    sources of each region and of the whole), and the region × quarter counts under them for
    the audit across releases."""
    regions = table_regions(compact.country)
    incidents, sources = _cells(session, compact, quarters, regions)
    names = [str(q) for q in quarters]
    per_region = [set().union(*(sources.get((r, q), set()) for q in names)) for r in regions]
    exact = AreaCounts(
        regions=regions,
        counts=tuple(sum(len(incidents.get((r, q), ())) for q in names) for r in regions),
        contributors=tuple(len(s) for s in per_region),
        total_contributors=len(set().union(*per_region)),
    )
    cells = {(r, q): len(incidents.get((r, q), ())) for r in regions for q in names}
    return exact, cells


def table_cells(
    session: Session, compact: Compact, quarters: tuple[Period, ...]
) -> dict[Cell, int]:
    """Exact incidents per region × quarter, for the audit across releases."""
    if not quarters:
        return {}
    ordered = tuple(sorted(quarters, key=lambda q: (q.year, q.quarter or 0)))
    incidents, _ = _cells(session, compact, ordered, table_regions(compact.country))
    return {cell: len(ids) for cell, ids in incidents.items()}


def contributor_key(
    cluster_id: int, report_id: int | None, organisation_id: int | None
) -> tuple[str, int]:
    """Who stands behind one report of an incident, for the k ≥ 5 rule.

    A partner organisation is one contributor however many reports it files: a figure made of
    one organisation's reports tells everyone what that organisation saw. A report without an
    organisation is its own contributor (reporters are anonymous, so two reports cannot be tied
    to one person). An incident whose reports are gone (retention) still stands for someone:
    it counts as one contributor.
    """
    if organisation_id is not None:
        return ("organisation", organisation_id)
    if report_id is not None:
        return ("report", report_id)
    return ("incident", cluster_id)
