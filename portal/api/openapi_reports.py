"""The reports area of the OpenAPI description: anonymous submission and its reference lists.

Built from the constants the views check (field patterns, catalogue keys, locales) and from the
configured attachment limits, so the description cannot drift from what is enforced.
"""

from __future__ import annotations

from portal.api.openapi_parts import (
    CONTENT_LANGUAGE,
    JSON,
    LANGUAGE_PARAMETERS,
    MULTIPART,
    NO_STORE,
    PUBLIC,
    ApiArea,
    Json,
    json_body,
    nullable,
    response_ref,
    schema_ref,
    text_schema,
)
from portal.api.reference import ACCEPTED_MEDIA_TYPES, body_limits
from portal.api.submission import (
    BASE64_PATTERN,
    BRANCH_KEYS,
    CHOICE_KEYS,
    COMPACT_ID_PATTERN,
    DATE_PATTERN,
    FILENAME_MAX,
    MONTH_PATTERN,
    REGION_PATTERN,
    YEARS_BACK,
)
from portal.config import LOCALES, Config
from portal.domain.catalogue import Severity
from portal.reporter.forms import NARRATIVE_MAX, SHORT_MAX
from portal.reporter.resends import IDEMPOTENCY_KEY_PATTERN


def _report_fields() -> Json:
    return {
        "compact": text_schema(
            "The `id` of a compact listed by /api/v1/reference.", pattern=COMPACT_ID_PATTERN
        ),
        "happened": {
            "type": "array",
            "description": "What happened: keys from /api/v1/reference `happened`.",
            "minItems": 1,
            "maxItems": len(CHOICE_KEYS),
            "uniqueItems": True,
            "items": {"type": "string", "enum": list(CHOICE_KEYS)},
        },
        "incident_month": text_schema(
            f"The month it happened, `YYYY-MM`: not in the future, and at most {YEARS_BACK} "
            "years before this year.",
            pattern=MONTH_PATTERN,
        ),
        "exact_date": nullable(
            text_schema(
                "The exact day, if known (`YYYY-MM-DD`, not in the future). Sealed.",
                format="date",
                pattern=DATE_PATTERN,
            )
        ),
        "region": text_schema(
            "ISO 3166-2 code of a region of the compact's country (see /api/v1/reference).",
            pattern=REGION_PATTERN,
        ),
        "force": {
            "type": "string",
            "description": "Who did it: a key from /api/v1/reference `forces`.",
            "enum": list(BRANCH_KEYS),
        },
        "narrative": text_schema(
            "What happened, in the reporter's words; must not be blank. Sealed.",
            NARRATIVE_MAX,
            minLength=1,
        ),
        "place": nullable(text_schema("The exact place (optional). Sealed.", SHORT_MAX)),
        "unit": nullable(text_schema("Unit, names or ranks (optional). Sealed.", SHORT_MAX)),
        "contact": nullable(
            text_schema(
                "How a verifier can reach the reporter safely (optional). Sealed.", SHORT_MAX
            )
        ),
        "language": {
            "type": ["string", "null"],
            "enum": [*LOCALES, None],
            "description": "The report's language; by default the language of the request.",
        },
    }


