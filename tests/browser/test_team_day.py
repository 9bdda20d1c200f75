"""A whole team's day in a real browser, without Python or SQL (issue 12, acceptance).

An admin invites a verifier and an assessor, creates a compact with a plan and ends the one it
replaces, and makes an API token; the verifier accepts, signs in and is granted desk access by a
colleague, triages five reports in one bulk move, joins them into two incidents from the
incident list, and verifies one; the assessor enters audited data, computes the scorecard and
sees the incident counted; the token reads the scorecard through the API. Every person counts
the pages they loaded and the clicks they made; the test prints them (docs/desk.md records them).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask

from portal.config import Config

from .conftest import Layout, OpenPage, Snapshot
from .team import Person, Team, accept_invitation, grant_desk_access, invite, make_api_token
from .test_reporter_flow import ENGLISH, send_a_report

pytestmark = pytest.mark.browser

NOUR, NOUR_PASSWORD = "nour@example.org", "tamarind kite over basra 19"
SAM, SAM_PASSWORD = "sam@example.org", "eleven quiet ledgers in a row"
NEW_TITLE = "Iraq security compact 2026–2031 (renewed)"
NARRATIVES = (
    "At the bridge checkpoint the police took money from every minibus driver.",
    "Police at the bridge asked each driver for five thousand dinars before letting us pass.",
    "The checkpoint by the bridge made our bus pay, they said it was a road fee.",
    "At the market gate soldiers took cigarettes and cash from the traders' van.",
    "Soldiers at the market gate stopped the van and took money and goods.",
)


@pytest.fixture
def operator_setup(app: Flask) -> Flask:
    """What an operator does once per instance: desks, the demo compacts, the first accounts."""
    result = app.test_cli_runner().invoke(args=["portal", "demo", "--empty"])
    assert result.exit_code == 0, result.output
    return app


def _create_compact(admin: Person) -> str:
    """Compacts → New compact → the terms → Create; returns the compact's edit page path."""
    admin.follow("Compacts", within=".staff-bar")
    admin.follow("New compact")
    year = dt.date.today().year
    admin.choose("Country", "Iraq")
    admin.fill("Partner government", "Government of Iraq")
    admin.fill("Title", NEW_TITLE)
    admin.fill("Start of the term", f"{year}-01-01")
    admin.fill("End of the term (5 to 10 years later)", f"{year + 5}-12-31")
    admin.choose("Status", "Active: open to reports")
    admin.fill("Population", "46000000")
    admin.check("Iraq desk")
    admin.follow("Create the compact")
    assert "The compact is created with version 1 of its plan." in admin.notice()
    return admin.path


def _end_the_old_compact(admin: Person) -> None:
    admin.follow("Compacts", within=".staff-bar")
    row = admin.page.locator("main tr", has_text="Iraq").filter(has_not_text=NEW_TITLE)
    admin.click(row.get_by_role("link", name="Edit the compact"))
    admin.choose("Status", "Ended")
    admin.follow("Save as a new version")
    assert "new version of the compact" in admin.notice(), admin.main_text()[:500]


def _set_hr1_threshold(admin: Person, edit_path: str) -> None:
    """The plan page: HR-1 gets its threshold with its source, as a new plan version."""
    admin.open(edit_path)
    admin.follow("Monitoring plan", within="main")
    admin.choose(
        "Indicator", "HR-1 · Grave violations (killings, torture, disappearance, sexual violence)"
    )
    admin.fill("Pass threshold for this compact", "2")
    admin.fill("Where the threshold comes from", "Compact board decision 2026-03")
    # The page has a second form (the scoring rules) with its own "Why this change".
    admin.page.get_by_label("Why this change", exact=True).first.fill("The board set HR-1's")
    admin.follow("Save as a new version")
    assert "Plan version 2 saved." in admin.notice(), admin.main_text()[:500]


