"""The exports area of the OpenAPI description: exports built in the background (bearer token).

Exports of one period are answered at once and described with the compacts area; a whole term is
asked for here, followed and downloaded when done (docs/exports.md). The time series and
incident-aggregate schemas are the compacts area's, shared through the document's components.
"""

from __future__ import annotations

from typing import Any

from portal.api.openapi_compacts import BEARER, CSV_HEADERS, SCOPE, SLUG
from portal.api.openapi_parts import (
    JSON,
    NO_STORE,
    ApiArea,
    Json,
    json_body,
    nullable,
    response_ref,
    schema_ref,
)
from portal.config import Config
from portal.domain.models import ExportFormat, ExportKind, ExportState

EXPORT_ID = {
    "name": "export_id",
    "in": "path",
    "required": True,
    "description": "The export's `id`, as the request for it answered.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 64},
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before asking again.",
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}


def _object(required: list[str], properties: Json, **extra: Any) -> Json:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "properties": properties,
        **extra,
    }


def _schemas() -> dict[str, Json]:
    return {
        "ScorecardCollection": _object(
            ["compact", "period", "scorecards"],
            {
                "compact": {"type": "string"},
                "period": SCOPE,
                "scorecards": {
                    "type": "array",
                    "description": "The latest scorecard of each period, oldest period first.",
                    "items": schema_ref("Scorecard"),
                },
            },
            description="Every period's latest scorecard in the scope. Aggregates only.",
        ),
        "ExportRequest": _object(
            ["kind"],
            {
                "kind": {"type": "string", "enum": [str(k) for k in ExportKind]},
                "format": {
                    "type": "string",
                    "enum": [str(f) for f in ExportFormat],
                    "default": "csv",
                },
                "period": {
                    **SCOPE,
                    "description": "A year or quarter; leave it out (or null) for the whole term.",
                },
            },
        ),
        "ExportStatus": _object(
            [
                "id",
                "compact",
                "kind",
                "format",
                "period",
                "state",
                "rows_done",
                "rows_total",
                "requested_at",
                "finished_at",
                "expires_at",
                "size_bytes",
                "download",
            ],
            {
                "id": {"type": "string"},
                "compact": {"type": "string"},
                "kind": {"type": "string", "enum": [str(k) for k in ExportKind]},
                "format": {"type": "string", "enum": [str(f) for f in ExportFormat]},
                "period": SCOPE,
                "state": {
                    "type": "string",
                    "enum": [str(s) for s in ExportState] + ["expired"],
                },
                "rows_done": {"type": "integer", "minimum": 0},
                "rows_total": {
                    **nullable({"type": "integer", "minimum": 0}),
                    "description": "Data rows in all; null until the job has counted them.",
                },
                "requested_at": {"type": "string", "format": "date-time"},
                "finished_at": nullable({"type": "string", "format": "date-time"}),
                "expires_at": {
                    "type": "string",
                    "format": "date-time",
                    "description": "After this the file cannot be downloaded and is deleted.",
                },
                "size_bytes": nullable({"type": "integer", "minimum": 0}),
                "download": {
                    **nullable({"type": "string"}),
                    "description": "Where to fetch the file once `state` is `done`.",
                },
            },
            description="An export being built in the background, or built.",
        ),
        "ExportList": _object(
            ["exports"],
            {"exports": {"type": "array", "items": schema_ref("ExportStatus")}},
        ),
    }


def _problem(description: str, headers: Json | None = None) -> Json:
    return {
        **json_body(schema_ref("Problem"), description),
        "headers": {**NO_STORE, **(headers or {})},
    }


