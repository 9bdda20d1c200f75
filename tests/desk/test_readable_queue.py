# ruff: noqa: F811  (the desk fixture of test_queue is imported, then named as a parameter)
"""A queue a verifier can read (issue 12.2): rows told apart at a glance, open work by default,
a bulk menu that offers only moves legal for every report it can act on, a bulk assignment that
never silently becomes "nobody", and grading boxes that start empty."""

from __future__ import annotations

import html
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.attachments import Upload
from portal.desk.labels import OPEN_STATES
from portal.domain.models import Report
from portal.domain.workflow import TRANSITIONS, ReportStatus
from tests.desk.conftest import FileReport, MakeStaff, SignedIn
from tests.desk.filing import png_bytes
from tests.desk.pages import audit_events, follow, fresh, listed, page_text, post_form
from tests.desk.test_queue import MyDesks, _post, desk  # noqa: F401  (fixture)

OPTION = re.compile(r'<option value="status:([a-z_]+)"')
ROW = re.compile(r"<tr>(.*?)</tr>", re.S)


def _queue(desk: MyDesks, query: str = "") -> str:
    response = desk.browser.get("/desk/" + (f"?{query}" if query else ""))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _row(page: str, public_id: str) -> str:
    [row] = [r for r in ROW.findall(page) if f'value="{public_id}"' in r]
    return html.unescape(re.sub(r"<[^>]+>", " ", row))


def test_each_row_tells_the_report_apart(
    session: Session, file_report: FileReport, make_staff: MakeStaff, signed_in: SignedIn
) -> None:
    me = make_staff("reader@example.org", ("IQ",))
    photo = Upload("IMG_0001.png", png_bytes())
    one = file_report(
        narrative="Soldiers at the bridge checkpoint took our phones and beat my brother "
        "until he could not stand, then they laughed and drove away towards the river road.",
        uploads=(photo, photo),
    )
    two = file_report(narrative="Police asked for money at the market gate.")
    session.commit()
    browser = signed_in(me.email)
    page = browser.get("/desk/").get_data(as_text=True)
    first = _row(page, one.public_id)
    # A short reference, the opening words (cut at a word, marked as cut), the files, the day.
    assert one.public_id[:8] in first
    assert "Soldiers at the bridge checkpoint took our phones and beat my brother until he…" in (
        " ".join(first.split())
    )
    assert "could not stand" not in first
    assert "Files: 2" in " ".join(first.split()) or " 2 " in first
    second = _row(page, two.public_id)
    assert "Police asked for money at the market gate." in second
    assert two.public_id[:8] in second and one.public_id[:8] not in second
    # Reading the opening words is a read of sealed content: audit-logged with the rows.
    [event] = audit_events(session, "report.preview")
    assert event.actor_id == me.id
    assert set(event.detail["reports"]) == {one.public_id, two.public_id}


def test_open_work_by_default_and_finished_reports_behind_a_filter(
    session: Session, desk: MyDesks
) -> None:
    rejected = desk.ids("release")[0]  # rejected by the fixture
    assert rejected not in listed(desk.browser)
    assert rejected in listed(desk.browser, "closed=1")
    assert rejected in listed(desk.browser, "status=rejected")
    session.expire_all()
    shown = set(listed(desk.browser))
    for report in session.scalars(select(Report).where(Report.public_id.in_(shown))):
        assert report.status in OPEN_STATES


STATES = st.lists(st.sampled_from(list(ReportStatus)), min_size=1, max_size=6)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(states=STATES, data=st.data())
def test_the_bulk_menu_never_offers_an_illegal_move(
    session: Session, desk: MyDesks, states: list[ReportStatus], data: st.DataObject
) -> None:
    names = ["killing", "checkpoint", "detention", "reprisal", "crossfire", "goats"][: len(states)]
    for name, state in zip(names, states, strict=True):
        session.execute(
            update(Report).where(Report.id == desk.reports[name].report.id).values(status=state)
        )
    # The other reports wait in a state the filter leaves out.
    aside = next(s for s in ReportStatus if s not in states)
    others = [n for n in desk.reports if n not in names and n != "niger"]
    for name in others:
        session.execute(
            update(Report).where(Report.id == desk.reports[name].report.id).values(status=aside)
        )
    session.commit()
    query = "&".join(f"status={s.value}" for s in set(states))
    page = _queue(desk, query)
    offered = {ReportStatus(v) for v in OPTION.findall(page)}
    shown = set(listed(desk.browser, query))
    session.expire_all()
    shown_states = [
        r.status for r in session.scalars(select(Report).where(Report.public_id.in_(shown)))
    ]
    assert sorted(shown_states) == sorted(states)
    legal_for_all = set.intersection(*(set(TRANSITIONS[s]) for s in shown_states))
    # Only moves legal for every report that can be chosen: so for every choice of them.
    assert offered == legal_for_all
    for target in offered:
        assert all(target in TRANSITIONS[s] for s in shown_states)
    # A mixed page offers a second step, and only then.
    assert ("Choose a move for the ticked reports" in page) == (len(set(states)) > 1)
    # The second step: the moves legal for exactly the ticked reports, whatever is ticked.
    ticked = data.draw(
        st.lists(st.sampled_from(sorted(shown)), min_size=1, max_size=len(shown), unique=True)
    )
    response = post_form(desk.browser, "/desk/bulk/choose", {"reports": ticked})
    assert response.status_code == 200
    step = response.get_data(as_text=True)
    ticked_states = [
        r.status for r in session.scalars(select(Report).where(Report.public_id.in_(ticked)))
    ]
    offered_now = {ReportStatus(v) for v in OPTION.findall(step)}
    assert offered_now == set.intersection(*(set(TRANSITIONS[s]) for s in ticked_states))
    assert offered_now >= offered
    # Only the ticked reports go on to the move, each ticked.
    assert set(re.findall(r'name="reports" value="([^"]+)" [^>]*checked', step)) == set(ticked)
    assert 'action="/desk/bulk"' in step


