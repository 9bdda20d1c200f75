"""Shredding reports keeps the incidents they verified: cluster links, states and weights stay."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy.orm import Session

from portal.desk import clusters
from portal.desk import service as desk
from portal.domain.models import ClusterState, IncidentCluster
from portal.jobs.retention import purge_expired
from tests.retention.conftest import TODAY, S, file_report, move, report_of, store_of, verifier


def test_a_verified_incident_outlives_its_shredded_reports(demo: Flask, session: Session) -> None:
    first = file_report(demo, session)
    second = file_report(demo, session)
    user = verifier(session)
    for filed in (first, second):
        move(session, filed, S.VERIFIED)
        desk.grade(session, user, report_of(session, filed), "B", 2)
    cluster = clusters.new_cluster(session, user, report_of(session, first))
    clusters.link(session, user, report_of(session, second), cluster)
    clusters.set_state(session, user, cluster, ClusterState.VERIFIED)
    # No service writes summaries yet; a sealed one stands in for the desk's account.
    cluster.summary_sealed = b"\x02" * 48
    cluster.summary_key_wrapped = b"\x03" * 48
    session.commit()
    weight = cluster.weight
    assert weight > 0

    desk.transition(session, user, report_of(session, first), S.CLOSED)
    session.commit()
    assert purge_expired(session, store_of(demo), TODAY + dt.timedelta(days=730)).total == 1

    shredded = report_of(session, first)
    assert shredded.shredded and shredded.cluster_id == cluster.id
    assert (shredded.source_reliability, shredded.information_credibility) == ("B", 2)
    kept = session.get(IncidentCluster, cluster.id)
    assert kept is not None
    # Another member is still readable, so the summary that retells it stays.
    assert kept.summary_sealed is not None
    assert clusters.recompute_weight(session, cluster.id) == weight

    desk.transition(session, user, report_of(session, second), S.CLOSED)
    session.commit()
    assert purge_expired(session, store_of(demo), TODAY + dt.timedelta(days=730)).total == 1

    session.expire_all()
    kept = session.get(IncidentCluster, cluster.id)
    assert kept is not None
    assert (kept.summary_sealed, kept.summary_key_wrapped) == (None, None)
    assert kept.state == ClusterState.VERIFIED and kept.verified_day == TODAY
    assert (kept.indicator_code, kept.region, kept.unit_key) == (
        "IC-1",
        "IQ-BG",
        cluster.unit_key,
    )
    assert kept.unit_key is not None
    assert clusters.recompute_weight(session, cluster.id) == weight
