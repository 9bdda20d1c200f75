"""Property: for any sequence of disbursements, reversals and grants, every transaction's debits
equal its credits, the whole ledger balances, and the endowment balance is never negative."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.models import Compact, LedgerEntry, ReformGrant, User
from portal.ledger import grants, postings, service
from portal.ledger.verify import verify_ledger
from tests.ledger.books import TODAY, new_compact, tranche

_slugs = itertools.count()

amounts = st.integers(min_value=1, max_value=10_000_000_00).map(lambda c: Decimal(c) / 100)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("disburse"), amounts),
        st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=50)),
        st.tuples(st.just("grant"), amounts.map(lambda a: a / 50)),
        st.tuples(st.just("pay"), st.integers(min_value=0, max_value=50)),
    ),
    min_size=1,
    max_size=25,
)


def _check(session: Session, compact: Compact) -> None:
    entries = session.scalars(
        select(LedgerEntry).where(LedgerEntry.compact_id == compact.id)
    ).all()
    by_txn: dict[str, list[LedgerEntry]] = {}
    for entry in entries:
        by_txn.setdefault(entry.txn_id, []).append(entry)
    for lines in by_txn.values():
        assert sum(e.debit for e in lines) == sum(e.credit for e in lines)
    assert sum(e.debit for e in entries) == sum(e.credit for e in entries)
    assert postings.balance(session, compact.id, postings.ENDOWMENT) >= 0
    assert postings.balance(session, compact.id, postings.COMMITTED) >= 0


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=steps)
def test_debits_equal_credits_and_the_endowment_never_goes_negative(
    session: Session, assessor: User, plan: list[tuple[str, object]]
) -> None:
    compact = new_compact(session, slug=f"prop-{next(_slugs)}")
    recorded = []
    awarded: list[ReformGrant] = []
    for number, (action, value) in enumerate(plan):
        if action == "disburse":
            assert isinstance(value, Decimal)
            recorded.append(service.record_disbursement(
                session, assessor, compact,
                tranche(gross=f"{value:.2f}", name=f"T{number}", day=dt.date(2026, 3, 1)),
                today=TODAY,
            ))
        elif action == "grant":
            assert isinstance(value, Decimal)
            amount = max(Decimal("0.01"), value.quantize(Decimal("0.01")))
            grant = grants.propose(session, assessor, compact, grants.Proposal(
                "Reform", "Civil group", "civil_society", "", amount, "OA-2", "30", "60"))
            session.commit()
            try:
                # Sometimes more than the endowment holds: refused, never overdrawn.
                grants.review(session, assessor, compact, grant.public_id, award=amount,
                              note="Reviewed against the compact priorities.", today=TODAY)
            except service.LedgerError:
                session.rollback()
                continue
            awarded.append(grant)
        elif action == "pay" and awarded:
            assert isinstance(value, int)
            grant = awarded[value % len(awarded)]
            remaining = (grant.awarded or Decimal(0)) - grants.paid(session, grant)
            if remaining > 0:
                grants.pay(session, assessor, compact, grant.public_id,
                           max(Decimal("0.01"), (remaining / 2).quantize(Decimal("0.01"))),
                           today=TODAY)
        elif action == "reverse" and recorded:
            assert isinstance(value, int)
            row = recorded[value % len(recorded)]
            try:
                service.reverse_disbursement(
                    session, assessor, compact, row.public_id, "Correction of an entry",
                    today=TODAY,
                )
            except service.LedgerError:
                session.rollback()
                continue
        session.commit()
        _check(session, compact)
    problem, _summary = verify_ledger(session)
    assert problem is None, str(problem)
