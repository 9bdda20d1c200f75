"""Concurrent writers on PostgreSQL: the chain stays one chain, and two awards read against the
same balance cannot together overdraw the endowment (the ledger's advisory lock)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.models import Compact, ReformGrant, User
from portal.ledger import grants, postings, service
from portal.ledger.verify import verify_ledger
from portal.web.services import EXTENSION
from tests.ledger.books import TODAY, tranche

NOTE = "Fits the oversight priority of the compact, two quotes checked."


@pytest.fixture
def postgres(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite has one writer)")


def _race(app: Flask, work: list[Callable[[Session], None]]) -> list[BaseException]:
    database = app.extensions[EXTENSION].database
    barrier = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def run(job: Callable[[Session], None]) -> None:
        try:
            with database.transaction() as s:
                barrier.wait()
                job(s)
        except BaseException as error:  # collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_concurrent_disbursements_keep_one_chain(
    postgres: None, app: Flask, session: Session, compact: Compact, assessor: User
) -> None:
    def record(number: int) -> Callable[[Session], None]:
        def job(s: Session) -> None:
            c = s.get(Compact, compact.id)
            u = s.get(User, assessor.id)
            assert c is not None and u is not None
            service.record_disbursement(s, u, c, tranche(gross=f"{1000 + number}.00",
                                                         name=f"T{number}"), today=TODAY)
        return job

    assert _race(app, [record(n) for n in range(6)]) == []
    problem, summary = verify_ledger(session)
    assert problem is None and summary.transactions == 6


def test_two_awards_racing_cannot_overdraw(
    postgres: None, app: Flask, session: Session, compact: Compact, assessor: User
) -> None:
    service.record_disbursement(session, assessor, compact, tranche(gross="100000.00"),
                                today=TODAY)  # levy 1000.00
    ids = []
    for _ in range(2):
        grant = grants.propose(session, assessor, compact, grants.Proposal(
            "Reform", "Civil group", "civil_society", "", Decimal("600.00"), "OA-2", "30", "60"))
        ids.append(grant.public_id)
    session.commit()

    def award(public_id: str) -> Callable[[Session], None]:
        def job(s: Session) -> None:
            c = s.get(Compact, compact.id)
            u = s.get(User, assessor.id)
            assert c is not None and u is not None
            grants.review(s, u, c, public_id, award=Decimal("600.00"), note=NOTE, today=TODAY)
        return job

    errors = _race(app, [award(i) for i in ids])
    assert len(errors) == 1 and isinstance(errors[0], service.LedgerError)
    session.expire_all()
    states = sorted(session.scalars(select(ReformGrant.state)).all())
    assert states == ["awarded", "proposed"]
    assert postings.balance(session, compact.id, postings.ENDOWMENT) == Decimal("400.00")
