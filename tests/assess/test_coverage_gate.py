"""Issue 10 point 1 end to end: the 46M silence case, the coverage figures measured from the
database, and every default changed through a new plan version (CLI and service)."""

from __future__ import annotations

import datetime as dt
import json

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.assess.periods import Period
from portal.assess.plans import current_plan
from portal.assess.scoring import compute_scorecard
from portal.domain.catalogue import INDICATORS, Source
from portal.domain.models import AssessorDatum, AuditEvent, Role
from portal.domain.workflow import ReportStatus
from portal.i18n.places import regions
from tests.assess import world
from tests.conftest import sign_in

YEAR = Period(2026)
REPORT_FED = {i.code for i in INDICATORS if i.source is not Source.ASSESSOR}
TODAY = dt.date(2027, 2, 1)


def _three_audits(session: Session, compact_id: int) -> None:
    for code, values in (
        ("PM-1", {"kind": "proportion", "successes": 95.0, "failures": 5.0}),
        ("PM-2", {"kind": "proportion", "successes": 980.0, "failures": 20.0}),
        ("IC-2", {"kind": "proportion", "successes": 960.0, "failures": 10.0}),
    ):
        session.add(AssessorDatum(compact_id=compact_id, indicator_code=code, period="2026",
                                  values=values, provenance="an audit of the test compact"))
    session.flush()


def test_a_silent_46m_compact_gets_tier_0_and_the_page_says_why(
    app: Flask, session: Session, make_user,  # type: ignore[no-untyped-def]
) -> None:
    compact = world.demo_iraq(app, session)
    assert compact.population == 46_000_000
    world.board_plan(session, compact)  # HR-1 has a threshold, so only the gate holds it back
    _three_audits(session, compact.id)
    card = compute_scorecard(session, compact, YEAR, today=TODAY)
    session.commit()
    states = {e.indicator_code: e.state for e in card.entries}
    assert {c for c, s in states.items() if s == "PASS"} == {"PM-1", "PM-2", "IC-2"}
    assert card.recommended_tier == 0 and card.coverage_met is False
    held = {e.indicator_code for e in card.entries if e.basis.get("held")}
    assert {"HR-1", "OA-3"} <= held <= REPORT_FED  # IC-1, HR-2, CH-1: no peers to compare yet
    coverage = card.assessment["coverage"]
    assert coverage["measured"] and not coverage["met"]
    figures = {r["criterion"]: r for r in coverage["results"]}
    assert figures["reports"]["figure"] == 0 and not figures["reports"]["met"]
    assert figures["population"]["figure"] == 0.0

    make_user("assessor@example.org", roles=(Role.ASSESSOR,))
    client = app.test_client()
    sign_in(client, "assessor@example.org")
    page = client.get(f"/assess/compacts/{compact.slug}?period=2026").get_data(as_text=True)
    assert "Monitoring coverage is below the plan's minimum" in page
    assert "silence is not a clean record" in page  # HR-1's own reason
    assert "Reports of any kind about the period" in page
    assert "Compact board, test" in page  # HR-1's threshold with its source
    assert "reporting fraction p = 0.1" in page


def test_coverage_is_measured_from_reports_partners_regions_and_backlog(
    app: Flask, session: Session
) -> None:
    compact = world.demo_iraq(app, session)
    world.board_plan(session, compact)
    orgs = world.partners(session)
    world.monitored(session, compact, Period(2026, 1), orgs)
    card = compute_scorecard(session, compact, Period(2026, 1), today=TODAY)
    figures = {r["criterion"]: r for r in card.assessment["coverage"]["results"]}
    assert figures["reports"]["figure"] == 3 * len(regions("IQ"))
    assert figures["partners"]["figure"] == 3
    assert figures["population"]["figure"] == 1.0
    assert card.coverage_met is True
    states = {e.indicator_code: e.state for e in card.entries}
    assert states["HR-1"] == "PASS" and states["OA-3"] == "PASS"

    # One grave-violation report still unverified 61 days after it arrived closes the gate.
    session.add(world.report(compact, dt.date(2026, 3, 1), "HR-1", ReportStatus.IN_REVIEW,
                             region="IQ-BG", created=TODAY - dt.timedelta(days=61)))
    session.flush()
    card = compute_scorecard(session, compact, Period(2026, 1), today=TODAY)
    figures = {r["criterion"]: r for r in card.assessment["coverage"]["results"]}
    assert figures["backlog"]["figure"] == 1 and card.coverage_met is False
    assert {e.indicator_code: e.state for e in card.entries}["HR-1"] == "INDETERMINATE"


