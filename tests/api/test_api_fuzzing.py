"""Schemathesis drives every documented operation with generated requests, valid and invalid:
no answer may be a server error, and every answer must be one the document describes.

Generated compact ids and months almost never name a real compact or a recent month, so half of
the generated submissions get a real compact, one of its regions and a recent month swapped in:
the fuzzing then reaches sealing and storage too, and the test insists that it did.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

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

from tests.api.conftest import ApiClient

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


def test_generated_requests_get_documented_answers_and_no_server_error(
    demo: Flask, api: ApiClient
) -> None:
    reference = api.get("/api/v1/reference").get_json()
    real_answers = _real_answers(reference)
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
            )
            @settings(
                max_examples=EXAMPLES_PER_OPERATION_AND_MODE,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def call(case: Any, real: dict[str, Any] | None) -> None:
                if real is not None and case.body is not None:
                    case.body = _with_real(case.body, real)
                response = case.call_and_validate(checks=CHECKS)
                seen[(case.operation.label, response.status_code)] += 1
                media_types[case.media_type] += 1

            call()

    assert seen[("POST /api/v1/reports", 201)] > 0, seen
    assert seen[("POST /api/v1/reports", 422)] > 0, seen
    assert seen[("GET /api/v1/reference", 200)] > 0, seen
    assert media_types["application/json"] > 0 and media_types["multipart/form-data"] > 0
