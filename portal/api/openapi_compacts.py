"""The compacts area of the OpenAPI description: token-authenticated aggregates and exports.

Every operation takes `Authorization: Bearer <token>` (scope named in its description) or the
session cookie of a signed-in assessor or admin. Only aggregates are described: no report content.
"""

from __future__ import annotations

from portal.api.openapi_parts import (
    NO_STORE,
    ApiArea,
    Json,
    json_body,
    nullable,
    response_ref,
    schema_ref,
)
from portal.config import Config
from portal.domain.catalogue import INDICATORS, EstimatorKind

BEARER = "bearerToken"
# Years 1900 to 2999, as `Period.parse` takes them (portal/assess/periods.py).
PERIOD_PATTERN = r"^(19|2[0-9])[0-9]{2}(-Q[1-4])?$"
SLUG = {
    "name": "slug",
    "in": "path",
    "required": True,
    "description": "The compact's `id` as listed by /api/v1/compacts.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 64},
}
QUARTER_PATTERN = r"^\d{4}-Q[1-4]$"
STATES = ["PASS", "FAIL", "INDETERMINATE", "NO_DATA"]
SCOPE = nullable(
    {
        "type": "string",
        "pattern": PERIOD_PATTERN,
        "description": "The year or quarter exported; null for the whole term.",
    }
)


def _period(required: bool) -> Json:
    return {
        "name": "period",
        "in": "query",
        "required": required,
        "description": "A year (`2026`) or a quarter (`2026-Q2`).",
        "schema": {"type": "string", "pattern": PERIOD_PATTERN},
    }


def _number() -> Json:
    return nullable({"type": "number"})


def _object(required: list[str], properties: Json, **extra: Json | str) -> Json:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "properties": properties,
        **extra,
    }


def _export_schemas() -> dict[str, Json]:
    """The time series and incident aggregates, as exported (one period, or a whole term)."""
    point = _object(
        [
            "period",
            "estimate",
            "lower",
            "upper",
            "state",
            "threshold",
            "incidents",
            "stale",
            "snapshot_id",
        ],
        {
            "period": {"type": "string", "pattern": PERIOD_PATTERN},
            "estimate": _number(),
            "lower": {**_number(), "description": "Lower bound of the 90% interval."},
            "upper": {**_number(), "description": "Upper bound of the 90% interval."},
            "state": {"type": "string", "enum": STATES},
            "threshold": _number(),
            "incidents": {"type": "integer", "minimum": 0},
            "stale": {
                "type": "boolean",
                "description": "New verified evidence arrived since this scorecard was computed.",
            },
            "snapshot_id": {"type": "integer", "description": "The scorecard's input snapshot."},
        },
    )
    aggregate = _object(
        ["indicator_code", "indicator_name", "quarter", "incidents", "weight_sum"],
        {
            "indicator_code": {"type": "string"},
            "indicator_name": {"type": "string", "description": "English catalogue name."},
            "quarter": {"type": "string", "pattern": QUARTER_PATTERN},
            "incidents": {"type": "integer", "minimum": 0},
            "weight_sum": {"type": "number", "minimum": 0},
        },
    )
    return {
        "TimeSeries": _object(
            ["compact", "period", "indicators"],
            {
                "compact": {"type": "string"},
                "period": SCOPE,
                "indicators": {
                    "type": "array",
                    "items": _object(
                        ["code", "name", "points"],
                        {
                            "code": {"type": "string"},
                            "name": {"type": "string", "description": "English catalogue name."},
                            "points": {
                                "type": "array",
                                "description": "Oldest first; a year comes before its quarters.",
                                "items": point,
                            },
                        },
                    ),
                },
            },
            description=(
                "One series per indicator: estimate, 90% interval and state in each period that "
                "has a scorecard, taken from the latest scorecard of that period."
            ),
        ),
        "IncidentAggregates": _object(
            ["compact", "period", "aggregates"],
            {
                "compact": {"type": "string"},
                "period": SCOPE,
                "aggregates": {"type": "array", "items": aggregate},
            },
            description=(
                "Verified and partially verified incidents: count and weight sum per indicator "
                "and quarter. Never single reports."
            ),
        ),
    }


