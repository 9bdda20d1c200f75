"""A bounded fuzz suite (issue 13, acceptance 3): at least 10,000 generated requests, under five
minutes, no 500 anywhere and no answer the OpenAPI document does not describe.

- **The API**, by Schemathesis from the OpenAPI document: every operation, valid and invalid
  requests, with a bearer token of every scope on most of them and real compacts, periods and
  answers swapped into half of them so the fuzzing reaches the database and sealing.
- **The web pages**, by Hypothesis: every route of the URL map, anonymous and signed in as each
  staff role, with generated path values, query strings and form bodies (NUL bytes, huge numbers,
  years 0 and 9999, repeated fields, nameless multipart parts, deep JSON). Only "no 5xx" applies.
- **The reproductions** of the fuzzing that found the 500s of issue 13 (point 6), sent first.

Runs in the test process (a WSGI client: loopback-free), on SQLite or on the PostgreSQL of
`DATABASE_URL` (where the NUL bytes used to break queries). It prints the request count and the
time taken.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
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
from portal.domain.models import Role, User
from portal.web.services import EXTENSION
from tests.assess.exports_world import SCORED, SLUG, seed
from tests.conftest import sign_in

API_EXAMPLES = 40  # per operation and mode
WEB_EXAMPLES = 2200  # per role
MINIMUM_REQUESTS = 10_000
BUDGET_SECONDS = 300
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
NASTY = st.sampled_from(
    [
        "\x00",
        "%00",
        "a\x00b",
        "99999999999",
        "-1",
        "0",
        "0000",
        "0001",
        "9999",
        "9999-Q4",
        "0000-00",
        "1e309",
        "NaN",
        "[" * 50,
        "ü" * 300,
        "' OR 1=1 --",
        "<script>",
        "../../etc/passwd",
        "",
    ]
)
TEXT = st.one_of(NASTY, st.text(max_size=40))
REPRODUCTIONS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/public/compacts/%00", {}),
    ("GET", "/api/v1/exports/%00", {}),
    ("GET", "/api/v1/exports/%00/download", {}),
    ("POST", "/auth/login", {"data": {"email": "\x00", "password": "x"}}),
    ("GET", "/desk/?older_than_days=99999999999", {}),
    ("POST", f"/assess/compacts/{SLUG}/compute?period=0001", {}),
    ("POST", f"/assess/compacts/{SLUG}/compute?period=9999", {}),
    ("GET", f"/assess/compacts/{SLUG}?period=9999", {}),
    ("POST", f"/api/v1/compacts/{SLUG}/exports", {"json": {"kind": "incidents", "period": "0"}}),
    ("POST", f"/api/v1/compacts/{SLUG}/exports", {"json": {"kind": "incidents", "period": "0000"}}),
    (
        "POST",
        f"/api/v1/compacts/{SLUG}/exports",
        {"data": "[" * 50_000 + "]" * 50_000, "content_type": "application/json"},
    ),
    ("POST", "/report/new", {"data": {"happened": ["HR-1.torture"] * 900}}),
    ("DELETE", "/api/v1/reports", {}),
]


class Count:
    def __init__(self) -> None:
        self.requests = 0
        self.statuses: Counter[int] = Counter()

    def saw(self, status: int) -> None:
        self.requests += 1
        self.statuses[status] += 1
        assert status < 500, status


@pytest.fixture
def world(app: Flask, make_user) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(args=["portal", "demo", "--empty"])
    assert result.exit_code == 0, result.output
    make_user("fuzz-assessor@example.org", roles=(Role.ASSESSOR,))
    make_user("fuzz-admin@example.org", roles=(Role.ADMIN,))
    make_user("fuzz-verifier@example.org", roles=(Role.VERIFIER,), desks=("IQ",))
    with app.extensions[EXTENSION].database.transaction() as session:
        seed(session)
        owner = session.query(User).filter_by(email="fuzz-assessor@example.org").one()
        token = issue_token(session, owner, "fuzzing", SCOPES)
    return {"bearer": {"Authorization": f"Bearer {token}"}}


def _web_routes(app: Flask) -> list[tuple[str, list[str], list[str]]]:
    """(rule, methods, argument names) of every page outside the API and static files."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/static")) or rule.endpoint == "static":
            continue
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        found.append((rule.rule, methods, sorted(rule.arguments)))
    return found