def _reports_schemas(config: Config) -> dict[str, Json]:
    limits = config.attachments
    fields = _report_fields()
    required = ["compact", "happened", "incident_month", "region", "force", "narrative"]
    files = {
        "type": ["array", "null"],
        "maxItems": limits.max_files,
        "description": "Photos or PDF documents; metadata is removed before sealing.",
        "items": schema_ref("FileUpload"),
    }
    place = {
        "type": "object",
        "required": ["code", "name"],
        "additionalProperties": False,
        "properties": {
            "code": {"type": "string", "pattern": REGION_PATTERN},
            "name": {"type": "string"},
        },
    }
    return {
        "ReportFields": {
            "type": "object",
            "description": "A report's answers (the `report` part of a multipart submission).",
            "required": required,
            "additionalProperties": False,
            "properties": fields,
        },
        "ReportSubmission": {
            "type": "object",
            "description": "A report's answers and its files in base64.",
            "required": required,
            "additionalProperties": False,
            "properties": {**fields, "files": files},
        },
        "FileUpload": {
            "type": "object",
            "required": ["filename", "content_base64"],
            "additionalProperties": False,
            "properties": {
                "filename": text_schema(
                    "The file's name; kept only inside the sealed report.", FILENAME_MAX
                ),
                "content_base64": text_schema(
                    "The file's bytes in standard base64 (RFC 4648 §4), with padding and no "
                    "line breaks.",
                    contentEncoding="base64",
                    pattern=BASE64_PATTERN,
                ),
            },
        },
        "ReportReceipt": {
            "type": "object",
            "description": (
                "Shown once: the receipt is the only way back to the report, and the portal "
                "cannot show it again. It opens the report at /report/followup."
            ),
            "required": ["receipt", "status", "report"],
            "additionalProperties": False,
            "properties": {
                "receipt": {"type": "string", "pattern": "^[0-9]{4}( [0-9]{4}){3}$"},
                "status": {"type": "string", "const": "received"},
                "report": {
                    "type": "object",
                    "required": ["month", "region"],
                    "additionalProperties": False,
                    "properties": {
                        "month": {"type": "string", "pattern": MONTH_PATTERN},
                        "region": {"type": "string", "pattern": REGION_PATTERN},
                    },
                },
            },
        },
        "Reference": _reference_schema(place),
    }


def _reference_schema(place: Json) -> Json:
    def listing(properties: Json) -> Json:
        return {
            "type": "array",
            "items": {
                "type": "object",
                "required": list(properties),
                "additionalProperties": False,
                "properties": properties,
            },
        }

    counts = {"type": "integer", "minimum": 1}
    limits = {
        "narrative_max_chars": counts,
        "text_max_chars": counts,
        "filename_max_chars": counts,
        "max_files": counts,
        "max_file_bytes": counts,
        "max_report_bytes": counts,
        "max_json_body_bytes": counts,
        "max_multipart_body_bytes": counts,
        "incident_years_back": counts,
        "accepted_media_types": {
            "type": "array",
            "items": {"type": "string", "enum": list(ACCEPTED_MEDIA_TYPES)},
        },
    }
    return {
        "type": "object",
        "required": [
            "language",
            "catalogue_version",
            "compacts",
            "regions",
            "happened",
            "forces",
            "languages",
            "limits",
        ],
        "additionalProperties": False,
        "properties": {
            "language": {"type": "string", "enum": list(LOCALES)},
            "catalogue_version": {"type": "string"},
            "compacts": listing(
                {
                    "id": {"type": "string", "pattern": COMPACT_ID_PATTERN},
                    "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
                    "country_name": text_schema("In the response's language."),
                    "title": text_schema("As registered (not translated)."),
                    "partner": text_schema("As registered (not translated)."),
                }
            ),
            "regions": {
                "type": "object",
                "description": "Per country code: its regions, sorted by translated name.",
                "propertyNames": {"pattern": "^[A-Z]{2}$"},
                "additionalProperties": {"type": "array", "items": place},
            },
            "happened": listing(
                {
                    "key": {"type": "string", "enum": list(CHOICE_KEYS)},
                    "text": text_schema("In the response's language."),
                    "indicator": {"type": "string"},
                    "severity": {"type": "string", "enum": [str(s) for s in Severity]},
                }
            ),
            "forces": listing(
                {"key": {"type": "string", "enum": list(BRANCH_KEYS)}, "label": {"type": "string"}}
            ),
            "languages": listing(
                {
                    "code": {"type": "string", "enum": list(LOCALES)},
                    "name": text_schema("The language's name in itself."),
                    "direction": {"type": "string", "enum": ["ltr", "rtl"]},
                }
            ),
            "limits": {
                "type": "object",
                "required": list(limits),
                "additionalProperties": False,
                "properties": limits,
            },
        },
    }


