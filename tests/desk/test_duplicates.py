"""Duplicate suggestions find the other reports of the same event among realistic noise.

The generated set of `tests/desk/events.py` (60 events, each reported by 2–4 people who remember
it differently, among 200 unrelated reports of the same desk, regions, months, places and units)
is filed through the reporter service and the intake job; for every report of an event the
desk's suggestions are compared with the truth. Run with `pytest -s` to read the figures;
`bench/duplicates.py` gives their spread over many seeds and scripts (docs/desk.md).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.desk.duplicates import start_suggesting, suggest_duplicates
from portal.desk.service import transition
from portal.domain.catalogue import reporter_choice
from portal.domain.models import Report, User
from portal.domain.workflow import ReportStatus
from tests.desk import events
from tests.desk.conftest import DEMO_VERIFIER, FileReport
from tests.desk.events import SHOWN, WIDER, Account, measure
from tests.desk.filing import month_ago

SEED = 20260
REQUIRED_RECALL = 0.90


def test_suggestions_find_the_other_reports_of_the_same_event(
    session: Session, file_report: FileReport
) -> None:
    accounts = events.accounts(SEED)
    filed: list[tuple[Account, Report]] = []
    for n, account in enumerate(accounts):
        report = file_report(
            choices=account.choices,
            month=account.month,
            region=account.region,
            force=account.force,
            place=account.place,
            unit=account.unit,
            exact_date=account.exact_date,
            received=account.received,
            language=account.language,
            narrative="What I saw.",
            commit=n % 50 == 49,
        ).report
        filed.append((account, report))
    session.commit()
    assert all(report.fingerprint for _, report in filed)
    assert sum(1 for a in accounts if a.event is None) == events.DISTRACTORS
    assert {reporter_choice(a.choices[0]).indicator_code for a in accounts} >= {"IC-1", "HR-1"}
    reports = {report.id: report for _, report in filed}

    def suggested(report_id: int) -> list[int]:
        shown = suggest_duplicates(session, reports[report_id], limit=WIDER)
        return [s.report.id for s in shown]

    figures = measure([(account, report.id) for account, report in filed], suggested)
    print(
        f"\nduplicate suggestions (seed {SEED}): {events.EVENTS} events, "
        f"{events.DISTRACTORS} unrelated reports\n{figures.summary()}"
    )
    assert figures.true_pairs > 300
    assert figures.recall >= REQUIRED_RECALL, f"recall@{SHOWN} {figures.recall:.3f}"
    # The report page reads the candidates while it builds the rest (on PostgreSQL in a thread,
    # on a connection of its own): it must suggest the same.
    for report_id in list(reports)[::23]:
        page = start_suggesting(session, reports[report_id], limit=WIDER)()
        assert page == suggest_duplicates(session, reports[report_id], limit=WIDER)


def test_the_same_account_twice_is_the_first_suggestion_and_nothing_foreign_is_offered(
    session: Session, file_report: FileReport
) -> None:
    month = month_ago(3)
    told = {
        "choices": ("HR-1.torture",),
        "month": month,
        "region": "IQ-NI",
        "force": "army",
        "exact_date": month.replace(day=9),
    }
    first = file_report(place="Al-Amil camp gate", unit="54th Brigade", **told).report
    # The same, typed differently: case, spacing and full-width digits.
    again = file_report(place="AL-AMIL  CAMP GATE ", unit="５４th brigade", **told).report
    unrelated = file_report(choices=("IC-1.checkpoint-money",), month=month, region="IQ-NI")
    elsewhere = file_report("SO", **{**told, "region": "SO-BN"})
    too_late = file_report(
        place="Al-Amil camp gate", unit="54th Brigade", **{**told, "month": month_ago(1)}
    )
    rejected = file_report(place="Al-Amil camp gate", unit="54th Brigade", **told).report
    verifier = session.scalar(select(User).where(User.email == DEMO_VERIFIER))
    assert verifier is not None
    transition(session, verifier, rejected, ReportStatus.REJECTED)
    session.commit()

    suggested = suggest_duplicates(session, again, limit=SHOWN)
    assert suggested[0].report.id == first.id
    assert suggested[0].score > max((s.score for s in suggested[1:]), default=0)
    offered = {s.report.id for s in suggested}
    # Same region and month, but another kind of event by another force: the evidence is against
    # it, and offering it would be noise.
    assert {unrelated.report.id, elsewhere.report.id, too_late.report.id, rejected.id}.isdisjoint(
        offered
    )
    assert [s.score for s in suggested] == sorted((s.score for s in suggested), reverse=True)


def test_keyed_names_made_while_the_candidates_are_read_are_searched_again(
    session: Session, file_report: FileReport
) -> None:
    """The report page starts reading candidates before the open that makes the report's keyed
    names; a report beyond the window that shares them must still be found."""
    told = {"choices": ("HR-1.torture",), "month": month_ago(2), "region": "IQ-NI", "force": "army"}
    named = file_report(unit="54th Brigade", **told).report
    for _ in range(3):  # arrivals between them: with a window of 2, `named` lies outside it
        file_report(choices=("IC-1.checkpoint-money",), month=month_ago(2), region="IQ-BA")
    target = file_report(unit="54th Brigade", opened=False, **told).report
    assert target.unit_key is None and named.unit_key is not None

    pending = start_suggesting(session, target, window=2)
    target.unit_key = named.unit_key  # what opening it does (portal/desk/matching.py)
    session.commit()
    suggested = pending()
    assert named.id in {s.report.id for s in suggested}
    assert suggested == suggest_duplicates(session, target, window=2)
