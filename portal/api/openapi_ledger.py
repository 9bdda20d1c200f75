"""The ledger area of the OpenAPI description: the assistance ledger of a compact (issue 11).

Bearer token with the scope `ledger:read` (or an assessor's or admin's session). Amounts are
strings of exact decimals with two places (never JSON numbers, which clients read as floats).
"""

from __future__ import annotations

from portal.api.openapi_compacts import BEARER, CSV_HEADERS, SLUG
from portal.api.openapi_parts import NO_STORE, ApiArea, Json, json_body, nullable, response_ref
from portal.config import Config

MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$"}
DAY = {"type": "string", "format": "date"}


def _object(required: list[str], properties: Json) -> Json:
    return {"type": "object", "required": required, "properties": properties}


def _schemas() -> dict[str, Json]:
    transaction = _object(
        ["ref", "kind", "transaction-type", "transaction-date", "reference", "postings", "value"],
        {
            "ref": {"type": "string"},
            "kind": {"enum": ["disbursement", "reversal", "grant_award", "grant_payment"]},
            "transaction-type": _object(
                ["code", "name"],
                {"code": {"enum": ["2", "3"]}, "name": {"type": "string"}},
            ),
            "transaction-date": _object(["iso-date"], {"iso-date": DAY}),
            "reference": {"type": "string"},
            "reverses": nullable({"type": "string"}),
            "postings": {
                "type": "array",
                "items": _object(
                    ["account", "debit", "credit"],
                    {"account": {"type": "string"}, "debit": MONEY, "credit": MONEY},
                ),
            },
            "value": _object(
                ["amount", "currency", "value-date"],
                {"amount": MONEY, "currency": {"type": "string"}, "value-date": DAY},
            ),
            "receiver-org": _object(["narrative"], {"narrative": {"type": "string"}}),
            "finance-type": _object(["code"], {"code": nullable({"type": "string"})}),
            "levy": _object(
                ["rate", "rate-version", "amount"],
                {"rate": {"type": "string"}, "rate-version": {"type": "integer"}, "amount": MONEY},
            ),
            "net": MONEY,
            "overrides": {"type": "array", "items": {"enum": ["tier", "unit_flag"]}},
        },
    )
    return {
        "LedgerDocument": _object(
            ["compact", "iati-activity", "endowment", "transactions", "grants", "overrides"],
            {
                "compact": {"type": "string"},
                "iati-activity": _object(
                    ["iati-identifier", "default-currency"],
                    {"iati-identifier": {"type": "string"}, "default-currency": {"type": "string"}},
                ),
                "endowment": _object(
                    ["currency", "levied", "granted", "paid", "balance"],
                    {
                        "currency": {"type": "string"},
                        "levied": MONEY,
                        "granted": MONEY,
                        "paid": MONEY,
                        "balance": MONEY,
                    },
                ),
                "transactions": {"type": "array", "items": transaction},
                "grants": {
                    "type": "array",
                    "items": _object(
                        ["ref", "title", "state", "requested", "awarded", "paid", "result"],
                        {
                            "ref": {"type": "string"},
                            "title": {"type": "string"},
                            "state": {"enum": ["proposed", "awarded", "declined", "closed"]},
                            "requested": MONEY,
                            "awarded": nullable(MONEY),
                            "paid": MONEY,
                            "result": _object(
                                ["indicator", "baseline", "target"],
                                {
                                    "indicator": {"type": "string"},
                                    "baseline": {"type": "string"},
                                    "target": {"type": "string"},
                                },
                            ),
                        },
                    ),
                },
                "overrides": {
                    "type": "array",
                    "items": _object(
                        ["reason", "justification", "day"],
                        {
                            "disbursement": nullable({"type": "string"}),
                            "reason": {"enum": ["tier", "unit_flag"]},
                            "justification": {"type": "string"},
                            "day": DAY,
                        },
                    ),
                },
            },
        ),
        "LedgerReconciliation": _object(
            ["compact", "quarter", "first_day", "last_day", "balanced", "rate_periods"],
            {
                "compact": {"type": "string"},
                "quarter": {"type": "string", "pattern": r"^\d{4}Q[1-4]$"},
                "first_day": DAY,
                "last_day": DAY,
                "balanced": {"type": "boolean"},
                "rate_periods": {
                    "type": "array",
                    "items": _object(
                        [
                            "rate_version",
                            "rate",
                            "gross",
                            "levy_posted",
                            "levy_expected",
                            "balanced",
                        ],
                        {
                            "rate_version": {"type": "integer"},
                            "rate": {"type": "string"},
                            "gross": MONEY,
                            "levy_posted": MONEY,
                            "levy_expected": MONEY,
                            "balanced": {"type": "boolean"},
                        },
                    ),
                },
            },
        ),
    }


