"""The desk queue as a verifier uses it: filters, sorts, keyset pages, bulk actions, claiming,
and the incident work behind it (grading into a noisy-OR weight, verifying for scoring)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.desk import service
from portal.desk.labels import OPEN_STATES
from portal.desk.queue import QueueFilters, Sort, queue_page
from portal.domain.models import (
    ClusterState,
    Compact,
    IncidentCluster,
    OutboxJob,
    OutboxState,
    Report,
    User,
)
from portal.domain.models.base import today
from portal.domain.workflow import ReportStatus
from tests.desk.conftest import FileReport, MakeStaff, SignedIn
from tests.desk.filing import Filed
from tests.desk.pages import audit_events, follow, fresh, listed, post_form

S = ReportStatus


def _days_ago(days: int) -> dt.date:
    return today() - dt.timedelta(days=days)


@dataclass(frozen=True)
class MyDesks:
    me: User
    colleague: User
    browser: FlaskClient
    reports: dict[str, Filed]

    def ids(self, *names: str) -> list[str]:
        return [self.reports[n].public_id for n in names]


@pytest.fixture
def desk(
    session: Session, file_report: FileReport, make_staff: MakeStaff, signed_in: SignedIn
) -> MyDesks:
    """Two desks' worth of reports, filed in the order they arrived, then worked on a little."""
    me = make_staff("me@example.org", ("IQ", "SO"))
    colleague = make_staff("colleague@example.org", ("IQ",))
    reports = {
        "killing": file_report(
            choices=("HR-1.killing",), region="IQ-BG", language="ar", received=_days_ago(60)
        ),
        "checkpoint": file_report(region="IQ-NI", language="en", received=_days_ago(45)),
        "detention": file_report(
            choices=("HR-2.held-no-reason", "IN-2.targeted-group"),
            region="IQ-BG",
            language="ckb",
            received=_days_ago(40),
        ),
        "goats": file_report("SO", region="SO-BN", language="so", received=_days_ago(30)),
        "reprisal": file_report(
            choices=("OA-3.reprisal",), region="IQ-BA", language="ar", received=_days_ago(10)
        ),
        "release": file_report(
            choices=("IC-1.paid-for-release",), region="IQ-BG", received=_days_ago(5)
        ),
        "crossfire": file_report(choices=("CH-1.crossfire",), region="IQ-NI", language="ar"),
        "disappeared": file_report("SO", choices=("HR-1.disappeared",), language="so"),
        "niger": file_report("NE", region="NE-1"),
    }
    for name, moves in {
        "checkpoint": (S.TRIAGED,),
        "detention": (S.TRIAGED, S.IN_REVIEW),
        "release": (S.REJECTED,),
    }.items():
        for target in moves:
            service.transition(session, colleague, reports[name].report, target)
    service.assign(session, me, reports["killing"].report, me)
    service.assign(session, colleague, reports["reprisal"].report, colleague)
    session.commit()
    return MyDesks(me, colleague, signed_in(me.email), reports)


def _oracle(
    session: Session, desk: MyDesks, keep: Callable[[Report], bool], sort: Sort = Sort.PRIORITY
) -> list[str]:
    """What the queue should show, worked out in Python from the rows themselves."""
    session.expire_all()
    rows = [r for r in session.scalars(select(Report)) if r.desk_id in desk.me.desk_ids and keep(r)]
    if sort == Sort.PRIORITY:
        rows.sort(key=lambda r: (-r.priority, r.id))
    else:
        rows.sort(key=lambda r: r.id, reverse=sort == Sort.NEWEST)
    return [r.public_id for r in rows]


def _codes(report: Report) -> set[str]:
    return {i.indicator_code for i in report.indicators}