def _responses() -> dict[str, Json]:
    return {
        "ExportNotFound": _problem(
            "No such export, or it is not yours (only its requester and admins see it), or it "
            "was purged after it expired."
        ),
        "ExportNotReady": _problem(
            "The export is still queued or running (ask again after Retry-After), or it failed.",
            RETRY_AFTER,
        ),
        "ExportExpired": _problem("The export's time is up; request it again."),
        "ExportNotJson": _problem(
            "The body is not `application/json`.",
            {
                "Accept-Post": {
                    "description": "The media type to send.",
                    "schema": {"type": "string"},
                }
            },
        ),
        "ExportInvalid": {
            **json_body(schema_ref("FieldErrors"), "The kind, format or period is not accepted."),
            "headers": NO_STORE,
        },
        "TooManyExports": _problem(
            "Too many of your exports are queued or running; wait for one to finish.",
            RETRY_AFTER,
        ),
    }


def _export_operation(
    operation_id: str,
    summary: str,
    description: str,
    parameters: list[Json],
    responses: Json,
    **extra: Any,
) -> Json:
    return {
        "operationId": operation_id,
        "tags": ["exports"],
        "summary": summary,
        "description": (
            f"{description} Needs a bearer token with the scope `exports:read` (or an "
            "assessor's or admin's signed-in session)."
        ),
        "security": [{BEARER: []}],
        "parameters": parameters,
        "responses": {
            **responses,
            "401": response_ref("Unauthenticated"),
            "403": response_ref("Forbidden"),
        },
        **extra,
    }


def _paths() -> dict[str, Json]:
    status_ok = {**json_body(schema_ref("ExportStatus"), "The export."), "headers": NO_STORE}
    accepted = {
        **json_body(schema_ref("ExportStatus"), "Queued (or already on its way: the same one)."),
        "headers": {
            **NO_STORE,
            "Location": {
                "description": "Where to follow the export's progress.",
                "schema": {"type": "string", "pattern": "^/api/v1/exports/"},
            },
        },
    }
    download_ok = {
        "description": "The file: CSV as in the exports of one period, or JSON.",
        "headers": CSV_HEADERS,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            JSON: {
                "schema": {
                    "oneOf": [
                        schema_ref("ScorecardCollection"),
                        schema_ref("TimeSeries"),
                        schema_ref("IncidentAggregates"),
                    ]
                }
            },
        },
    }
    return {
        "/api/v1/compacts/{slug}/exports": {
            "post": _export_operation(
                "requestExport",
                "Ask for an export to be built in the background",
                "Builds the latest scorecard of every period, the indicator time series or the "
                "verified-incident aggregates of the whole term (or of `period`) as a job. Asking "
                "again while the same export is queued or running answers that one.",
                [SLUG],
                {
                    "202": accepted,
                    "404": response_ref("NotFound"),
                    "415": response_ref("ExportNotJson"),
                    "422": response_ref("ExportInvalid"),
                    "429": response_ref("TooManyExports"),
                },
                requestBody={
                    "required": True,
                    "content": {JSON: {"schema": schema_ref("ExportRequest")}},
                },
            )
        },
        "/api/v1/exports": {
            "get": _export_operation(
                "listExports",
                "Your exports, newest first",
                "The exports the token's account (or the signed-in person) asked for.",
                [],
                {
                    "200": {
                        **json_body(schema_ref("ExportList"), "Your exports."),
                        "headers": NO_STORE,
                    }
                },
            )
        },
        "/api/v1/exports/{export_id}": {
            "get": _export_operation(
                "getExport",
                "How far an export is",
                "State, rows done out of rows in all, and the download link once done.",
                [EXPORT_ID],
                {"200": status_ok, "404": response_ref("ExportNotFound")},
            )
        },
        "/api/v1/exports/{export_id}/download": {
            "get": _export_operation(
                "downloadExport",
                "Download a finished export",
                "Every download is recorded in the audit log.",
                [EXPORT_ID],
                {
                    "200": download_ok,
                    "404": response_ref("ExportNotFound"),
                    "409": response_ref("ExportNotReady"),
                    "410": response_ref("ExportExpired"),
                },
            )
        },
    }


def exports_area(config: Config) -> ApiArea:
    return ApiArea(
        tag="exports",
        description=(
            "Exports of a whole term built in the background: ask, follow, download (bearer "
            "token with `exports:read`)."
        ),
        paths=_paths(),
        schemas=_schemas(),
        responses=_responses(),
    )