def _fill(rule: str, values: dict[str, str]) -> str:
    return re.sub(
        r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: quote(values.get(m.group(1), "x"), safe=""), rule
    )


def _signed(app: Flask, email: str | None) -> FlaskClient:
    client = app.test_client()
    if email is not None:
        sign_in(client, email)
    return client


# The two halves run as two tests (each within the per-test timeout); the second adds up.
TOTAL = Count()
SECONDS: list[float] = []


def test_api_fuzzing_and_the_reproductions(app: Flask, world: dict[str, Any]) -> None:
    started = time.monotonic()
    count = TOTAL
    bearer = world["bearer"]

    # 1. The reproductions, first.
    for role in (None, "fuzz-verifier@example.org", "fuzz-assessor@example.org"):
        client = _signed(app, role)
        for method, path, extra in REPRODUCTIONS:
            headers = bearer if path.startswith("/api/") else {}
            count.saw(client.open(path, method=method, headers=headers, **extra).status_code)

    # 2. The API, from its document.
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    targets = [{"slug": SLUG, "period": period} for period in SCORED]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(
                case=operation.as_strategy(mode),
                target=st.none() | st.sampled_from(targets),
                signed=st.sampled_from([True, True, True, False]),
            )
            @settings(
                max_examples=API_EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def call(case: Any, target: dict[str, str] | None, signed: bool) -> None:
                if target is not None and case.path_parameters and "slug" in case.path_parameters:
                    case.path_parameters["slug"] = target["slug"]
                headers = {"Accept-Encoding": "identity", **(bearer if signed else {})}
                response = case.call_and_validate(headers=headers, checks=CHECKS)
                count.saw(response.status_code)

            call()
    SECONDS.append(time.monotonic() - started)
    print(f"\n[fuzz] API and reproductions: {count.requests} requests in {SECONDS[-1]:.0f} s")


def test_web_fuzzing_and_the_total(app: Flask, world: dict[str, Any]) -> None:
    started = time.monotonic()
    count = TOTAL
    api_requests = count.requests
    # 3. The web pages, by role.
    routes = _web_routes(app)
    for role in (
        None,
        "fuzz-verifier@example.org",
        "fuzz-assessor@example.org",
        "fuzz-admin@example.org",
    ):
        client = _signed(app, role)

        @given(
            route=st.sampled_from(routes),
            values=st.dictionaries(
                st.sampled_from(["slug", "public_id", "export_id", "token", "job_id", "id"]),
                TEXT.map(lambda v: v.replace("/", "_") or "x"),
            ),
            query=st.dictionaries(
                st.sampled_from(
                    ["period", "older_than_days", "status", "region", "desk", "after",
                     "min_priority", "sort", "lang", "page", "q", "indicator"]
                ) | st.text(max_size=8),
                TEXT,
                max_size=4,
            ),
            form=st.dictionaries(
                st.sampled_from(
                    ["email", "password", "receipt", "narrative", "happened", "period",
                     "cluster", "with_report", "tier", "code", "body", "compact", "state"]
                ) | st.text(max_size=8),
                TEXT | st.lists(TEXT, max_size=5),
                max_size=6,
            ),
            method_pick=st.integers(0, 3),
            multipart=st.booleans(),
        )  # fmt: skip
        @settings(
            max_examples=WEB_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def page(
            route: tuple[str, list[str], list[str]],
            values: dict[str, str],
            query: dict[str, str],
            form: dict[str, Any],
            method_pick: int,
            multipart: bool,
        ) -> None:
            rule, methods, _arguments = route
            method = methods[method_pick % len(methods)] if methods else "GET"
            path = _fill(rule, values)
            kwargs: dict[str, Any] = {"query_string": query}
            if method == "POST":
                kwargs["data"] = form
                if multipart:
                    kwargs["content_type"] = "multipart/form-data"
            count.saw(client.open(path, method=method, **kwargs).status_code)  # noqa: B023 - run at once

        page()

    SECONDS.append(time.monotonic() - started)
    elapsed = sum(SECONDS)
    print(
        f"\n[fuzz] {count.requests} generated requests ({api_requests} to the API) in "
        f"{elapsed:.0f} s; answers: {dict(sorted(count.statuses.items()))}"
    )
    assert api_requests > 0, "run the whole module: the API half adds to the count"
    assert count.requests >= MINIMUM_REQUESTS
    assert elapsed < BUDGET_SECONDS
