"""Assessor data entry (issue 12.6): only the kinds each indicator takes, checked at entry with a
translated sentence; one wrong row never breaks a scorecard; corrections and withdrawals are new,
audit-logged versions with their source."""

from __future__ import annotations

import html
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.assess.data_kinds import ENTERABLE, KINDS, VALID_KINDS, standing
from portal.assess.periods import Period
from portal.assess.scoring import compute_scorecard
from portal.domain.catalogue import INDICATOR_CODES
from portal.domain.models import AssessorDatum, AuditEvent, Compact, Role
from tests.conftest import csrf_token, sign_in

YEAR = "2026"

# A plausible body for each kind, so a refusal is about the kind, not the numbers.
BODIES: dict[str, dict[str, str]] = {
    "proportion": {"successes": "90", "failures": "10"},
    "checklist": {"scores": "60, 70"},
    "composition": {"groups": "Arab, 600, 60\nKurd, 300, 30\nTurkmen, 100, 10"},
    "diverted_items": {"items": "3"},
}
SOURCE = "Ministry payroll audit of March, report 12"


@pytest.fixture
def assessor(app: Flask, session: Session, make_user: Any) -> FlaskClient:
    assert app.test_cli_runner().invoke(args=["portal", "demo", "--empty"]).exit_code == 0
    make_user("entry@example.org", roles=(Role.ASSESSOR,))
    client = app.test_client()
    sign_in(client, "entry@example.org")
    return client


@pytest.fixture
def compact(session: Session, assessor: FlaskClient) -> Compact:
    found = session.scalar(select(Compact).where(Compact.country == "IQ"))
    assert found is not None
    return found


def _rows(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count(AssessorDatum.id))) or 0


def _post(
    client: FlaskClient, compact: Compact, data: dict[str, str], lang: str = "en"
) -> tuple[int, str]:
    path = f"/assess/compacts/{compact.slug}/data"
    token = csrf_token(client, path + f"?indicator=PM-1&lang={lang}")
    response = client.post(
        path + f"?lang={lang}",
        data={"csrf_token": token, "period": YEAR, "provenance": SOURCE, **data},
    )
    return response.status_code, html.unescape(response.get_data(as_text=True))


def test_the_form_offers_only_the_kinds_each_indicator_takes(
    assessor: FlaskClient, compact: Compact
) -> None:
    for code in INDICATOR_CODES:
        page = assessor.get(f"/assess/compacts/{compact.slug}/data?indicator={code}")
        text = page.get_data(as_text=True)
        offered = {k for k in KINDS if f'<option value="{k}"' in text}
        assert offered == set(VALID_KINDS[code]), code
    # IN-1 has a kind now, and the reports-only indicators are named as such.
    assert VALID_KINDS["IN-1"] == ("composition",)
    page = html.unescape(
        assessor.get(f"/assess/compacts/{compact.slug}/data").get_data(as_text=True)
    )
    assert "Scored from verified reports only, with no data to enter: " in page
    assert "HR-1" in page.split("Scored from verified reports only")[1][:200]


FRENCH_WRONG_KIND = "ne prend pas ce type de données"
FRENCH_REPORTS_ONLY = "est calculé uniquement à partir des signalements vérifiés"


def test_every_invalid_kind_for_every_indicator_is_refused_with_a_translated_message(
    session: Session, assessor: FlaskClient, compact: Compact
) -> None:
    before = _rows(session)
    refused = 0
    for code in INDICATOR_CODES:
        for kind in (*KINDS, "withdrawn", "rate", ""):
            if kind in VALID_KINDS[code]:
                continue
            body = BODIES.get(kind, BODIES["proportion"])
            status, page = _post(assessor, compact, {"indicator": code, "kind": kind, **body}, "fr")
            assert status == 400, (code, kind)
            expected = FRENCH_WRONG_KIND if VALID_KINDS[code] else FRENCH_REPORTS_ONLY
            assert expected in page, (code, kind)
            assert "does not take this kind" not in page and "verified reports only:" not in page
            refused += 1
    assert refused >= 16 * 4
    assert _rows(session) == before


def test_each_indicator_takes_its_own_kind_and_the_scorecard_computes(
    session: Session, assessor: FlaskClient, compact: Compact
) -> None:
    for code in ENTERABLE:
        [kind] = VALID_KINDS[code]
        status, page = _post(assessor, compact, {"indicator": code, "kind": kind, **BODIES[kind]})
        assert status == 302, (code, page[:3000])
    session.expire_all()
    rows = session.scalars(
        select(AssessorDatum).where(AssessorDatum.compact_id == compact.id)
    ).all()
    # The demo may hold entries of its own: look at the ones this test made.
    mine = [r for r in rows if r.provenance == SOURCE]
    composition = next(r for r in mine if r.indicator_code == "IN-1").values
    assert [g["population_share"] for g in composition["groups"]] == [0.6, 0.3, 0.1]
    assert len(standing(mine)) == len(ENTERABLE)
    card = compute_scorecard(session, compact, Period.parse(YEAR))
    in1 = next(e for e in card.entries if e.indicator_code == "IN-1")
    assert in1.estimate is not None


