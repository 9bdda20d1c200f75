# ruff: noqa: F811  (the desk fixtures of test_queue are imported, then named as parameters)
"""Incidents follow their reports (issue 10.5) and are a list a desk can work (issue 12.1).

An incident is Verified only while a verified, graded report carries it; rejecting, merging or
splitting reports recomputes it and flags the compact's scorecards "new evidence since". The
incident list filters and sorts, reports join by being chosen, split and merge are audit-logged.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.assess.periods import Period
from portal.assess.scoring import compute_scorecards
from portal.desk import clusters
from portal.domain.models import (
    ClusterState,
    Compact,
    IncidentCluster,
    OutboxJob,
    OutboxState,
    Scorecard,
    User,
)
from tests.desk.pages import audit_events, follow, page_text, post_form
from tests.desk.test_queue import (  # noqa: F401  (fixtures)
    MyDesks,
    _cluster,
    _grade,
    _post,
    _set_state,
    _verify_report,
    desk,
    incident,
)

INCIDENT_LINK = re.compile(r'href="/desk/clusters/([A-Za-z0-9_-]+)"')


def _path(cluster: IncidentCluster) -> str:
    return f"/desk/clusters/{cluster.public_id}"


def _scoring_jobs(session: Session) -> list[OutboxJob]:
    session.expire_all()
    return list(session.scalars(select(OutboxJob).where(OutboxJob.queue == "scoring")))


def _state(session: Session, cluster: IncidentCluster) -> ClusterState:
    session.expire_all()
    found = session.get(IncidentCluster, cluster.id)
    assert found is not None
    return found.state


def test_an_incident_cannot_be_verified_with_no_verified_report(
    session: Session, desk: MyDesks, incident: IncidentCluster
) -> None:
    # Graded but not verified: the reports are still triaged or received.
    _grade(desk, "checkpoint", "A1")
    _grade(desk, "killing", "A1")
    for state in (ClusterState.VERIFIED, ClusterState.PARTIALLY_VERIFIED):
        response = post_form(
            desk.browser, _path(incident), {"state": state.value}, token_from=_path(incident)
        )
        assert response.status_code == 400
        assert "only when at least one of its reports is verified and graded" in page_text(response)
        assert _state(session, incident) == ClusterState.OPEN
    assert _scoring_jobs(session) == []
    assert audit_events(session, "cluster.state", incident.public_id) == []

    # A verified but ungraded report does not carry it either.
    for target in ("triaged", "in_review", "verified"):
        _post(desk, "crossfire", "status", {"status": target})
    _post(desk, "crossfire", "grade", {"reliability": "", "credibility": ""})
    response = post_form(
        desk.browser, _path(incident), {"state": "verified"}, token_from=_path(incident)
    )
    assert response.status_code == 400
    with_service = session.get(IncidentCluster, incident.id)
    assert with_service is not None
    user = session.get(User, desk.me.id)
    assert user is not None
    try:
        clusters.set_state(session, user, with_service, ClusterState.VERIFIED)
    except clusters.NotSupported:
        session.rollback()
    else:  # pragma: no cover - the assertion below names the failure
        raise AssertionError("the service verified an incident with no verified report")

    # One verified, graded report: now it can.
    _verify_report(desk, "checkpoint", "B2")
    page = _set_state(desk, incident, ClusterState.VERIFIED)
    assert "Incident verification saved." in page
    assert _state(session, incident) == ClusterState.VERIFIED
    assert "This incident counts on the scorecard as “Verified” evidence" in page


def test_rejecting_the_only_verified_report_steps_the_incident_down_and_flags_scorecards(
    session: Session, desk: MyDesks, incident: IncidentCluster
) -> None:
    compact = session.scalar(select(Compact).where(Compact.country == "IQ"))
    assert compact is not None
    _verify_report(desk, "checkpoint", "B2")
    _set_state(desk, incident, ClusterState.VERIFIED)
    period = Period.parse(
        f"{incident.incident_month.year}-Q{(incident.incident_month.month + 2) // 3}"
    )
    [before] = compute_scorecards(session, compact, [period]).values()
    session.commit()
    assert before.stale is False
    jobs_before = len(_scoring_jobs(session))

    # The verification is taken back and the report rejected.
    _post(desk, "checkpoint", "status", {"status": "in_review"})
    page = _post(desk, "checkpoint", "status", {"status": "rejected"})
    assert "Status changed." in page
    assert _state(session, incident) == ClusterState.OPEN
    stepped = audit_events(session, "cluster.state", incident.public_id)[-1]
    assert stepped.detail == {
        "from": "verified",
        "to": "open",
        "because": "report.transition",
    }
    assert len(_scoring_jobs(session)) > jobs_before
    # The scoring job ran (inline without Redis): the old scorecard says new evidence arrived.
    session.expire_all()
    old = session.get(Scorecard, before.id)
    assert old is not None
    latest = max(_scoring_jobs(session), key=lambda job: job.id)
    if latest.state == OutboxState.DONE:  # inline without Redis; a worker runs it with Redis
        assert old.stale is True


def test_a_partially_verified_report_keeps_the_incident_partially_verified(
    session: Session, desk: MyDesks, incident: IncidentCluster
) -> None:
    _verify_report(desk, "checkpoint", "B2")
    _grade(desk, "crossfire", "C3")
    for target in ("triaged", "in_review", "partially_verified"):
        _post(desk, "crossfire", "status", {"status": target})
    _set_state(desk, incident, ClusterState.VERIFIED)
    _post(desk, "checkpoint", "status", {"status": "in_review"})
    assert _state(session, incident) == ClusterState.PARTIALLY_VERIFIED


def test_the_incident_list_filters_and_sorts(
    session: Session, desk: MyDesks, incident: IncidentCluster
) -> None:
    _grade(desk, "checkpoint", "A1")  # the three-report incident: weight 100%
    _post(desk, "detention", "cluster", {"cluster": "new"})
    _grade(desk, "detention", "C3")
    second = _cluster(session, desk, "detention")
    assert second.id != incident.id

    def listed(query: str = "") -> list[str]:
        response = desk.browser.get("/desk/incidents" + (f"?{query}" if query else ""))
        assert response.status_code == 200
        return list(dict.fromkeys(INCIDENT_LINK.findall(response.get_data(as_text=True))))

    assert set(listed()) == {incident.public_id, second.public_id}
    assert listed("sort=weight") == [incident.public_id, second.public_id]
    assert listed("region=IQ-BG") == [second.public_id]
    assert listed("indicator=HR-2") == [second.public_id]
    assert listed("indicator=IC-1&region=IQ-NI") == [incident.public_id]
    month = incident.incident_month.strftime("%Y-%m")
    assert set(listed(f"month={month}")) == {incident.public_id, second.public_id}
    assert listed("month=2001-01") == []
    assert listed("state=verified") == []
    text = page_text(desk.browser.get("/desk/incidents?sort=weight"))
    assert "Very strong · 100%" in text and "Moderate · 30%" in text
    # Another desk's verifier sees none of them.
    assert listed("state=open") != []


def test_a_report_joins_an_incident_by_choosing_it(
    session: Session, desk: MyDesks, incident: IncidentCluster
) -> None:
    # From the report's page: search the desk's incidents, pick one.
    report_path = f"/desk/reports/{desk.ids('reprisal')[0]}"
    page = page_text(desk.browser.get(report_path + "?region=&month=&indicator="))
    assert incident.public_id in page
    follow(
        desk.browser,
        post_form(
            desk.browser,
            report_path + "/cluster",
            {"cluster": "join", "incident": incident.public_id},
            token_from=report_path,
        ),
    )
    assert _cluster(session, desk, "reprisal").id == incident.id
    [event] = audit_events(session, "cluster.link", desk.ids("reprisal")[0])
    assert event.detail == {"cluster": incident.public_id}

    # From the incident's page: the search lists reports; several are added at once.
    page = page_text(desk.browser.get(_path(incident) + "?region=IQ-BG&month=&indicator="))
    assert (
        desk.ids("detention")[0] in page
        and desk.ids("checkpoint")[0] not in page.split("Add reports to this incident")[1]
    )
    page = follow(
        desk.browser,
        post_form(
            desk.browser,
            _path(incident) + "/join",
            {"reports": desk.ids("detention")},
            token_from=_path(incident),
        ),
    )
    assert "1 report added to the incident." in page
    assert _cluster(session, desk, "detention").id == incident.id
    # A report of another desk cannot be chosen: it does not exist for the incident's page.
    response = post_form(
        desk.browser,
        _path(incident) + "/join",
        {"reports": desk.ids("niger")},
        token_from=_path(incident),
    )
    assert response.status_code == 404


def test_split_and_merge_are_audit_logged_and_recompute_the_incident(
    session: Session, desk: MyDesks, incident: IncidentCluster
) -> None:
    _verify_report(desk, "checkpoint", "B2")
    _grade(desk, "killing", "C3")
    _set_state(desk, incident, ClusterState.VERIFIED)
    jobs = len(_scoring_jobs(session))

    # Splitting the verified report away leaves an incident nobody verified: it steps down.
    response = post_form(
        desk.browser,
        _path(incident) + "/split",
        {"reports": desk.ids("checkpoint")},
        token_from=_path(incident),
    )
    assert response.status_code == 302
    fresh_id = response.headers["Location"].rsplit("/", 1)[1]
    split_off = session.scalar(select(IncidentCluster).where(IncidentCluster.public_id == fresh_id))
    assert split_off is not None and split_off.state == ClusterState.OPEN
    split_id, split_public = split_off.id, split_off.public_id
    assert _cluster(session, desk, "checkpoint").id == split_off.id
    assert _state(session, incident) == ClusterState.OPEN
    [event] = audit_events(session, "cluster.split", incident.public_id)
    assert event.detail == {"into": fresh_id, "reports": 1}
    assert len(_scoring_jobs(session)) > jobs

    # Splitting every report away is refused.
    response = post_form(
        desk.browser,
        _path(split_off) + "/split",
        {"reports": desk.ids("checkpoint")},
        token_from=_path(split_off),
    )
    assert "leave at least one" in follow(desk.browser, response)

    # Merging brings them back together; the emptied incident is gone.
    response = post_form(
        desk.browser,
        _path(split_off) + "/merge",
        {"into": incident.public_id},
        token_from=_path(split_off),
    )
    assert "The incidents are merged into this one." in follow(desk.browser, response)
    session.expire_all()
    assert session.scalar(select(IncidentCluster.id).where(IncidentCluster.id == split_id)) is None
    assert _cluster(session, desk, "checkpoint").id == incident.id
    [merged] = audit_events(session, "cluster.merge", split_public)
    assert merged.detail == {"into": incident.public_id, "reports": 1}
    # Merging into itself, or into an incident that does not exist, changes nothing.
    response = post_form(
        desk.browser,
        _path(incident) + "/merge",
        {"into": incident.public_id},
        token_from=_path(incident),
    )
    assert "Choose another incident" in follow(desk.browser, response)
    ok = desk.browser.application.test_cli_runner().invoke(args=["portal", "audit", "verify"])
    assert ok.exit_code == 0, ok.output


def test_verifying_a_report_says_what_its_incident_counts_for(
    session: Session, desk: MyDesks, incident: IncidentCluster
) -> None:
    _grade(desk, "checkpoint", "B2")
    _post(desk, "checkpoint", "status", {"status": "in_review"})
    page = _post(desk, "checkpoint", "status", {"status": "verified"})
    assert "Its incident is not verified yet, so it does not count on the scorecard" in page
    assert "This incident does not count on the scorecard" in page
    _set_state(desk, incident, ClusterState.VERIFIED)
    _post(desk, "checkpoint", "status", {"status": "in_review"})
    _post(desk, "crossfire", "grade", {"reliability": "B", "credibility": "2"})
    _post(desk, "crossfire", "status", {"status": "triaged"})
    _post(desk, "crossfire", "status", {"status": "in_review"})
    _post(desk, "checkpoint", "status", {"status": "verified"})
    _set_state(desk, incident, ClusterState.VERIFIED)
    page = _post(desk, "crossfire", "status", {"status": "verified"})
    assert "Its incident counts on the scorecard with weight Strong · 87%" in page
    # A verified report on its own says it needs an incident.
    _grade(desk, "reprisal", "B2")
    for target in ("triaged", "in_review", "verified"):
        page = _post(desk, "reprisal", "status", {"status": target})
    assert "counts on the scorecard only through an incident" in page