def _operation(
    operation_id: str, summary: str, ok: Json, parameters: list[Json], bad_request: bool = False
) -> Json:
    responses: Json = {
        "200": ok,
        "401": response_ref("Unauthenticated"),
        "403": response_ref("Forbidden"),
        "404": response_ref("NotFound"),
    }
    if bad_request:
        responses["400"] = response_ref("BadPeriod")
    return {
        "operationId": operation_id,
        "tags": ["ledger"],
        "summary": summary,
        "description": (
            "Needs a bearer token with the scope `ledger:read` (or an assessor's or admin's "
            "signed-in session). Holds recipient units and overrides: never public."
        ),
        "security": [{BEARER: []}],
        "parameters": parameters,
        "responses": responses,
    }


def ledger_area(config: Config) -> ApiArea:
    quarter = {
        "name": "quarter",
        "in": "query",
        "required": True,
        "description": "A quarter (`2026Q1`).",
        "schema": {"type": "string", "pattern": r"^\d{4}-?Q[1-4]$"},
    }
    document = {
        **json_body(
            {"$ref": "#/components/schemas/LedgerDocument"},
            "The compact's ledger in IATI's activity/transaction vocabulary.",
        ),
        "headers": NO_STORE,
    }
    paths: dict[str, Json] = {
        "/api/v1/compacts/{slug}/ledger": {
            "get": _operation("getLedger", "The assistance ledger of a compact", document, [SLUG])
        },
        "/api/v1/compacts/{slug}/ledger.json": {
            "get": _operation(
                "exportLedgerJson",
                "Export the assistance ledger as JSON",
                {
                    **json_body(
                        {"$ref": "#/components/schemas/LedgerDocument"}, "The ledger, as a file."
                    ),
                    "headers": CSV_HEADERS,
                },
                [SLUG],
            )
        },
        "/api/v1/compacts/{slug}/ledger.csv": {
            "get": _operation(
                "exportLedgerCsv",
                "Export the assistance ledger as CSV",
                {
                    "description": (
                        "UTF-8 CSV: a header row, an HXL hashtag row, then one row per "
                        "transaction (reversals negative). Text cells starting with = + - @ tab "
                        "or CR are prefixed with '."
                    ),
                    "headers": CSV_HEADERS,
                    "content": {"text/csv": {"schema": {"type": "string"}}},
                },
                [SLUG],
            )
        },
        "/api/v1/compacts/{slug}/ledger/reconciliation": {
            "get": _operation(
                "getLedgerReconciliation",
                "Quarterly reconciliation: levies against rate × gross per rate period",
                {
                    **json_body(
                        {"$ref": "#/components/schemas/LedgerReconciliation"},
                        "One line per levy rate in force in the quarter.",
                    ),
                    "headers": NO_STORE,
                },
                [SLUG, quarter],
                bad_request=True,
            )
        },
    }
    return ApiArea(
        tag="ledger",
        description="The assistance ledger and reform endowment of a compact (bearer token).",
        paths=paths,
        schemas=_schemas(),
    )
