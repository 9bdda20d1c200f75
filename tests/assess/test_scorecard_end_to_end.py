"""Reports → verified on the desk → the compact's scorecard changes; recomputation is identical."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.assess.periods import Period
from portal.assess.scoring import compute_scorecard, matches_stored, recompute
from portal.assess.scoring_job import mark_scorecards_stale
from portal.domain.models import Compact, IncidentCluster, Report, Role, Scorecard
from portal.reporter.service import Submission, submit_report
from portal.web.services import EXTENSION
from tests.conftest import csrf_token, sign_in

YEAR = Period(2026)


def _submit(app: Flask, session: Session, choice: str, unit: str, n: int) -> list[str]:
    services = app.extensions[EXTENSION]
    compact = session.scalar(select(Compact).where(Compact.country == "IQ"))
    assert compact is not None
    ids = []
    for i in range(n):
        ids.append(
            submit_report(
                session,
                Submission(
                    compact_public_id=compact.public_id,
                    choice_keys=(choice,),
                    incident_month=dt.date(2026, 1 + i % 9, 1),
                    region="IQ-BG",
                    force_branch="army",
                    narrative=f"incident {i}",
                    language="ar",
                    unit=unit,
                ),
                keyring=services.keyring,
                limits=services.config.attachments,
                today_=dt.date(2026, 10, 1),
            ).public_id
        )
    session.commit()
    return ids


def _verify_on_desk(client, public_id: str) -> None:  # type: ignore[no-untyped-def]
    page = f"/desk/reports/{public_id}"
    token = csrf_token(client, page)
    assert (
        client.post(
            f"{page}/grade", data={"csrf_token": token, "reliability": "A", "credibility": "1"}
        ).status_code
        == 302
    )
    # An incident is verified only on a verified report (issue 10.5).
    for target in ("triaged", "in_review", "verified"):
        assert (
            client.post(f"{page}/status", data={"csrf_token": token, "status": target}).status_code
            == 302
        )
    assert (
        client.post(f"{page}/cluster", data={"csrf_token": token, "cluster": "new"}).status_code
        == 302
    )
    body = client.get(page).get_data(as_text=True)
    cluster_id = body.split("/desk/clusters/")[1].split('"')[0]
    assert (
        client.post(
            f"/desk/clusters/{cluster_id}", data={"csrf_token": token, "state": "verified"}
        ).status_code
        == 302
    )


def test_verifying_grave_violations_moves_the_scorecard_and_it_recomputes_identically(
    app: Flask,
    session: Session,
    make_user,  # type: ignore[no-untyped-def]
) -> None:
    assert app.test_cli_runner().invoke(args=["portal", "demo", "--empty"]).exit_code == 0
    make_user("desk@example.org", roles=(Role.VERIFIER,), desks=("IQ",))
    compact = session.scalar(select(Compact).where(Compact.country == "IQ"))
    assert compact is not None

    before = compute_scorecard(session, compact, YEAR)
    session.commit()
    hr1_before = next(e for e in before.entries if e.indicator_code == "HR-1")
    assert hr1_before.state in {"PASS", "INDETERMINATE"}  # zero verified incidents so far

    ids = _submit(app, session, "HR-1.torture", unit="7th Brigade checkpoint", n=4)
    client = app.test_client()
    sign_in(client, "desk@example.org")
    for public_id in ids:
        _verify_on_desk(client, public_id)

    session.expire_all()
    verified = session.scalars(
        select(IncidentCluster).where(IncidentCluster.state == "verified")
    ).all()
    assert len(verified) == 4 and all(c.weight == 1.0 for c in verified)
    # Each verification queued the scoring job. Without Redis it already ran inline; with Redis
    # it waits in the scoring queue, so run the same job function here (it is idempotent).
    mark_scorecards_stale(session, compact.id)
    session.commit()
    after = compute_scorecard(session, compact, YEAR)
    session.commit()
    assert after.id != before.id and not after.stale
    hr1 = next(e for e in after.entries if e.indicator_code == "HR-1")
    assert hr1.evidence_count == 4
    assert hr1.estimate is not None and hr1_before.estimate is not None
    assert hr1.estimate > hr1_before.estimate
    # Four grave violations by one unit within 12 months flag the unit: HR-1 fails.
    assert hr1.state == "FAIL"
    assert after.assessment["flagged_units"], "the unit should be flagged"
    assert after.recommended_tier == 0

    for row in (before, after):
        assert matches_stored(row, recompute(session, row))
    # Same evidence again: the same snapshot and scorecard, nothing new stored.
    again = compute_scorecard(session, compact, YEAR)
    assert again.id == after.id
    assert session.scalar(select(Report).where(Report.public_id == ids[0])) is not None
    assert session.scalar(select(Scorecard).where(Scorecard.id == before.id)).stale, (
        "the scorecard computed before the evidence changed is marked stale"
    )