FILTERS: list[tuple[str, Callable[[Report, MyDesks], bool]]] = [
    ("", lambda r, d: True),
    ("status=received", lambda r, d: r.status == S.RECEIVED),
    ("status=triaged&status=in_review", lambda r, d: r.status in {S.TRIAGED, S.IN_REVIEW}),
    ("indicator=HR-1", lambda r, d: "HR-1" in _codes(r)),
    # A second thing that happened counts: the detention report also ticked IN-2.
    ("indicator=IN-2", lambda r, d: "IN-2" in _codes(r)),
    ("region=IQ-BG", lambda r, d: r.region == "IQ-BG"),
    ("min_priority=60", lambda r, d: r.priority >= 60),
    ("language=ar", lambda r, d: r.language == "ar"),
    ("assigned=me", lambda r, d: r.assigned_to_id == d.me.id),
    ("assigned=unassigned", lambda r, d: r.assigned_to_id is None),
    # Inclusive: the goats report arrived exactly 30 days ago.
    ("older_than_days=30", lambda r, d: r.created_day <= _days_ago(30)),
    ("desk={so}", lambda r, d: r.country == "SO"),
    (
        "status=received&region=IQ-NI&language=ar",
        lambda r, d: (r.status, r.region, r.language) == (S.RECEIVED, "IQ-NI", "ar"),
    ),
]


def test_each_filter_shows_exactly_the_matching_reports_of_my_desks(
    session: Session, desk: MyDesks
) -> None:
    so_desk = desk.reports["goats"].report.desk_id
    assert len(set(desk.me.desk_ids)) == 2
    for query, keep in FILTERS:
        query = query.format(so=so_desk)
        # With no status asked for, the queue shows open work only (issue 12.2).
        only_open = "status=" not in query
        expected = _oracle(
            session,
            desk,
            lambda r, keep=keep, only_open=only_open: keep(r, desk)
            and (not only_open or r.status in OPEN_STATES),
        )
        assert listed(desk.browser, query) == expected, query
        assert expected or query == "", f"{query} should match something in this set"
    # Reports of a desk I am not on never show, whatever I ask for.
    niger = desk.reports["niger"].public_id
    assert niger not in listed(desk.browser, "region=NE-1")
    assert niger not in listed(desk.browser, f"desk={desk.reports['niger'].report.desk_id}")


def test_sorts_order_the_queue_as_their_names_say(session: Session, desk: MyDesks) -> None:
    received = {f.public_id: f.report.created_day for f in desk.reports.values()}
    for sort in Sort:
        shown = listed(desk.browser, f"sort={sort.value}&closed=1")
        assert shown == _oracle(session, desk, lambda r: True, sort), sort
        days = [received[p] for p in shown]
        if sort == Sort.OLDEST:
            assert days == sorted(days)
        if sort == Sort.NEWEST:
            assert days == sorted(days, reverse=True)
        if sort == Sort.PRIORITY:
            priorities = [
                fresh(session, desk.reports[_name(desk, p)].report).priority for p in shown
            ]
            assert priorities == sorted(priorities, reverse=True)
            # Grave violations and reprisals jump the queue.
            assert desk.reports["killing"].public_id in shown[:3]
    # Without a sort, the queue is by priority.
    assert listed(desk.browser) == listed(desk.browser, "sort=priority")


def _name(desk: MyDesks, public_id: str) -> str:
    return next(n for n, f in desk.reports.items() if f.public_id == public_id)


@pytest.fixture
def crowded(session: Session, file_report: FileReport, make_staff: MakeStaff) -> User:
    """Enough reports, with many equal priorities, to page through."""
    me = make_staff("pager@example.org", ("IQ",))
    priorities = [0, 10, 10, 10, 50, 50, 50, 50, 99, 99, 30, 30, 30, 0, 0, 10, 70, 70, 50, 50]
    for n, priority in enumerate(priorities):
        filed = file_report(
            choices=("HR-1.torture",) if n % 4 == 0 else ("IC-1.checkpoint-money",),
            region="IQ-BG" if n % 2 else "IQ-NI",
            commit=False,
        )
        service.set_priority(session, me, filed.report, priority)
        if n % 3 == 0:
            service.transition(session, me, filed.report, S.TRIAGED)
    session.commit()
    return me


