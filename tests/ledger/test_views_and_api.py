"""The ledger's views: the balance chart with axes, exports (CSV with HXL, IATI-shaped JSON),
the read API in the OpenAPI document, and the public page's endowment totals (money flows are
public; recipient units and overrides are not)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.auth.api_tokens import issue_token
from portal.domain.models import AuditEvent, Compact, User
from portal.ledger import grants, service
from portal.ledger.chart import balance_chart
from tests.api.openapi_check import OpenApiCheck
from tests.conftest import sign_in
from tests.ledger.books import TODAY, tranche

JUSTIFICATION = "Board minute 2026-14: border posts need radios before the rains."
NOTE = "Fits the oversight priority of the compact, two quotes checked."


def _books(session: Session, compact: Compact, assessor: User) -> None:
    service.record_disbursement(session, assessor, compact, tranche(gross="200000.00"),
                                today=TODAY)
    service.record_disbursement(
        session, assessor, compact,
        tranche("light_lethal", unit="Special Forces Command", gross="50000.50",
                day=dt.date(2026, 6, 2), name="T2"),
        justification=JUSTIFICATION, today=TODAY,
    )
    row = service.record_disbursement(session, assessor, compact,
                                      tranche(gross="1000.00", day=dt.date(2026, 7, 1),
                                              name="T3"), today=TODAY)
    service.reverse_disbursement(session, assessor, compact, row.public_id,
                                 "Entered twice by mistake", today=dt.date(2026, 7, 2))
    grant = grants.propose(session, assessor, compact, grants.Proposal(
        "Ombudsman hotline", "Civil Monitoring Network", "civil_society", "",
        Decimal("1500.00"), "Complaints answered in 30 days", "20%", "70%"))
    grants.review(session, assessor, compact, grant.public_id, award=Decimal("1200.00"),
                  note=NOTE, today=dt.date(2026, 8, 1))
    grants.pay(session, assessor, compact, grant.public_id, Decimal("200.00"),
               today=dt.date(2026, 8, 2))
    session.commit()


def test_balance_chart_has_axes_and_labels() -> None:
    svg = balance_chart(
        [(dt.date(2026, 1, 1), Decimal("100.00")), (dt.date(2026, 3, 1), Decimal("40.00"))],
        title="Balance", day_label=lambda d: d.isoformat(), money_label=lambda m: f"{m:.2f}",
    )
    assert svg.startswith("<svg") and "<title>Balance</title>" in svg
    assert svg.count("<line") >= 2 + 3 + 3  # two axes, three ticks on each
    for label in ("2026-01-01", "2026-01-30", "2026-03-01", "0.00", "50.00", "100.00"):
        assert f">{label}</text>" in svg
    assert "<script" not in svg
    rtl = balance_chart([(dt.date(2026, 1, 1), Decimal(5))], title="B", rtl=True,
                        day_label=str, money_label=str)
    assert 'text-anchor="start"' in rtl
    assert balance_chart([], title="B", day_label=str, money_label=str) == ""


def test_ledger_page_shows_chart_grants_and_overrides(
    app: Flask, session: Session, compact: Compact, assessor: User
) -> None:
    _books(session, compact, assessor)
    client = app.test_client()
    sign_in(client, "assessor@example.org")
    page = client.get(f"/assess/compacts/{compact.slug}/assistance").get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and "chart balance" in page
    # Levied: 2000.00 + 500.00 (50000.50 × 1% = 500.005 → 500.00) + 10.00 − 10.00 reversed.
    assert "2,500.00" in page and "1,200.00" in page and "1,300.00" in page
    assert "Ombudsman hotline" in page and JUSTIFICATION in page
    assert "<script" not in page


def test_exports_and_api_for_a_token_with_the_ledger_scope(
    app: Flask, session: Session, compact: Compact, assessor: User
) -> None:
    openapi = OpenApiCheck(app.test_client().get("/api/v1/openapi.json").get_json())
    _books(session, compact, assessor)
    token = issue_token(session, assessor, "ledger", ["ledger:read"])
    session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    base = f"/api/v1/compacts/{compact.slug}"
    document = client.get(f"{base}/ledger", headers=headers)
    assert document.status_code == 200
    openapi.response(document)
    body = document.get_json()
    assert body["endowment"] == {"currency": "USD", "levied": "2500.00", "granted": "1200.00",
                                 "paid": "200.00", "balance": "1300.00"}
    kinds = [t["kind"] for t in body["transactions"]]
    assert kinds == ["disbursement", "disbursement", "disbursement", "reversal",
                     "grant_award", "grant_payment"]
    reversal = body["transactions"][3]
    assert reversal["transaction-type"]["code"] == "3"
    assert reversal["value"]["amount"] == "-1000.00"
    assert body["transactions"][4]["transaction-type"] == {"code": "2",
                                                           "name": "Outgoing Commitment"}
    assert body["transactions"][1]["overrides"] == ["tier"]
    assert body["transactions"][0]["finance-type"] == {"code": "110"}
    assert body["overrides"][0]["justification"] == JUSTIFICATION
    as_file = client.get(f"{base}/ledger.json", headers=headers)
    openapi.response(as_file)
    assert as_file.headers["Content-Disposition"].startswith("attachment; ")
    table = client.get(f"{base}/ledger.csv", headers=headers)
    openapi.response(table)
    rows = list(csv.reader(io.StringIO(table.get_data(as_text=True))))
    assert rows[1][0] == "#meta+compact+id" and all(c.startswith("#") for c in rows[1])
    assert len(rows) == 2 + 6
    assert rows[5][3] == "reversal" and rows[5][12] == "-1000.00"  # no apostrophe on a number
    reconciliation = client.get(f"{base}/ledger/reconciliation?quarter=2026Q3",
                                headers=headers)
    openapi.response(reconciliation)
    assert reconciliation.get_json()["balanced"] is True
    bad = client.get(f"{base}/ledger/reconciliation?quarter=Q3", headers=headers)
    assert bad.status_code == 400
    openapi.response(bad)
    assert client.get(f"{base}/ledger").status_code == 401
    missing = client.get("/api/v1/compacts/nope/ledger", headers=headers)
    assert missing.status_code == 404
    reads = session.scalars(select(AuditEvent).where(AuditEvent.action == "ledger.read")).all()
    assert len(reads) == 3


def test_a_token_without_the_ledger_scope_is_refused(
    app: Flask, session: Session, compact: Compact, assessor: User
) -> None:
    token = issue_token(session, assessor, "exports", ["exports:read", "scorecards:read"])
    session.commit()
    response = app.test_client().get(f"/api/v1/compacts/{compact.slug}/ledger",
                                     headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403


def test_public_page_shows_money_flows_not_units_or_overrides(
    app: Flask, session: Session, compact: Compact, assessor: User
) -> None:
    _books(session, compact, assessor)
    page = app.test_client().get(f"/public/compacts/{compact.slug}").get_data(as_text=True)
    assert "Reform endowment" in page
    for figure in ("2,500.00", "1,200.00", "1,300.00"):
        assert figure in page
    for secret in ("Special Forces Command", "3rd Brigade", JUSTIFICATION, "Ombudsman"):
        assert secret not in page
