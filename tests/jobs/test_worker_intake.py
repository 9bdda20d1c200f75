"""A report sent through the form reaches the right desk through a real rq worker (DESIGN §4).

The web request leaves the intake job in the outbox; the scheduler's next tick drains it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.models import Desk, OutboxState, Report
from tests.conftest import sign_in
from tests.jobs.conftest import Ran, compact_on_page, outbox_states, submit, tick, torture_report


@pytest.fixture
def routed(
    demo: Flask,
    client: FlaskClient,
    session: Session,
    make_user: Callable[..., object],
    redis: Redis,
    run_worker: Callable[[], Ran],
) -> Report:
    """A torture report sent through the form, then taken in by a real rq worker."""
    make_user("iq@example.org", desks=("IQ",))
    make_user("so@example.org", desks=("SO",))
    submit(client, torture_report(compact_on_page(client)))
    # Committed and held for the tick: neither run in the web process nor put in rq by it.
    assert outbox_states(session) == {OutboxState.PENDING: 1}
    assert redis.keys("rq:*") == []
    report = session.scalars(select(Report)).one()
    assert not report.intake_done and report.priority == 0

    assert tick(redis) == ["intake-drain", "outbox-sweep"]
    ran = run_worker()

    assert ran.failed == []
    assert outbox_states(session) == {OutboxState.DONE: 1}
    session.refresh(report)
    return report


def test_the_worker_prioritises_the_report_into_its_desk_s_queue(
    demo: Flask, session: Session, routed: Report
) -> None:
    assert routed.intake_done and routed.fingerprint
    assert routed.priority > 0
    desk = session.get(Desk, routed.desk_id)
    assert desk is not None and desk.code == "IQ"

    iq = demo.test_client()
    sign_in(iq, "iq@example.org")
    assert f"/desk/reports/{routed.public_id}" in iq.get("/desk/").get_data(as_text=True)
    assert iq.get(f"/desk/reports/{routed.public_id}").status_code == 200

    so = demo.test_client()
    sign_in(so, "so@example.org")
    assert f"/desk/reports/{routed.public_id}" not in so.get("/desk/").get_data(as_text=True)


def test_a_verifier_of_another_desk_is_told_the_report_does_not_exist(
    demo: Flask, routed: Report
) -> None:
    so = demo.test_client()
    sign_in(so, "so@example.org")
    assert so.get(f"/desk/reports/{routed.public_id}").status_code == 404