STATUS_CHOICES = st.sets(st.sampled_from([S.RECEIVED, S.TRIAGED]), max_size=2)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    size=st.integers(min_value=1, max_value=25),
    sort=st.sampled_from(list(Sort)),
    statuses=STATUS_CHOICES,
    region=st.sampled_from([None, "IQ-BG"]),
)
def test_keyset_pages_cover_every_report_exactly_once(
    session: Session,
    crowded: User,
    size: int,
    sort: Sort,
    statuses: set[ReportStatus],
    region: str | None,
) -> None:
    filters = QueueFilters(statuses=tuple(sorted(statuses)), region=region)
    everything = queue_page(session, crowded.desk_ids, crowded.id, filters, sort=sort, limit=1000)
    assert everything.next_cursor is None
    seen: list[int] = []
    cursor = None
    while True:
        page = queue_page(
            session, crowded.desk_ids, crowded.id, filters, sort=sort, cursor=cursor, limit=size
        )
        assert len(page.reports) <= size
        seen += [r.id for r in page.reports]
        if page.next_cursor is None:
            break
        assert len(page.reports) == size
        cursor = page.next_cursor
    assert seen == [r.id for r in everything.reports]
    assert len(set(seen)) == len(seen)
    session.expire_all()
    matching = {
        r.id
        for r in session.scalars(select(Report))
        if (not statuses or r.status in statuses) and (region is None or r.region == region)
    }
    assert set(seen) == matching


def test_next_page_link_walks_the_whole_filtered_queue_in_the_browser(
    session: Session, file_report: FileReport, make_staff: MakeStaff, signed_in: SignedIn
) -> None:
    me = make_staff("walker@example.org", ("IQ",))
    filed = [file_report(commit=False) for _ in range(53)]
    other = file_report(region="IQ-NI")
    session.commit()
    browser = signed_in(me.email)
    seen: list[str] = []
    # All 53 share one priority, so the page boundary falls inside a tie: (priority, id) keys it.
    path = "/desk/?region=IQ-BG"
    pages = 0
    while path:
        html = browser.get(path).get_data(as_text=True)
        seen += REPORT_ID.findall(html)
        pages += 1
        found = re.search(r'<a class="button" href="([^"]+)">Next page</a>', html)
        path = found.group(1).replace("&amp;", "&") if found else ""
        assert not path or "region=IQ-BG" in path  # the filter survives the page turn
    assert pages == 2
    assert seen == [f.public_id for f in filed]
    assert other.public_id not in seen


REPORT_ID = re.compile(r'name="reports" value="([^"]+)"')


def _cursor(*parts: object) -> str:
    raw = json.dumps(list(parts)).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


BAD_CURSORS = (
    "not-a-cursor",
    "%%%",
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    _cursor({"priority": 1}),
    _cursor("priority", 10),
    _cursor("priority", "ten", 1),
    _cursor("oldest", 10, 1),  # made for another sort order
    base64.urlsafe_b64encode(b'["priority", NaN, 1]').decode(),
)
OUT_OF_RANGE = (
    b'["priority", Infinity, 1]',
    b'["priority", 1e308, 1]',
    b'["priority", 9223372036854775808, 1]',
    b'["priority", 1, 9223372036854775808]',
)


@pytest.fixture
def browser(demo: object, file_report: FileReport, signed_in: SignedIn) -> FlaskClient:
    file_report()
    client = signed_in()
    client.application.config["PROPAGATE_EXCEPTIONS"] = False  # answer as in production
    return client


def test_a_bad_cursor_is_a_400_and_a_cursor_fits_only_its_own_sort(browser: FlaskClient) -> None:
    for cursor in BAD_CURSORS:
        response = browser.get(f"/desk/?sort=priority&after={cursor}")
        assert response.status_code == 400, cursor
    newest = _cursor("newest", 0, 10**6)
    assert browser.get(f"/desk/?sort=newest&after={newest}").status_code == 200
    assert browser.get(f"/desk/?sort=oldest&after={newest}").status_code == 400


def test_a_cursor_with_out_of_range_numbers_is_a_400(browser: FlaskClient) -> None:
    statuses = {
        raw: browser.get(
            f"/desk/?sort=priority&after={base64.urlsafe_b64encode(raw).decode()}"
        ).status_code
        for raw in OUT_OF_RANGE
    }
    assert statuses == dict.fromkeys(OUT_OF_RANGE, 400)


def _bulk(desk: MyDesks, names: list[str], action: str) -> str:
    return follow(
        desk.browser,
        post_form(desk.browser, "/desk/bulk", {"reports": desk.ids(*names), "action": action}),
    )