def _schemas() -> dict[str, Json]:
    indicator_entry: Json = {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "code",
            "name",
            "estimate",
            "lower",
            "upper",
            "state",
            "threshold",
            "incidents",
        ],
        "properties": {
            "code": {"type": "string"},
            "name": {"type": "string", "description": "English catalogue name."},
            "estimate": _number(),
            "lower": {**_number(), "description": "Lower bound of the 90% interval."},
            "upper": {**_number(), "description": "Upper bound of the 90% interval."},
            "state": {"type": "string", "enum": STATES},
            "threshold": _number(),
            "incidents": {
                "type": "integer",
                "minimum": 0,
                "description": "Verified incidents (or data points) that fed the estimate.",
            },
        },
    }
    return {
        "CompactList": {
            "type": "object",
            "additionalProperties": False,
            "required": ["compacts"],
            "properties": {
                "compacts": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": [
                            "id",
                            "country",
                            "partner",
                            "title",
                            "term",
                            "status",
                            "current_tier",
                        ],
                        "properties": {
                            "id": {"type": "string"},
                            "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
                            "partner": {"type": "string"},
                            "title": {"type": "string"},
                            "term": {
                                "type": "object",
                                "additionalProperties": False,
                                "required": ["start", "end"],
                                "properties": {
                                    "start": {"type": "string", "format": "date"},
                                    "end": {"type": "string", "format": "date"},
                                },
                            },
                            "status": {
                                "type": "string",
                                "enum": ["draft", "active", "suspended", "ended"],
                            },
                            "current_tier": {"type": "integer", "minimum": 0, "maximum": 3},
                        },
                    },
                }
            },
        },
        "IndicatorList": {
            "type": "object",
            "additionalProperties": False,
            "required": ["indicators"],
            "properties": {
                "indicators": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": [
                            "code",
                            "category",
                            "category_name",
                            "name",
                            "estimator",
                            "direction",
                            "hard_hurdle_from_tier",
                        ],
                        "properties": {
                            "code": {"type": "string", "enum": [i.code for i in INDICATORS]},
                            "category": {"type": "string"},
                            "category_name": {"type": "string"},
                            "name": {"type": "string"},
                            "estimator": {
                                "type": "string",
                                "enum": [str(e) for e in EstimatorKind],
                            },
                            "direction": {"type": "string", "enum": ["higher", "lower"]},
                            "hard_hurdle_from_tier": {
                                "type": ["integer", "null"],
                                "description": "The tier from which it is a hard hurdle, if any.",
                            },
                        },
                    },
                }
            },
        },
        "Scorecard": {
            "type": "object",
            "description": "The latest scorecard of a compact for a period. Aggregates only.",
            "additionalProperties": False,
            "required": [
                "compact",
                "period",
                "computed_day",
                "stale",
                "recommended_tier",
                "pass_count",
                "reasons",
                "snapshot_id",
                "catalogue_version",
                "plan_version",
                "indicators",
            ],
            "properties": {
                "compact": {"type": "string"},
                "period": {"type": "string", "pattern": PERIOD_PATTERN},
                "computed_day": {"type": "string", "format": "date"},
                "stale": {"type": "boolean"},
                "recommended_tier": {"type": "integer", "minimum": 0, "maximum": 3},
                "pass_count": {"type": "integer", "minimum": 0},
                "reasons": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["rule", "passed"],
                        "properties": {"rule": {"type": "string"}, "passed": {"type": "boolean"}},
                    },
                },
                "snapshot_id": {"type": "integer"},
                "catalogue_version": {"type": "string"},
                "plan_version": {"type": "integer"},
                "indicators": {"type": "array", "items": indicator_entry},
            },
        },
        **_export_schemas(),
    }


def _problem(description: str) -> Json:
    return {**json_body(schema_ref("Problem"), description), "headers": NO_STORE}


def _responses() -> dict[str, Json]:
    return {
        "BadPeriod": _problem(
            "`period` is missing or not a year or quarter. Exports of a whole term are built "
            "in the background: POST /api/v1/compacts/{slug}/exports."
        ),
        "Unauthenticated": _problem(
            "No credentials, or the bearer token is unknown, expired, revoked or its account "
            "disabled."
        ),
        "Forbidden": _problem(
            "The token lacks the scope this operation needs, or the account is not an assessor."
        ),
        "NotFound": _problem("No such compact, or no scorecard for this period yet."),
    }


CSV_HEADERS = {
    **NO_STORE,
    "Content-Disposition": {
        "description": "Attachment file name.",
        "schema": {"type": "string", "pattern": "^attachment; "},
    },
}


def _csv(description: str) -> Json:
    return {
        "description": description,
        "headers": CSV_HEADERS,
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }


def _json_file(schema: str, description: str) -> Json:
    return {**json_body(schema_ref(schema), description), "headers": CSV_HEADERS}


def _operation(
    operation_id: str, summary: str, scope: str, ok: Json, parameters: list[Json], errors: list[str]
) -> Json:
    responses: Json = {"200": ok}
    for status, name in (
        ("400", "BadPeriod"),
        ("401", "Unauthenticated"),
        ("403", "Forbidden"),
        ("404", "NotFound"),
    ):
        if name in errors:
            responses[status] = response_ref(name)
    return {
        "operationId": operation_id,
        "tags": ["compacts"],
        "summary": summary,
        "description": (
            f"Needs a bearer token with the scope `{scope}` (or an assessor's or admin's "
            "signed-in session)."
            + (
                " One period, answered at once; a whole term is an export job."
                if scope == "exports:read"
                else ""
            )
        ),
        "security": [{BEARER: []}],
        "parameters": parameters,
        "responses": responses,
    }


