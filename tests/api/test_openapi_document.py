"""The OpenAPI document is valid, matches the URL map, and the checker built on it bites."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from openapi_spec_validator import validate

from portal.api.openapi import document_area, openapi_document
from portal.api.openapi_parts import ApiArea
from portal.attachments import AttachmentLimits
from portal.config import Config
from tests.api.conftest import ApiClient
from tests.api.openapi_check import OpenApiCheck, OpenApiMismatch


def test_document_is_valid_openapi_3_1(openapi_document: dict[str, Any]) -> None:
    assert openapi_document["openapi"].startswith("3.1")
    validate(openapi_document)


def test_served_document_is_the_one_built_from_config(api: ApiClient, config: Config) -> None:
    response = api.get("/api/v1/openapi.json")
    assert response.get_json() == openapi_document(config)


def test_every_api_route_is_documented_and_every_operation_exists(
    app: Flask, openapi: OpenApiCheck
) -> None:
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            # `/compacts/<int:compact_id>` is documented as `/compacts/{compact_id}`.
            template = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
                served.add((method, template))
    documented = set(openapi.operations())
    assert served == documented


def test_public_operations_need_no_credentials(openapi_document: dict[str, Any]) -> None:
    for path in ("/api/v1/reports", "/api/v1/reference", "/api/v1/openapi.json"):
        for operation in openapi_document["paths"][path].values():
            assert operation["security"] == []


def test_limits_in_the_document_follow_the_configuration(config: Config) -> None:
    document = openapi_document(replace(config, attachments=AttachmentLimits(max_files=2)))
    files = document["components"]["schemas"]["ReportSubmission"]["properties"]["files"]
    assert files["maxItems"] == 2


def test_an_area_cannot_redefine_what_another_defined(config: Config) -> None:
    def again(config: Config) -> ApiArea:
        return document_area(config)

    with pytest.raises(ValueError, match="defined twice"):
        openapi_document(config, (document_area, again))


def test_areas_may_share_a_path_with_different_methods(config: Config) -> None:
    def staff_reads(config: Config) -> ApiArea:
        operation = {"responses": {"200": {"description": "ok"}}, "security": []}
        return ApiArea("meta", "", paths={"/api/v1/openapi.json": {"head": operation}})

    document = openapi_document(config, (document_area, staff_reads))
    assert set(document["paths"]["/api/v1/openapi.json"]) == {"get", "head"}


def test_the_checker_refuses_what_the_document_does_not_say(
    app: Flask, openapi: OpenApiCheck
) -> None:
    client = app.test_client()
    response = client.get("/api/v1/openapi.json")
    openapi.response(response)  # the real one passes

    undocumented_status = client.get("/api/v1/openapi.json")
    undocumented_status.status_code = 418
    with pytest.raises(OpenApiMismatch, match="418"):
        openapi.response(undocumented_status)

    wrong_body = client.get("/api/v1/openapi.json")
    wrong_body.set_data(b'{"openapi": "3.1.0"}')
    with pytest.raises(OpenApiMismatch, match="required"):
        openapi.response(wrong_body)

    with pytest.raises(OpenApiMismatch, match="no documented path"):
        openapi.response(client.get("/api/v1/nothing-here"))

    with pytest.raises(OpenApiMismatch, match="does not match"):
        openapi.instance({"receipt": "1234", "status": "received"}, "ReportReceipt")