def test_bulk_assign_and_unassign(session: Session, desk: MyDesks) -> None:
    page = _bulk(desk, ["checkpoint", "crossfire", "goats"], "assign:me")
    assert "3 reports updated." in page
    assert set(listed(desk.browser, "assigned=me")) == set(
        desk.ids("killing", "checkpoint", "crossfire", "goats")
    )
    assert len(audit_events(session, "report.assign")) == 2 + 3
    page = _bulk(desk, ["checkpoint", "killing"], "assign:none")
    assert "2 reports updated." in page
    assert set(listed(desk.browser, "assigned=me")) == set(desk.ids("crossfire", "goats"))
    page = _bulk(desk, ["crossfire"], f"assign:{desk.colleague.id}")
    assert fresh(session, desk.reports["crossfire"].report).assigned_to_id == desk.colleague.id


def test_bulk_status_change_moves_every_chosen_report(session: Session, desk: MyDesks) -> None:
    page = _bulk(desk, ["killing", "crossfire", "disappeared"], "status:triaged")
    assert "3 reports updated." in page
    assert set(listed(desk.browser, "status=triaged")) == set(
        desk.ids("killing", "crossfire", "disappeared", "checkpoint")
    )
    moved = [e.object_id for e in audit_events(session, "report.transition")][-3:]
    assert set(moved) == set(desk.ids("killing", "crossfire", "disappeared"))


ALL_OR_NOTHING = (
    # checkpoint (triaged -> in_review is legal) is handled before crossfire (received ->
    # in_review is not): the first move must be undone too.
    ["checkpoint", "crossfire"],
    ["crossfire", "checkpoint"],
    ["checkpoint", "detention"],  # in_review -> in_review is no move at all
    ["checkpoint", "release", "killing"],  # rejected -> in_review is legal, received is not
)


def test_a_bulk_status_change_with_one_illegal_edge_changes_nothing(
    session: Session, desk: MyDesks
) -> None:
    events = len(audit_events(session, "report.transition"))
    for names in ALL_OR_NOTHING:
        before = {n: fresh(session, desk.reports[n].report).status for n in names}
        page = _bulk(desk, names, "status:in_review")
        assert "Nothing was changed: the action is not possible for every chosen report." in (
            page
        ), names
        assert {n: fresh(session, desk.reports[n].report).status for n in names} == before
    assert len(audit_events(session, "report.transition")) == events


def test_claiming_a_report_assigns_it_to_me(session: Session, desk: MyDesks) -> None:
    report = desk.reports["crossfire"]
    path = f"/desk/reports/{report.public_id}"
    page = follow(desk.browser, post_form(desk.browser, f"{path}/claim", {}, token_from=path))
    assert "The report is assigned to you." in page
    assert report.public_id in listed(desk.browser, "assigned=me")
    assert report.public_id not in listed(desk.browser, "assigned=unassigned")
    [event] = audit_events(session, "report.assign", report.public_id)
    assert (event.actor_id, event.detail) == (desk.me.id, {"to": desk.me.id})


# Admiralty weights (shared/domain/indicators.md): R × C.
B2 = 0.8 * 0.8
C3 = 0.6 * 0.5
F6 = 0.5 * 0.4
E5 = 0.05 * 0.05


def _noisy_or(*weights: float) -> float:
    untrue = 1.0
    for w in weights:
        untrue *= 1.0 - w
    return 1.0 - untrue


def _post(desk: MyDesks, name: str, action: str, data: dict[str, str]) -> str:
    path = f"/desk/reports/{desk.reports[name].public_id}"
    return follow(desk.browser, post_form(desk.browser, f"{path}/{action}", data, token_from=path))


def _grade(desk: MyDesks, name: str, grade: str) -> str:
    return _post(desk, name, "grade", {"reliability": grade[0], "credibility": grade[1]})


def _cluster(session: Session, desk: MyDesks, name: str) -> IncidentCluster:
    report = fresh(session, desk.reports[name].report)
    assert report.cluster_id is not None
    found = session.get(IncidentCluster, report.cluster_id)
    assert found is not None
    return found


@pytest.fixture
def incident(session: Session, desk: MyDesks) -> IncidentCluster:
    """The checkpoint report and two more grouped into one incident through the report pages."""
    page = _post(desk, "checkpoint", "cluster", {"cluster": "new"})
    assert "Incident grouping saved." in page
    for other in ("crossfire", "killing"):
        _post(desk, other, "cluster", {"cluster": "with", "with_report": desk.ids("checkpoint")[0]})
    cluster = _cluster(session, desk, "checkpoint")
    assert {_cluster(session, desk, n).id for n in ("crossfire", "killing")} == {cluster.id}
    return cluster


