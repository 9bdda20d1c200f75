"""Reading the desk as a verifier does: pages, flashed sentences, queue order, audit rows."""

from __future__ import annotations

import html
import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.domain.models import AuditEvent, Report
from tests.conftest import csrf_token

REPORT_LINK = re.compile(r'href="/desk/reports/([A-Za-z0-9_-]+)"')


def page_text(response: TestResponse) -> str:
    return html.unescape(response.get_data(as_text=True))


def follow(client: FlaskClient, response: TestResponse) -> str:
    """The page a redirect leads to, as the user reads it."""
    assert response.status_code == 302, response.status_code
    return page_text(client.get(response.headers["Location"]))


def post_form(
    client: FlaskClient, path: str, data: dict[str, Any], *, token_from: str = "/desk/"
) -> TestResponse:
    """POST with a valid CSRF token taken from a page this browser may read."""
    return client.post(path, data={"csrf_token": csrf_token(client, token_from), **data})


def listed(client: FlaskClient, query: str = "") -> list[str]:
    """Public ids of the reports the queue page shows, in the order it shows them."""
    response = client.get("/desk/" + (f"?{query}" if query else ""))
    assert response.status_code == 200, response.status_code
    return list(dict.fromkeys(REPORT_LINK.findall(response.get_data(as_text=True))))


def audit_events(
    session: Session, action: str, object_id: str | None = None
) -> list[AuditEvent]:
    session.expire_all()
    query = select(AuditEvent).where(AuditEvent.action == action)
    if object_id is not None:
        query = query.where(AuditEvent.object_id == object_id)
    return list(session.scalars(query.order_by(AuditEvent.id)))


def audit_count(session: Session, *, excluding: tuple[str, ...] = ()) -> int:
    session.expire_all()
    query = select(func.count(AuditEvent.id))
    if excluding:
        query = query.where(AuditEvent.action.not_in(excluding))
    return session.scalar(query) or 0


def fresh(session: Session, report: Report) -> Report:
    """The report as the database holds it now, not as this session remembers it."""
    session.expire_all()
    found = session.get(Report, report.id)
    assert found is not None
    return found
