"""The endowment's books: reversals, the hash chain under tampering, rate periods and the
quarterly reconciliation to the cent."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from portal.domain.models import Compact, Disbursement, LedgerEntry, User
from portal.ledger import postings, service
from portal.ledger.catalogue import CatalogueError, add_levy_rate
from portal.ledger.money import levy_for
from portal.ledger.reconcile import Quarter, reconcile
from portal.ledger.verify import verify_ledger
from tests.conftest import csrf_token, sign_in
from tests.ledger.books import TODAY, tranche

ACCOUNTS = postings.ACCOUNTS


def _balances(session: Session, compact: Compact) -> dict[str, Decimal]:
    return {a: postings.balance(session, compact.id, a) for a in ACCOUNTS}


def test_a_reversing_entry_restores_balances_exactly(
    session: Session, compact: Compact, assessor: User
) -> None:
    service.record_disbursement(session, assessor, compact, tranche(gross="1000.50"), today=TODAY)
    before = _balances(session, compact)
    row = service.record_disbursement(
        session, assessor, compact, tranche(gross="333333.35", name="T2"), today=TODAY
    )
    service.record_disbursement(session, assessor, compact, tranche(gross="2.50", name="T3"),
                                today=TODAY)
    after_third = _balances(session, compact)
    service.reverse_disbursement(
        session, assessor, compact, row.public_id, "Entered twice by mistake", today=TODAY
    )
    session.commit()
    restored = _balances(session, compact)
    third = {a: after_third[a] - before[a] - (_contribution(session, row, a)) for a in ACCOUNTS}
    assert restored == {a: before[a] + third[a] for a in ACCOUNTS}
    # The levy of T2 (3333.33) left the endowment exactly; T1's 10.00 (10.005 → even) and
    # T3's 0.02 (0.025 → even) stay.
    assert restored[postings.ENDOWMENT] == Decimal("10.00") + Decimal("0.02")
    assert sum(restored.values()) == 0
    assert verify_ledger(session)[0] is None
    with pytest.raises(service.LedgerError):
        service.reverse_disbursement(
            session, assessor, compact, row.public_id, "Entered twice by mistake", today=TODAY
        )


def _contribution(session: Session, row: Disbursement, account: str) -> Decimal:
    return sum(
        (e.debit - e.credit for e in postings.transaction_lines(session, row.txn_id)
         if e.account == account),
        Decimal(0),
    )


def test_ledger_rows_cannot_be_edited_through_the_application(
    session: Session, compact: Compact, assessor: User
) -> None:
    row = service.record_disbursement(session, assessor, compact, tranche(), today=TODAY)
    session.commit()
    entry = session.scalars(select(LedgerEntry).where(LedgerEntry.txn_id == row.txn_id)).first()
    assert entry is not None
    entry.memo = "changed"
    with pytest.raises(RuntimeError):
        session.flush()
    session.rollback()


def _three(session: Session, compact: Compact, assessor: User) -> list[Disbursement]:
    rows = [
        service.record_disbursement(
            session, assessor, compact, tranche(gross=g, name=f"T{i}"), today=TODAY
        )
        for i, g in enumerate(("1000.00", "2500.00", "750.25"))
    ]
    session.commit()
    return rows


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("UPDATE ledger_entries SET credit = credit + 1 WHERE id = :id", "its content was changed"),
        ("UPDATE ledger_entries SET memo = 'x' WHERE id = :id", "its content was changed"),
        ("DELETE FROM ledger_entries WHERE id = :id", "does not follow the row before it"),
    ],
)
def test_editing_a_ledger_row_makes_verify_fail_naming_it(
    app: Flask, session: Session, compact: Compact, assessor: User, sql: str, expected: str
) -> None:
    _three(session, compact, assessor)
    runner = app.test_cli_runner()
    fine = runner.invoke(args=["portal", "ledger", "verify"])
    assert fine.exit_code == 0, fine.output
    assert "9 entries in 3 transactions, 3 disbursements reconciled" in fine.output
    target = session.scalars(select(LedgerEntry.id).order_by(LedgerEntry.id)).all()[4]
    session.execute(text(sql), {"id": target})
    session.commit()
    broken = runner.invoke(args=["portal", "ledger", "verify"])
    assert broken.exit_code == 1
    # A deleted row is missed by the row after it.
    named = target + 1 if sql.startswith("DELETE") else target
    assert f"ledger entry {named}: {expected}" in broken.output


def test_a_rehashed_edit_still_fails_on_the_next_row(
    app: Flask, session: Session, compact: Compact, assessor: User
) -> None:
    """Someone who edits a row and recomputes its hash breaks the link of the row after it."""
    _three(session, compact, assessor)
    entry = session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)).all()[4]
    entry_id = entry.id
    forged = LedgerEntry(**{c: getattr(entry, c) for c in (
        "txn_id", "line", "compact_id", "day", "kind", "account", "debit", "credit", "currency",
        "reference", "reverses_txn", "levy_rate_version", "memo", "recorded_by_id", "prev_hash",
    )})
    forged.memo = "forged"
    session.expunge_all()
    session.execute(
        text("UPDATE ledger_entries SET memo = 'forged', hash = :h WHERE id = :id"),
        {"h": postings.entry_hash(forged), "id": entry_id},
    )
    session.commit()
    problem, _summary = verify_ledger(session)
    assert problem is not None and problem.row_id == entry_id + 1


def test_editing_a_disbursement_makes_verify_fail_naming_it(
    app: Flask, session: Session, compact: Compact, assessor: User
) -> None:
    rows = _three(session, compact, assessor)
    session.execute(
        text("UPDATE disbursements SET levy = levy - 1 WHERE id = :id"), {"id": rows[1].id}
    )
    session.commit()
    broken = app.test_cli_runner().invoke(args=["portal", "ledger", "verify"])
    assert broken.exit_code == 1
    assert f"disbursement {rows[1].id}: its levy does not recompute" in broken.output


def test_a_year_across_two_rate_changes_reconciles_to_the_cent(
    app: Flask, session: Session, compact: Compact, assessor: User, admin: User
) -> None:
    rng = random.Random(2026)
    changes = {
        dt.date(2026, 4, 15): Decimal("0.0125"),
        dt.date(2026, 9, 1): Decimal("0.0075"),
    }
    rates = [(dt.date(2000, 1, 1), Decimal("0.01")), *sorted(changes.items())]
    day = dt.date(2026, 1, 1)
    hand_levy: dict[str, Decimal] = {}
    hand_gross: dict[str, Decimal] = {}
    recorded: list[Disbursement] = []
    while day <= dt.date(2026, 12, 31):
        if day in changes:
            add_levy_rate(session, admin, changes[day], day, "Compact board decision",
                          last_disbursement_day=recorded[-1].day if recorded else None)
        for _ in range(rng.choice((0, 1, 1, 2))):
            cents = rng.randrange(1, 5_000_000_00)
            # Amounts ending in a half cent of levy are common on purpose.
            if rng.random() < 0.3:
                cents = rng.randrange(1, 1_000_000) * 50
            gross = Decimal(cents) / 100
            row = service.record_disbursement(
                session, assessor, compact,
                tranche(gross=f"{gross:.2f}", day=day, name=f"{day}"),
                today=dt.date(2026, 12, 31),
            )
            recorded.append(row)
            rate = [r for start, r in rates if start <= day][-1]
            # By hand: L × gross exactly, then half to even at the cent.
            exact = rate * gross
            cent = (exact * 100).to_integral_value(rounding="ROUND_HALF_EVEN") / 100
            assert row.levy == cent and row.levy_rate == rate
            quarter = str(Quarter.of(day))
            hand_levy[quarter] = hand_levy.get(quarter, Decimal(0)) + cent
            hand_gross[quarter] = hand_gross.get(quarter, Decimal(0)) + gross
        day += dt.timedelta(days=1)
    # A few corrections late in the year, reversed with their own rate.
    for row in recorded[5:8]:
        service.reverse_disbursement(session, assessor, compact, row.public_id,
                                     "Duplicate of another tranche", today=dt.date(2026, 12, 31))
    session.commit()
    assert len(recorded) > 250
    total = Decimal(0)
    for number in (1, 2, 3, 4):
        quarter = Quarter(2026, number)
        lines = reconcile(session, quarter, compact)
        assert lines and all(x.balanced for x in lines), [x.as_dict() for x in lines]
        levied = sum((x.levy_posted for x in lines), Decimal(0))
        if number < 4:  # the reversals are posted in Q4
            assert levied == hand_levy[str(quarter)]
            assert sum((x.gross for x in lines), Decimal(0)) == hand_gross[str(quarter)]
        total += levied
        # Q2 and Q3 hold two rate periods each; Q4 holds its own and the first rate's
        # reversals (a reversal returns the levy at the rate it was taken at).
        assert len(lines) == {1: 1, 2: 2, 3: 2, 4: 2}[number]
    reversed_levy = sum((r.levy for r in recorded[5:8]), Decimal(0))
    assert total == sum(hand_levy.values(), Decimal(0)) - reversed_levy
    assert total == postings.balance(session, compact.id, postings.ENDOWMENT)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["portal", "ledger", "reconcile", "--quarter", "2026Q2"])
    assert result.exit_code == 0, result.output
    assert "rate v2 L=0.0125" in result.output and "NOT BALANCED" not in result.output
    assert runner.invoke(args=["portal", "ledger", "verify"]).exit_code == 0
    bad = runner.invoke(args=["portal", "ledger", "reconcile", "--quarter", "2026-Q5"])
    assert bad.exit_code == 2


def test_a_new_rate_cannot_reach_back_over_levied_days(
    session: Session, compact: Compact, assessor: User, admin: User
) -> None:
    service.record_disbursement(session, assessor, compact, tranche(), today=TODAY)
    with pytest.raises(CatalogueError):
        add_levy_rate(session, admin, Decimal("0.02"), dt.date(2026, 3, 15), "Board 2026",
                      last_disbursement_day=dt.date(2026, 3, 15))
    with pytest.raises(CatalogueError):
        add_levy_rate(session, admin, Decimal("0.5"), dt.date(2026, 6, 1), "Board 2026",
                      last_disbursement_day=dt.date(2026, 3, 15))
    created = add_levy_rate(session, admin, Decimal("0.02"), dt.date(2026, 3, 16), "Board 2026",
                            last_disbursement_day=dt.date(2026, 3, 15))
    assert created.version == 2
    assert levy_for(created.rate, Decimal("100.25")) == Decimal("2.00")  # 2.005 → even


def test_reconciliation_page_and_downloads(
    app: Flask, session: Session, compact: Compact, assessor: User
) -> None:
    _three(session, compact, assessor)
    client = app.test_client()
    sign_in(client, "assessor@example.org")
    base = f"/assess/compacts/{compact.slug}/assistance/reconciliation"
    page = client.get(f"{base}?quarter=2026Q1")
    assert page.status_code == 200
    assert "The quarter balances to the cent." in page.get_data(as_text=True)
    csv_text = client.get(f"{base}.csv?quarter=2026Q1").get_data(as_text=True)
    header, hxl, first = csv_text.splitlines()[:3]
    assert header.startswith("compact,quarter,currency") and hxl.startswith("#meta+compact+id")
    assert first.startswith("iq-test,2026Q1,USD,1,0.01,")
    document = json.loads(client.get(f"{base}.json?quarter=2026Q1").get_data(as_text=True))
    assert document["balanced"] is True
    assert document["rate_periods"][0]["levy_posted"] == "42.50"  # 10.00 + 25.00 + 7.50
    assert client.get(f"{base}?quarter=nonsense").status_code == 400


def test_reversal_from_the_page(
    app: Flask, session: Session, compact: Compact, assessor: User
) -> None:
    rows = _three(session, compact, assessor)
    client = app.test_client()
    sign_in(client, "assessor@example.org")
    path = f"/assess/compacts/{compact.slug}/assistance"
    response = client.post(
        f"{path}/{rows[0].public_id}/reverse",
        data={"reason": "Recorded against the wrong compact",
              "csrf_token": csrf_token(client, path)},
    )
    assert response.status_code == 302
    assert postings.balance(session, compact.id, postings.ENDOWMENT) == Decimal("32.50")


def test_levy_rates_page_for_admins(app: Flask, admin: User, assessor: User) -> None:
    client = app.test_client()
    sign_in(client, "admin@example.org")
    response = client.post("/assess/assistance/levy", data={
        "rate": "0.015", "effective_from": "2027-01-01", "note": "Compact board, Dec 2026",
        "csrf_token": csrf_token(client, "/assess/assistance/levy"),
    })
    assert response.status_code == 302
    assert "1.5%" in client.get("/assess/assistance/levy").get_data(as_text=True)
    refused = client.post("/assess/assistance/levy", data={
        "rate": "1%", "effective_from": "2028-01-01", "note": "Compact board",
        "csrf_token": csrf_token(client, "/assess/assistance/levy"),
    })
    assert refused.status_code == 400