def test_the_second_step_moves_exactly_the_ticked_reports(session: Session, desk: MyDesks) -> None:
    # A page mixing Received and In review: the page's menu has no status move in common.
    received, in_review = desk.reports["killing"].report, desk.reports["checkpoint"].report
    for report, state in ((received, ReportStatus.RECEIVED), (in_review, ReportStatus.IN_REVIEW)):
        session.execute(update(Report).where(Report.id == report.id).values(status=state))
    session.commit()
    page = _queue(desk, "status=received&status=in_review")
    assert "Choose a move for the ticked reports" in page
    step = post_form(desk.browser, "/desk/bulk/choose", {"reports": [received.public_id]}).get_data(
        as_text=True
    )
    moves = {ReportStatus(v) for v in OPTION.findall(step)}
    assert moves == set(TRANSITIONS[ReportStatus.RECEIVED])
    assert ReportStatus.TRIAGED in moves
    page = follow(
        desk.browser,
        post_form(
            desk.browser,
            "/desk/bulk",
            {"reports": [received.public_id], "action": "status:triaged"},
        ),
    )
    assert "1 report updated." in page
    assert fresh(session, received).status is ReportStatus.TRIAGED
    assert fresh(session, in_review).status is ReportStatus.IN_REVIEW
    # Nothing ticked: sent back with a sentence, nothing changed.
    page = follow(desk.browser, post_form(desk.browser, "/desk/bulk/choose", {}))
    assert "Tick at least one report first." in page


def test_bulk_assign_to_someone_not_on_the_desk_is_refused(
    session: Session, desk: MyDesks, make_staff: MakeStaff
) -> None:
    outsider = make_staff("outsider@example.org", ("SO",))
    page = _queue(desk)
    assert f'value="assign:{desk.colleague.id}"' not in page  # not on the SO desk: mixed page
    assert f'value="assign:{outsider.id}"' not in page
    checkpoint = desk.reports["checkpoint"].report
    before = fresh(session, checkpoint).assigned_to_id
    for who in (outsider.id, 987654):
        response = post_form(
            desk.browser,
            "/desk/bulk",
            {"reports": desk.ids("checkpoint"), "action": f"assign:{who}"},
        )
        page = follow(desk.browser, response)
        assert "Nothing was changed: that person does not work at the desk of every" in page
        assert fresh(session, checkpoint).assigned_to_id == before
    # A colleague of the IQ desk is offered when only IQ reports show, and the move works.
    assert f'value="assign:{desk.colleague.id}"' in _queue(desk, "region=IQ-NI")
    page = follow(
        desk.browser,
        post_form(
            desk.browser,
            "/desk/bulk",
            {"reports": desk.ids("checkpoint"), "action": f"assign:{desk.colleague.id}"},
        ),
    )
    assert "1 report updated." in page
    assert fresh(session, checkpoint).assigned_to_id == desk.colleague.id


def test_a_grading_cannot_be_saved_untouched(session: Session, desk: MyDesks) -> None:
    report = desk.reports["checkpoint"]
    path = f"/desk/reports/{report.public_id}"
    page = desk.browser.get(path).get_data(as_text=True)
    for name in ("reliability", "credibility"):
        select_html = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S)
        assert select_html is not None
        selected = re.findall(
            r'<option selected value="([^"]*)"', select_html.group(0)
        ) or re.findall(r'<option value="([^"]*)" selected', select_html.group(0))
        assert selected in ([], [""]), selected  # nothing chosen for the verifier
        assert '<option value="A"' not in select_html.group(0).split("</option>")[0]
    # Submitting the boxes as they came: refused, nothing saved, nothing logged.
    page = _post(desk, "checkpoint", "grade", {"reliability": "", "credibility": ""})
    assert "Choose a grade for both the source and the information." in page
    assert "Grade saved." not in page
    page = _post(desk, "checkpoint", "grade", {"reliability": "A", "credibility": ""})
    assert "Choose a grade for both" in page
    row = fresh(session, report.report)
    assert (row.source_reliability, row.information_credibility) == (None, None)
    assert audit_events(session, "report.grade", report.public_id) == []
    page = _post(desk, "checkpoint", "grade", {"reliability": "B", "credibility": "2"})
    assert "Grade saved." in page
    # Once graded, the boxes show the grade.
    assert 'value="B" selected' in page_text(desk.browser.get(path)) or (
        'selected value="B"' in page_text(desk.browser.get(path))
    )