def _report_ids(person: Person) -> list[str]:
    hrefs = person.page.locator("main table a[href*='/desk/reports/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    return [h.rsplit("/", 1)[1] for h in hrefs]


def _start_incident(verifier: Person, report_id: str) -> None:
    verifier.click(verifier.page.locator(f"main a[href='/desk/reports/{report_id}']").first)
    verifier.follow("Start a new incident from this report")
    assert "Incident grouping saved." in verifier.notice(), verifier.main_text()[:500]
    verifier.follow("Back to the queue", within="main")


def _add_to_incident(verifier: Person, position: int, report_ids: list[str]) -> None:
    """From the incident list: open the incident, tick the reports, add them."""
    verifier.click(verifier.page.locator("main table a[href*='/desk/clusters/']").nth(position))
    for report_id in report_ids:
        verifier.click(verifier.page.locator(f"#c-{report_id}"))
    verifier.follow("Add the chosen reports")
    assert "added to the incident" in verifier.notice(), verifier.main_text()[:500]
    verifier.follow("All incidents", within="main")


def test_a_team_runs_a_day_without_python_or_sql(
    operator_setup: Flask,
    config: Config,
    open_page: OpenPage,
    layout: Layout,
    snapshot: Snapshot,
) -> None:
    team = Team(open_page)

    # --- The admin, on a laptop.
    admin = team.person("admin", width=1280)
    admin.sign_in("admin@demo.test", config.demo_password)
    verifier_link = invite(admin, NOUR, "Nour", roles=["Verifier"], desks=("Iraq desk",))
    assessor_link = invite(admin, SAM, "Sam", roles=["Assessor"])
    compact_path = _create_compact(admin)
    slug = compact_path.split("/")[3]
    _set_hr1_threshold(admin, compact_path)
    _end_the_old_compact(admin)
    admin.follow("Administration", within=".staff-bar")
    token = make_api_token(admin, "ministry dashboard", owner=SAM, reads=["Scorecards"])

    # --- The verifier accepts on a phone; a colleague holding the desk key grants access.
    verifier = team.person("verifier")
    accept_invitation(verifier, verifier_link, NOUR_PASSWORD)
    verifier.sign_in(NOUR, NOUR_PASSWORD)
    colleague = team.person("colleague", width=1280)
    colleague.sign_in("verifier@demo.test", config.demo_password)
    grant_desk_access(colleague, NOUR, "Iraq desk")

    # --- Five reporters send a report each (not part of the team's tally).
    for narrative in NARRATIVES:
        reporter = open_page(width=360, javascript=False)
        reporter.goto("/report/new?lang=en")
        send_a_report(reporter, ENGLISH, narrative)
        reporter.close()

    # --- The verifier's part.
    before = (verifier.tally.pages, verifier.tally.clicks)
    verifier.follow("Verification desk", within=".staff-bar")
    ids = _report_ids(verifier)
    assert len(ids) == 5, verifier.main_text()[:1000]
    # Readable rows: the first words of each narrative are on the queue.
    text = verifier.main_text()
    assert all(n.split()[0] in text for n in NARRATIVES)
    verifier.fits_the_screen(layout)
    snapshot(verifier.page, "queue-360")
    # Triage all five at once: the bulk menu offers only moves legal for every report.
    for report_id in ids:
        verifier.click(verifier.page.locator(f"#pick-{report_id}"))
    options = verifier.page.locator("#bulk-action option").all_inner_texts()
    assert "Move to: Verified" not in options and "Move to: Triaged" in options
    verifier.choose("With the chosen reports", "Move to: Triaged")
    verifier.follow("Apply")
    assert "5 reports updated." in verifier.notice()

    # Two incidents: the bridge (three reports) and the market gate (two).
    bridge, market = ids[:3], ids[3:]
    by_words = {rid: verifier.page.locator(f"main tr:has(#pick-{rid})").inner_text() for rid in ids}
    bridge = [rid for rid in ids if "bridge" in by_words[rid].lower()]
    market = [rid for rid in ids if rid not in bridge]
    assert (len(bridge), len(market)) == (3, 2), by_words
    _start_incident(verifier, bridge[0])
    _start_incident(verifier, market[0])
    verifier.follow("Incidents", within="main")
    listed = verifier.page.locator("main table a[href*='/desk/clusters/']").all_inner_texts()
    assert len(listed) == 2
    # The list names each incident's first reports: which row is which is read, not opened.
    rows = verifier.page.locator("main table tbody tr").all_inner_texts()
    positions = {"bridge" if bridge[0][:8] in r else "market": i for i, r in enumerate(rows)}
    assert set(positions) == {"bridge", "market"}, rows
    _add_to_incident(verifier, positions["bridge"], bridge[1:])
    _add_to_incident(verifier, positions["market"], market[1:])

    # Verify the bridge incident: grade and verify one report, then the incident.
    verifier.click(
        verifier.page.locator("main table a[href*='/desk/clusters/']").nth(positions["bridge"])
    )
    incident_path = verifier.path
    assert verifier.main_text().count("Not graded") == 3
    verifier.click(verifier.page.locator(f"main a[href='/desk/reports/{bridge[0]}']"))
    verifier.choose("Source reliability", "B · Usually reliable")
    verifier.choose("Information credibility", "2 · Probably true")
    verifier.follow("Save grade")
    for status in ("In review", "Verified"):
        verifier.choose("Move to", status)
        verifier.follow("Change status")
    assert "Its incident is not verified yet" in verifier.notice(), verifier.notice()
    verifier.follow("Open the incident")
    assert verifier.path == incident_path
    # The section and its select share the name "Verification of the incident".
    verifier.page.locator("main select[name='state']").select_option(label="Verified")
    verifier.tally.clicks += 1
    verifier.follow("Save")
    assert "This incident counts on the scorecard as “Verified” evidence" in verifier.main_text()
    verifier.fits_the_screen(layout)
    snapshot(verifier.page, "incident-360")
    verifier_part = (verifier.tally.pages - before[0], verifier.tally.clicks - before[1])

    # --- The assessor accepts on a laptop, enters audited data and computes the scorecard.
    assessor = team.person("assessor", width=1280)
    accept_invitation(assessor, assessor_link, SAM_PASSWORD)
    assessor.sign_in(SAM, SAM_PASSWORD)
    assert assessor.path == "/assess/"
    assessor.click(assessor.page.locator("main tr", has_text=NEW_TITLE).get_by_role("link").first)
    assessor.follow("Enter audited data")
    assessor.choose("Indicator", "PM-1 · Merit-based promotion")
    assessor.follow("Choose")
    assessor.fill("Period (2027 or 2027-Q2)", str(dt.date.today().year))
    assessor.fill("Compliant", "180")
    assessor.fill("Not compliant", "20")
    assessor.fill("Where the numbers come from", "Ministry of Defence promotion board audit")
    assessor.follow("Record")
    assert "The data is recorded with its source." in assessor.notice()
    assessor.follow("Back to the scorecard")
    assessor.follow("Compute the scorecard")
    row = assessor.page.locator("main table.scorecard tr", has_text="IC-1")
    cells = row.locator("td").all_inner_texts()
    assert cells[-2].strip() == "1", cells  # the verified incident is counted
    pm1 = assessor.page.locator("main table.scorecard tr", has_text="PM-1").locator("td")
    assert pm1.first.inner_text().strip() not in ("", "—")
    snapshot(assessor.page, "scorecard-1280")

    # --- The token reads the scorecard through the API.
    year = dt.date.today().year
    answer = admin.page.request.get(
        f"/api/v1/compacts/{slug}/scorecards?period={year}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status == 200, answer.text()[:300]
    body = answer.text()
    assert re.search(r'"IC-1"', body), body[:500]

    tallies = team.tallies()  # the day's work, before the screenshots below
    # Screenshots of the queue, the incident and the scorecard at 360 and 1280 px, en and ar.
    scorecard_path = assessor.path
    for person, path, name in (
        (verifier, "/desk/", "queue"),
        (verifier, incident_path, "incident"),
        (assessor, scorecard_path, "scorecard"),
    ):
        for lang in ("en", "ar"):
            for width in (360, 1280):
                person.page.set_viewport_size({"width": width, "height": 800})
                person.open(f"{path}?lang={lang}")
                if width == 360:
                    person.fits_the_screen(layout)
                snapshot(person.page, f"{name}-{lang}-{width}")

    print(
        f"\nteam's day: {tallies}"
        f"\nthe verifier's part (five reports, two incidents, one verified): "
        f"{verifier_part[0]} pages, {verifier_part[1]} clicks"
    )