def test_grading_updates_the_incidents_noisy_or_weight(
    session: Session, desk: MyDesks, incident: IncidentCluster
) -> None:
    assert incident.weight == 0.0  # nothing graded yet
    page = _grade(desk, "checkpoint", "B2")
    assert "Grade saved." in page
    assert _cluster(session, desk, "checkpoint").weight == pytest.approx(B2)
    _grade(desk, "crossfire", "C3")
    page = _grade(desk, "killing", "F6")
    expected = _noisy_or(B2, C3, F6)
    assert expected == pytest.approx(1 - 0.36 * 0.7 * 0.8)  # 0.7984, worked by hand
    assert _cluster(session, desk, "checkpoint").weight == pytest.approx(expected, abs=1e-6)
    # Shown as a grade and a percentage, never as "0.7984".
    assert "an incident with weight Strong · 80%" in page
    # Regrading one report down lowers the incident's weight at once.
    _grade(desk, "killing", "E5")
    assert _cluster(session, desk, "checkpoint").weight == pytest.approx(
        _noisy_or(B2, C3, E5), abs=1e-6
    )
    # A report taken out of the incident no longer counts.
    _post(desk, "crossfire", "cluster", {"cluster": "none"})
    assert _cluster(session, desk, "checkpoint").weight == pytest.approx(
        _noisy_or(B2, E5), abs=1e-6
    )


def test_rejecting_a_graded_report_takes_it_out_of_the_incident_weight(
    session: Session, desk: MyDesks, incident: IncidentCluster
) -> None:
    _grade(desk, "checkpoint", "B2")
    _grade(desk, "killing", "C3")
    assert _cluster(session, desk, "checkpoint").weight == pytest.approx(_noisy_or(B2, C3))
    page = _post(desk, "killing", "status", {"status": "triaged"})
    page = _post(desk, "killing", "status", {"status": "rejected"})
    assert "<dd>Rejected</dd>" in page
    assert _cluster(session, desk, "checkpoint").weight == pytest.approx(B2, abs=1e-6)


def _verify_report(desk: MyDesks, name: str, grade: str = "B2") -> None:
    """Grade a report and walk it to Verified, as an incident's verification needs."""
    _grade(desk, name, grade)
    for target in ("triaged", "in_review", "verified"):
        _post(desk, name, "status", {"status": target})


def _set_state(desk: MyDesks, cluster: IncidentCluster, state: ClusterState) -> str:
    path = f"/desk/clusters/{cluster.public_id}"
    return follow(
        desk.browser, post_form(desk.browser, path, {"state": state.value}, token_from=path)
    )


def _scoring_jobs(session: Session) -> list[OutboxJob]:
    session.expire_all()
    return list(
        session.scalars(
            select(OutboxJob).where(OutboxJob.queue == "scoring").order_by(OutboxJob.id)
        )
    )


def test_verifying_an_incident_queues_a_scorecards_stale_job(
    session: Session, desk: MyDesks, incident: IncidentCluster
) -> None:
    compact_id = session.scalar(select(Compact.id).where(Compact.country == "IQ"))
    _verify_report(desk, "checkpoint")
    page = _set_state(desk, incident, ClusterState.UNVERIFIED)
    assert "Incident verification saved." in page
    assert _scoring_jobs(session) == []  # no evidence gained or lost: nothing to rescore

    page = _set_state(desk, incident, ClusterState.VERIFIED)
    assert "Incident verification saved." in page
    [job] = _scoring_jobs(session)
    assert (job.job, job.args) == ("scorecards_stale", {"compact_id": compact_id})
    [event] = audit_events(session, "cluster.state", incident.public_id)[-1:]
    assert event.detail == {"from": "unverified", "to": "verified"}

    # Taking the verification back changes the evidence too.
    _set_state(desk, incident, ClusterState.OPEN)
    assert [j.args for j in _scoring_jobs(session)] == [{"compact_id": compact_id}] * 2


def test_the_scoring_job_is_handed_to_the_queue_after_verifying(
    session: Session, desk: MyDesks, incident: IncidentCluster
) -> None:
    _verify_report(desk, "checkpoint")
    _set_state(desk, incident, ClusterState.VERIFIED)
    [job] = _scoring_jobs(session)
    # Inline without Redis (done at once), handed to rq with Redis (enqueued).
    assert job.state in {OutboxState.DONE, OutboxState.ENQUEUED}