ALL_ERRORS = ["BadPeriod", "Unauthenticated", "Forbidden", "NotFound"]
NO_PERIOD = ["Unauthenticated", "Forbidden", "NotFound"]


def compacts_area(config: Config) -> ApiArea:
    ok_json = {"headers": NO_STORE}
    scorecard_ok = {**json_body(schema_ref("Scorecard"), "The latest scorecard."), **ok_json}
    export_ok = {
        **json_body(schema_ref("Scorecard"), "The latest scorecard, as a file."),
        "headers": CSV_HEADERS,
    }
    paths: dict[str, Json] = {
        "/api/v1/compacts": {
            "get": _operation(
                "listCompacts",
                "The compacts",
                "compacts:read",
                {**json_body(schema_ref("CompactList"), "Every compact."), **ok_json},
                [],
                NO_PERIOD,
            )
        },
        "/api/v1/indicators": {
            "get": _operation(
                "listIndicators",
                "The indicator catalogue",
                "compacts:read",
                {**json_body(schema_ref("IndicatorList"), "The catalogue."), **ok_json},
                [],
                NO_PERIOD,
            )
        },
        "/api/v1/compacts/{slug}/scorecards": {
            "get": _operation(
                "getScorecard",
                "The latest scorecard of a period",
                "scorecards:read",
                scorecard_ok,
                [SLUG, _period(True)],
                ALL_ERRORS,
            )
        },
        "/api/v1/compacts/{slug}/scorecards.json": {
            "get": _operation(
                "exportScorecardJson",
                "Export the latest scorecard of a period as JSON",
                "exports:read",
                export_ok,
                [SLUG, _period(True)],
                ALL_ERRORS,
            )
        },
        "/api/v1/compacts/{slug}/scorecards.csv": {
            "get": _operation(
                "exportScorecardCsv",
                "Export the latest scorecard of a period as CSV",
                "exports:read",
                _csv(
                    "UTF-8 CSV: a header row, an HXL hashtag row, then one row per indicator. "
                    "Text cells starting with = + - @ tab or CR are prefixed with '."
                ),
                [SLUG, _period(True)],
                ALL_ERRORS,
            )
        },
        "/api/v1/compacts/{slug}/incidents.csv": {
            "get": _operation(
                "exportIncidentsCsv",
                "Export verified-incident counts and weight sums per indicator and quarter",
                "exports:read",
                _csv(
                    "UTF-8 CSV: a header row, an HXL hashtag row, then one row per indicator × "
                    "quarter of the period. Aggregates only, never single reports."
                ),
                [SLUG, _period(True)],
                ALL_ERRORS,
            )
        },
        "/api/v1/compacts/{slug}/incidents.json": {
            "get": _operation(
                "exportIncidentsJson",
                "Export verified-incident counts and weight sums per indicator and quarter as JSON",
                "exports:read",
                _json_file("IncidentAggregates", "The aggregates of the period, as a file."),
                [SLUG, _period(True)],
                ALL_ERRORS,
            )
        },
        "/api/v1/compacts/{slug}/timeseries.csv": {
            "get": _operation(
                "exportTimeSeriesCsv",
                "Export each indicator's estimate, interval and state across the periods",
                "exports:read",
                _csv(
                    "UTF-8 CSV: a header row, an HXL hashtag row, then one row per indicator × "
                    "period that has a scorecard (a year: the year and its quarters), from the "
                    "latest scorecard of each period."
                ),
                [SLUG, _period(True)],
                ALL_ERRORS,
            )
        },
        "/api/v1/compacts/{slug}/timeseries.json": {
            "get": _operation(
                "exportTimeSeriesJson",
                "Export each indicator's estimate, interval and state across the periods as JSON",
                "exports:read",
                _json_file("TimeSeries", "The time series of the period, as a file."),
                [SLUG, _period(True)],
                ALL_ERRORS,
            )
        },
    }
    return ApiArea(
        tag="compacts",
        description="Compacts, scorecards, the indicator catalogue and exports (bearer token).",
        paths=paths,
        schemas=_schemas(),
        responses=_responses(),
        security_schemes={
            BEARER: {
                "type": "http",
                "scheme": "bearer",
                "description": (
                    "An API token (`cwt_…`) created for an assessor account, with the scopes "
                    "`compacts:read`, `scorecards:read`, `exports:read` and/or `ledger:read`."
                ),
            }
        },
    )
