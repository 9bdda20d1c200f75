"""Issue 10, point 7: the k ≥ 5 contributors rule applies, because the public table passes the
distinct sources behind each cell (`portal.public.counts.exact_table`)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.assess.periods import Period
from portal.domain.disclosure import SuppressionReason, plan_suppression
from portal.domain.disclosure.noisy import Allocation, Hidden, noisy_figures
from portal.domain.models import Compact, Desk, IncidentCluster, Organisation, Report
from portal.public.counts import area_counts, exact_table

from .conftest import QUARTERS_2026, add_clusters

QUARTERS = tuple(Period.parse(q) for q in QUARTERS_2026)


def _report_every_cluster(
    session: Session, compact: Compact, region: str, organisations: list[Organisation | None]
) -> None:
    desk = session.scalar(select(Desk).where(Desk.code == compact.country))
    assert desk is not None
    clusters = session.scalars(
        select(IncidentCluster).where(
            IncidentCluster.compact_id == compact.id, IncidentCluster.region == region
        ).order_by(IncidentCluster.id)
    ).all()
    for n, cluster in enumerate(clusters):
        organisation = organisations[n % len(organisations)]
        session.add(
            Report(
                desk_id=desk.id,
                compact_id=compact.id,
                country=compact.country,
                region=region,
                incident_month=cluster.incident_month,
                primary_indicator=cluster.indicator_code,
                force_branch="police",
                language="en",
                cluster_id=cluster.id,
                organisation_id=organisation.id if organisation is not None else None,
            )
        )
    session.commit()


def _organisation(session: Session, name: str) -> Organisation:
    found = Organisation(public_id=name, name=name, country="IQ", verified=True)
    session.add(found)
    session.flush()
    return found


def test_a_cell_reported_by_one_organisation_is_withheld_for_few_contributors(
    demo: Compact, session: Session
) -> None:
    add_clusters(session, demo, {"IQ-BA": (20, 0, 0, 0), "IQ-AN": (20, 0, 0, 0)})
    one = _organisation(session, "one-org")
    _report_every_cluster(session, demo, "IQ-BA", [one])  # 20 incidents, one source
    many = [_organisation(session, f"org-{i}") for i in range(3)]
    _report_every_cluster(session, demo, "IQ-AN", [*many, None])  # 3 organisations + anonymous

    table = exact_table(session, demo, QUARTERS)
    assert table.contributors is not None
    ba, an = table.regions.index("IQ-BA"), table.regions.index("IQ-AN")
    assert table.counts[ba][0] == 20 and table.contributors[ba][0] == 1
    # Each anonymous report is its own contributor: 3 organisations + 5 anonymous reports.
    assert table.counts[an][0] == 20 and table.contributors[an][0] == 3 + 5

    # The release's figures: Baghdad's 20 incidents over the half-year come from one source.
    exact, _ = area_counts(session, demo, QUARTERS[:2])
    assert exact.counts[ba] == 20 and exact.contributors[ba] == 1
    assert exact.contributors[an] == 8 and exact.total_contributors == 9
    figures = noisy_figures(exact, Decimal("0.5"), Allocation(), np.random.default_rng(5))
    assert figures.regions[ba].hidden is Hidden.FEW_SOURCES
    assert figures.regions[an].hidden is not Hidden.FEW_SOURCES

    pattern = plan_suppression(table)  # the region × quarter table assessors' tools use
    assert pattern.cells[ba][0] is SuppressionReason.FEW_CONTRIBUTORS
    # Eight sources: not withheld for its contributors (it may still be a complement).
    assert pattern.cells[an][0] is not SuppressionReason.FEW_CONTRIBUTORS


def test_an_incident_without_reports_still_stands_for_one_contributor(
    demo: Compact, session: Session
) -> None:
    add_clusters(session, demo, {"IQ-BA": (12, 0, 0, 0)})
    table = exact_table(session, demo, QUARTERS)
    assert table.contributors is not None
    ba = table.regions.index("IQ-BA")
    assert table.contributors[ba][0] == 12
    assert plan_suppression(table).cells[ba][0] is None