def test_every_default_changes_through_a_new_plan_version_from_the_cli(
    app: Flask, session: Session
) -> None:
    compact = world.demo_iraq(app, session)
    world.board_plan(session, compact)
    orgs = world.partners(session)
    world.monitored(session, compact, Period(2026, 1), orgs)
    before = compute_scorecard(session, compact, Period(2026, 1), today=TODAY)
    session.commit()
    assert before.coverage_met is True
    version = current_plan(session, compact).version

    runner = app.test_cli_runner()
    result = runner.invoke(args=[
        "portal", "plan", "set", "--compact", compact.slug, "--note", "Stricter monitoring",
        "--set", "coverage.min_reports=100",
        "--set", "reporting_fractions.HR-1.value=0.25",
        "--set", "reporting_fractions.HR-1.source=Capture-recapture against hospital records",
        "--set", "thresholds.HR-1.value=0.5",
        "--set", "thresholds.HR-1.source=Board, second meeting",
    ])
    assert result.exit_code == 0, result.output
    assert f"plan version {version + 1} saved" in result.output
    shown = json.loads(runner.invoke(args=["portal", "plan", "show", "--compact",
                                           compact.slug]).output)
    assert shown["version"] == version + 1
    assert shown["rules"]["coverage"]["min_reports"] == 100
    assert shown["rules"]["reporting_fractions"]["HR-1"] == {
        "value": 0.25, "source": "Capture-recapture against hospital records"
    }
    assert shown["thresholds"]["HR-1"] == {"value": 0.5, "source": "Board, second meeting"}
    old = json.loads(runner.invoke(args=["portal", "plan", "show", "--compact", compact.slug,
                                         "--version", str(version)]).output)
    assert old["rules"]["coverage"]["min_reports"] == 30  # old versions stay readable

    session.expire_all()
    after = compute_scorecard(session, compact, Period(2026, 1), today=TODAY)
    assert after.plan_version == version + 1
    assert after.coverage_met is False  # 54 reports < 100
    hr1 = next(e for e in after.entries if e.indicator_code == "HR-1")
    assert hr1.basis["fraction"] == 0.25 and hr1.threshold == 0.5
    assert hr1.basis["threshold_source"] == "Board, second meeting"

    refused = runner.invoke(args=[
        "portal", "plan", "set", "--compact", compact.slug, "--note", "x",
        "--set", "thresholds.HR-1.value=0.7",  # no source
    ])
    assert refused.exit_code != 0 and "source" in refused.output
    refused = runner.invoke(args=[
        "portal", "plan", "set", "--compact", compact.slug, "--note", "x",
        "--set", "coverage.min_population_share=2",
    ])
    assert refused.exit_code != 0 and "coverage.min_population_share" in refused.output
    assert current_plan(session, compact).version == version + 1
    actions = [e.action for e in session.scalars(select(AuditEvent))]
    assert actions.count("assess.plan_version") >= 2


def test_attestations_and_disruptions_feed_the_gate(app: Flask, session: Session) -> None:
    compact = world.demo_iraq(app, session)
    world.board_plan(session, compact)
    orgs = world.partners(session, 2)  # two partners report: one short of the minimum
    world.monitored(session, compact, Period(2026, 1), orgs)
    third = world.partners(session, 1, first=2)[0]
    session.commit()
    assert compute_scorecard(session, compact, Period(2026, 1), today=TODAY).coverage_met is False
    session.commit()

    runner = app.test_cli_runner()
    result = runner.invoke(args=["portal", "coverage", "attest", "--compact", compact.slug,
                                 "--organisation", third.public_id, "--period", "2026"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert compute_scorecard(session, compact, Period(2026, 1), today=TODAY).coverage_met is True
    session.commit()

    result = runner.invoke(args=["portal", "coverage", "disruption", "--compact", compact.slug,
                                 "--kind", "channel_shutdown", "--from", "2026-02-10",
                                 "--to", "2026-02-20", "--note", "Mobile data cut in the north"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    card = compute_scorecard(session, compact, Period(2026, 1), today=TODAY)
    figures = {r["criterion"]: r for r in card.assessment["coverage"]["results"]}
    assert figures["disruptions"]["figure"] == 1 and card.coverage_met is False
    assert compute_scorecard(session, compact, Period(2026, 2), today=TODAY).assessment[
        "coverage"]["results"][4]["figure"] == 0  # a shutdown in February is not in Q2
