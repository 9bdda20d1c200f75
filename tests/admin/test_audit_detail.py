"""The audit log's detail reads as words (issue 12.8): labelled fields, values in the reader's
language, changes as "before → after", and nothing of the recorded detail left out."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from portal import audit
from portal.admin.audit_detail import detail_lines
from portal.domain.models import Role, User
from tests.conftest import sign_in


@pytest.fixture
def demo(app: Flask) -> Flask:
    assert app.test_cli_runner().invoke(args=["portal", "demo", "--empty"]).exit_code == 0
    return app


def _lines(app: Flask, action: str, detail: dict[str, object], lang: str = "en") -> list[str]:
    with app.test_request_context(f"/admin/audit?lang={lang}"):
        return [
            f"{line.label}: {line.value}" for line in detail_lines(action, detail, {7: "b@x.org"})
        ]


def test_states_roles_days_and_changes_read_as_words(app: Flask) -> None:
    assert _lines(app, "report.transition", {"from": "in_review", "to": "verified"}) == [
        "Status: In review → Verified"
    ]
    assert _lines(
        app, "report.transition", {"from": "needs_info", "to": "in_review", "by": "reporter"}
    ) == ["Status: Waiting for the reporter → In review", "By: the reporter"]
    assert (
        _lines(app, "cluster.state", {"from": "open", "to": "verified", "because": "x"})[0]
        == "Verification: Open: still being checked → Verified"
    )
    assert _lines(
        app,
        "account.invited",
        {"roles": ["assessor", "verifier"], "desks": ["IQ"], "organisation": None},
    ) == ["Roles: Assessor, Verifier", "Desks: IQ", "Organisation: —"]
    assert _lines(app, "report.assign", {"to": 7}) == ["Assigned to: b@x.org"]
    assert _lines(app, "report.assign", {"to": None}) == ["Assigned to: Nobody"]
    assert _lines(
        app,
        "compact.edit",
        {
            "changes": {
                "status": ["draft", "active"],
                "end_day": ["2030-01-01", "2031-06-30"],
                "population": [1000, 250000],
            }
        },
    ) == [
        "Status: Draft: not open to reports → Active: open to reports",
        "End of the term: Jan 1, 2030 → Jun 30, 2031",
        "Population: 1,000 → 250,000",
    ]
    assert _lines(
        app,
        "retention.set",
        {
            "before": {"rejected_days": 30, "closed_days": 365},
            "after": {"rejected_days": 60, "closed_days": 365},
        },
    ) == ["Rejected reports kept (days): 30 → 60", "Closed reports kept (days): 365 → 365"]
    assert _lines(
        app, "retention.purge", {"as_of": "2026-12-01", "reports": {"IQ": 3}, "complete": True}
    ) == ["As of: Dec 1, 2026", "Reports: IQ: 3", "Complete: Yes"]


def test_an_unknown_key_and_value_still_show(app: Flask) -> None:
    assert _lines(app, "later.action", {"new_thing": "abc", "count": 1200}) == [
        "new thing: abc",
        "count: 1,200",
    ]


def test_arabic_reads_arabic(app: Flask) -> None:
    [line] = _lines(app, "report.transition", {"from": "in_review", "to": "verified"}, "ar")
    assert "in_review" not in line and "verified" not in line and "→" in line
    [line] = _lines(app, "retention.purge", {"as_of": "2026-12-01"}, "ar")
    assert "2026-12-01" not in line


def test_the_page_shows_the_detail_in_words(
    demo: Flask, session: Session, make_user: Callable[..., User]
) -> None:
    make_user("admin@example.org", roles=(Role.ADMIN,))
    colleague = make_user("colleague@example.org", desks=("IQ",))
    audit.record(
        session,
        actor_id=colleague.id,
        action="report.assign",
        object_type="report",
        object_id="r1",
        detail={"to": colleague.id},
    )
    audit.record(
        session,
        actor_id=None,
        action="coverage.disruption",
        object_type="compact",
        object_id="c",
        detail={"kind": "suspension", "from": dt.date(2026, 3, 2).isoformat(), "to": None},
    )
    session.commit()
    client = demo.test_client()
    sign_in(client, "admin@example.org")
    page = html.unescape(client.get("/admin/audit").get_data(as_text=True))
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Assigned to: colleague@example.org" in text
    assert "Kind: Suspension of the compact or its monitoring" in text
    assert "From: Mar 2, 2026" in text and "Until: —" in text
    assert "{" not in text.split("Audit log", 1)[1]  # no JSON left
    assert "· Compact c" in text and "· Report r1" in text  # what was acted on, in words

