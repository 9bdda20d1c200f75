"""/admin/audit: the audit log, newest first, by person and by action, 100 events a page."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal import audit
from portal.domain.models import Role, User
from tests.conftest import sign_in

ENTRY = re.compile(
    r'<p class="meta">[^<]*· (?:<bdi>([^<]+)</bdi>|System)</p>\s*'
    r'<p><strong>[^<]+</strong> <span class="hint"><bdi dir="ltr">([^<]+)</bdi></span>'
    r'(?: · ([^<]*?) ?<bdi dir="ltr">([^<]*)</bdi>)?</p>'
)


def _entries(page: str) -> list[tuple[str, str, str]]:
    """(actor email or "", action, object in words and id) of each event, top to bottom."""
    return [
        (a or "", b, f"{kind} {ident}".strip())
        for a, b, kind, ident in ENTRY.findall(html.unescape(page))
    ]


def _page(client: FlaskClient, query: str = "") -> str:
    response = client.get("/admin/audit" + query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_log_filters_by_person_and_by_action_newest_first(
    demo: Flask, session: Session, make_user: Callable[..., User]
) -> None:
    make_user("admin@example.org", roles=(Role.ADMIN,))
    amina = make_user("amina@example.org", desks=("IQ",))
    bashir = make_user("bashir@example.org", desks=("IQ",))
    for n, (who, action) in enumerate(
        [(amina, "report.open"), (bashir, "report.open"), (amina, "report.grade")]
        + [(amina, "report.open")] * 2
    ):
        audit.record(
            session,
            actor_id=who.id,
            action=action,
            object_type="report",
            object_id=f"r{n}",
            detail={"desk": "IQ"},
        )
    session.commit()
    client = demo.test_client()
    sign_in(client, "admin@example.org")

    only_amina_opening = _entries(_page(client, "?user=Amina@Example.org&action=report.open"))
    everything = _entries(_page(client))

    assert only_amina_opening == [
        ("amina@example.org", "report.open", "Report r4"),
        ("amina@example.org", "report.open", "Report r3"),
        ("amina@example.org", "report.open", "Report r0"),
    ]
    assert [e for e in everything if e[0] == "bashir@example.org"] == [
        ("bashir@example.org", "report.open", "Report r1")
    ]
    assert everything[0][:2] == ("admin@example.org", "auth.login")  # the admin's own sign-in
    assert re.search(r"Desk:</span> <bdi>IQ</bdi>", _page(client, "?action=report.grade"))
    assert 'value="report.grade"' in _page(client)  # the action menu offers what was recorded
    assert "No account has this email" in _page(client, "?user=nobody@example.org")
    assert _entries(_page(client, "?user=nobody@example.org")) == []


def test_the_log_pages_by_a_hundred_events(
    demo: Flask, session: Session, make_user: Callable[..., User]
) -> None:
    make_user("admin@example.org", roles=(Role.ADMIN,))
    for n in range(150):
        audit.record(session, actor_id=None, action="test.bulk", object_id=str(n))
    session.commit()
    client = demo.test_client()
    sign_in(client, "admin@example.org")

    first = _page(client, "?action=test.bulk")
    older = re.search(r'href="([^"]*before=\d+[^"]*)"', first)
    assert older
    second = _page(client, html.unescape(older.group(1)).removeprefix("/admin/audit"))

    assert [e[2].strip() for e in _entries(first)] == [str(n) for n in range(149, 49, -1)]
    assert [e[2].strip() for e in _entries(second)] == [str(n) for n in range(49, -1, -1)]
    assert all(e[0] == "" for e in _entries(second))  # the system, not a person
    assert "Older events" not in second
