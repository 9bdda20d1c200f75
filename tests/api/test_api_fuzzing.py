"""Schemathesis drives every documented operation with generated requests, valid and invalid:
no answer may be a server error, and every answer must be one the document describes.

Generated compact ids and months almost never name a real compact or a recent month, so half of
the generated submissions get a real compact, one of its regions and a recent month swapped in:
the fuzzing then reaches sealing and storage too, and the test insists that it did.

The token-authenticated operations get the same treatment: most calls carry a valid bearer token
with every scope (the rest go without, and must get a documented 401), and half of them get a
real compact, a period that has scorecards or an existing export swapped in, so the real
answers (scorecards, exports of one period, export jobs and their files) are fuzzed and checked
against the document too, not only the refusals.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.auth.api_tokens import SCOPES, issue_token
from portal.config import Config
from portal.domain.models import Role, User
from portal.web.services import EXTENSION
from tests.api.conftest import ApiClient
from tests.assess.exports_world import SCORED, SLUG, seed, worker_process

EXAMPLES_PER_OPERATION_AND_MODE = 40
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _real_answers(reference: dict[str, Any]) -> list[dict[str, Any]]:
    this_month = dt.date.today().replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    answers = []
    for compact in reference["compacts"]:
        for place in reference["regions"][compact["country"]][:3]:
            for month in (this_month, last_month):
                answers.append(
                    {
                        "compact": compact["id"],
                        "region": place["code"],
                        "incident_month": f"{month.year:04d}-{month.month:02d}",
                        "exact_date": None,
                    }
                )
    return answers


def _with_real(body: Any, real: dict[str, Any]) -> Any:
    if isinstance(body, dict) and isinstance(body.get("report"), dict):  # multipart
        return {**body, "report": {**body["report"], **real}}
    if isinstance(body, dict):
        return {**body, **real, "files": None}
    return body


def _token(demo: Flask, make_user) -> str:  # type: ignore[no-untyped-def]
    """A token with every scope, and something real behind it: scorecards, incidents."""
    make_user("fuzz@example.org", roles=(Role.ASSESSOR,))
    with demo.extensions[EXTENSION].database.transaction() as session:
        seed(session)
        owner = session.query(User).filter_by(email="fuzz@example.org").one()
        return issue_token(session, owner, "fuzzing", SCOPES)


@pytest.fixture
def rq_worker(config: Config, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], None]]:
    yield from worker_process(config, monkeypatch)


def _exports(
    api: ApiClient, bearer: dict[str, str], config: Config, worker: Callable[[], None]
) -> list[str]:
    """Ids of built exports of the token's owner, one of each kind."""
    ids = []
    for kind in ("scorecards", "timeseries", "incidents"):
        asked = api.post(f"/api/v1/compacts/{SLUG}/exports", json={"kind": kind}, headers=bearer)
        assert asked.status_code == 202
        ids.append(asked.get_json()["id"])
    if config.redis_url is not None:
        worker()  # without Redis they were built inline already
    return ids


def _with_real_target(case: Any, target: dict[str, str]) -> None:
    """Swap a real compact, period or export into the parameters the case has."""
    if case.path_parameters:
        for name in ("slug", "export_id"):
            if name in case.path_parameters and name in target:
                case.path_parameters[name] = target[name]
    if isinstance(case.query, dict) and "period" in case.query:
        case.query["period"] = target["period"]
    # The ledger's quarters run 2000-2100: a random four-digit year almost never falls inside.
    if isinstance(case.query, dict) and "quarter" in case.query:
        case.query["quarter"] = target["period"][:4] + "Q1"


def test_generated_requests_get_documented_answers_and_no_server_error(
    demo: Flask,
    api: ApiClient,
    config: Config,
    rq_worker: Callable[[], None],
    make_user,  # type: ignore[no-untyped-def]
) -> None:
    reference = api.get("/api/v1/reference").get_json()
    real_answers = _real_answers(reference)
    bearer = {"Authorization": f"Bearer {_token(demo, make_user)}"}
    targets = [
        {"slug": SLUG, "period": period, "export_id": export_id}
        for period in SCORED
        for export_id in _exports(api, bearer, config, rq_worker)
    ]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", demo)
    seen: Counter[tuple[str, int]] = Counter()
    media_types: Counter[str | None] = Counter()

    operations = [result.ok() for result in schema.get_all_operations()]
    # Schemathesis leaves out the operation that serves the document it loaded from.
    assert {op.label for op in operations} >= {"POST /api/v1/reports", "GET /api/v1/reference"}
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(
                case=operation.as_strategy(mode),
                real=st.none() | st.sampled_from(real_answers),
                target=st.none() | st.sampled_from(targets),
                signed=st.sampled_from([True, True, True, False]),
            )
            @settings(
                max_examples=EXAMPLES_PER_OPERATION_AND_MODE,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def call(
                case: Any,
                real: dict[str, Any] | None,
                target: dict[str, str] | None,
                signed: bool,
            ) -> None:
                if real is not None and case.body is not None:
                    case.body = _with_real(case.body, real)
                if target is not None:
                    _with_real_target(case, target)
                # The WSGI transport does not undo Content-Encoding as a browser would: ask for
                # the plain body.
                headers = {"Accept-Encoding": "identity", **(bearer if signed else {})}
                response = case.call_and_validate(headers=headers, checks=CHECKS)
                seen[(case.operation.label, response.status_code)] += 1
                media_types[case.media_type] += 1

            call()

    assert seen[("POST /api/v1/reports", 201)] > 0, seen
    assert seen[("POST /api/v1/reports", 422)] > 0, seen
    assert seen[("GET /api/v1/reference", 200)] > 0, seen
    assert media_types["application/json"] > 0 and media_types["multipart/form-data"] > 0
    # Every token-authenticated operation was answered for real, and refused without a token.
    secured = [op.label for op in operations if op.definition.raw.get("security")]
    assert len(secured) >= 13, secured
    for label in secured:
        assert seen[(label, 200)] + seen[(label, 202)] > 0, (label, seen)
        assert seen[(label, 401)] > 0, (label, seen)