@pytest.mark.parametrize(
    ("code", "values"),
    [
        ("IN-1", {"kind": "proportion", "successes": 3.0, "failures": 1.0}),
        ("PM-1", {"kind": "checklist", "scores": [50.0, 60.0]}),
        ("HR-1", {"kind": "proportion", "successes": 3.0, "failures": 1.0}),
        ("IC-3", {"kind": "checklist", "scores": [50.0]}),
        ("IN-1", {"kind": "composition", "groups": [{"group": "a"}]}),
    ],
)
def test_one_wrong_row_never_breaks_the_scorecard(
    session: Session, assessor: FlaskClient, compact: Compact, code: str, values: dict[str, Any]
) -> None:
    # Entered before the checks existed, or by hand: the scorecard leaves it out.
    session.add(
        AssessorDatum(
            compact_id=compact.id,
            indicator_code=code,
            period=YEAR,
            values=values,
            provenance="an old row",
        )
    )
    session.commit()
    card = compute_scorecard(session, compact, Period.parse(YEAR))
    session.commit()
    assert card.entries
    response = assessor.post(
        f"/assess/compacts/{compact.slug}/compute?period={YEAR}",
        data={"csrf_token": csrf_token(assessor, f"/assess/compacts/{compact.slug}")},
    )
    assert response.status_code == 302
    page = html.unescape(
        assessor.get(f"/assess/compacts/{compact.slug}/data").get_data(as_text=True)
    )
    assert "No: not valid for this indicator, left out" in page


def _audit(session: Session, action: str) -> list[AuditEvent]:
    session.expire_all()
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_corrections_and_withdrawals_are_audit_logged_versions_with_their_source(
    session: Session, assessor: FlaskClient, compact: Compact
) -> None:
    status, _page = _post(
        assessor,
        compact,
        {"indicator": "PM-1", "kind": "proportion", "successes": "70", "failures": "30"},
    )
    assert status == 302
    first = session.scalar(select(AssessorDatum).order_by(AssessorDatum.id.desc()))
    assert first is not None
    # The correction page is prefilled with the entry.
    page = assessor.get(
        f"/assess/compacts/{compact.slug}/data?indicator=PM-1&replaces={first.id}"
    ).get_data(as_text=True)
    assert 'value="70"' in page and 'value="30"' in page
    status, _page = _post(
        assessor,
        compact,
        {
            "indicator": "PM-1",
            "kind": "proportion",
            "successes": "80",
            "failures": "20",
            "replaces": str(first.id),
        },
    )
    assert status == 302
    session.expire_all()
    rows = session.scalars(select(AssessorDatum).order_by(AssessorDatum.id)).all()
    second = rows[-1]
    assert second.values == {
        "kind": "proportion",
        "successes": 80.0,
        "failures": 20.0,
        "replaces": first.id,
    }
    assert rows[-2].values == {"kind": "proportion", "successes": 70.0, "failures": 30.0}
    assert [r.id for r in standing(rows) if r.indicator_code == "PM-1"] == [second.id]
    [event] = _audit(session, "assess.data.correct")
    assert event.detail["replaces"] == first.id and event.detail["entry"] == second.id
    # The old version cannot be corrected again: work on the latest one.
    status, page = _post(
        assessor,
        compact,
        {
            "indicator": "PM-1",
            "kind": "proportion",
            "successes": "1",
            "failures": "1",
            "replaces": str(first.id),
        },
    )
    assert status == 400 and "already corrected or withdrawn" in page

    # Withdrawing needs a reason, and is a version too.
    path = f"/assess/compacts/{compact.slug}/data/{second.id}/withdraw"
    token = csrf_token(assessor, f"/assess/compacts/{compact.slug}/data")
    assert assessor.post(path, data={"csrf_token": token, "provenance": ""}).status_code == 302
    assert _audit(session, "assess.data.withdraw") == []
    response = assessor.post(
        path, data={"csrf_token": token, "provenance": "The audit was withdrawn by the ministry"}
    )
    assert response.status_code == 302
    session.expire_all()
    rows = session.scalars(select(AssessorDatum).order_by(AssessorDatum.id)).all()
    assert rows[-1].values == {"kind": "withdrawn", "replaces": second.id}
    assert rows[-1].provenance == "The audit was withdrawn by the ministry"
    assert [r for r in standing(rows) if r.indicator_code == "PM-1"] == []
    [event] = _audit(session, "assess.data.withdraw")
    assert event.detail["replaces"] == second.id
    compute_scorecard(session, compact, Period.parse(YEAR))