IDEMPOTENCY_PARAMETER: Json = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Makes a retry safe. Send a new random key (a UUID v4, or 128 random bits in base64url) "
        "with each new report, and the same key when repeating a request whose answer was lost. "
        "For at least 24 hours (at most 72), a request with a key already used answers with the "
        "first request's receipt and stores nothing new; the same key with a different report "
        "is refused with 422. The portal keeps a hash of the key and the receipt encrypted under "
        "a key derived from it, nothing that opens without the key: a guessable key (a counter, "
        "a timestamp) would let whoever copies the database read the receipt until the row "
        "expires (docs/security.md, \u201cSending twice\u201d)."
    ),
    "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN},
}
REPLAYED: Json = {
    "Idempotent-Replayed": {
        "description": "`true` when this answers a repeated request with the same key.",
        "schema": {"type": "string", "const": "true"},
    }
}


def _errors_or_problem(description: str) -> Json:
    body = json_body({"oneOf": [schema_ref("FieldErrors"), schema_ref("Problem")]}, description)
    body["headers"] = CONTENT_LANGUAGE
    return body


def reports_area(config: Config) -> ApiArea:
    json_max, multipart_max = body_limits(config.attachments)
    submit = {
        "operationId": "submitReport",
        "tags": ["reports"],
        "summary": "Submit a report anonymously and get its receipt, once",
        "description": (
            "Validated and sealed exactly like the report form; the report is recorded with "
            "channel `api` and is never linked to the client that sent it. Answers marked "
            "Sealed are encrypted to the country's verification desk. Bodies up to "
            f"{json_max} bytes (JSON) or {multipart_max} bytes (multipart) are read. Translated "
            "texts are in the language of `lang`, else `Accept-Language`."
        ),
        "security": PUBLIC,
        "parameters": [*LANGUAGE_PARAMETERS, IDEMPOTENCY_PARAMETER],
        "requestBody": {
            "required": True,
            "content": {
                JSON: {"schema": schema_ref("ReportSubmission")},
                MULTIPART: {
                    "schema": {
                        "type": "object",
                        "required": ["report"],
                        "additionalProperties": False,
                        "properties": {
                            "report": schema_ref("ReportFields"),
                            "files": {
                                "type": "array",
                                "maxItems": config.attachments.max_files,
                                "items": {
                                    "type": "string",
                                    "contentMediaType": "application/octet-stream",
                                },
                            },
                        },
                    },
                    "encoding": {
                        "report": {"contentType": JSON},
                        "files": {"contentType": ", ".join(ACCEPTED_MEDIA_TYPES)},
                    },
                },
            },
        },
        "responses": {
            "201": {
                **json_body(
                    schema_ref("ReportReceipt"),
                    "Received and sealed; or, for a request repeated with the same "
                    "`Idempotency-Key`, the first request's receipt again.",
                ),
                "headers": {**NO_STORE, **CONTENT_LANGUAGE, **REPLAYED},
            },
            "400": _errors_or_problem(
                "The body is not a report at all (`errors.body`), or the `Idempotency-Key` "
                "header is malformed (a problem object). Nothing was stored."
            ),
            "413": response_ref("TooLarge"),
            "415": response_ref("UnsupportedMediaType"),
            "422": _errors_or_problem(
                "Some answers are missing or not accepted (`errors`, `codes`), or the "
                "`Idempotency-Key` was used with a different report (a problem object). "
                "Nothing was stored."
            ),
            "429": response_ref("TooManyRequests"),
            "503": response_ref("Unavailable"),
        },
    }
    reference = {
        "operationId": "getReference",
        "tags": ["reports"],
        "summary": "The lists and limits a valid submission is built from",
        "security": PUBLIC,
        "parameters": LANGUAGE_PARAMETERS,
        "responses": {
            "200": {
                **json_body(schema_ref("Reference"), "In the language of the request."),
                "headers": CONTENT_LANGUAGE,
            }
        },
    }
    return ApiArea(
        tag="reports",
        description="Anonymous reports from civil society, and what they are built from.",
        paths={"/api/v1/reports": {"post": submit}, "/api/v1/reference": {"get": reference}},
        schemas=_reports_schemas(config),
    )
