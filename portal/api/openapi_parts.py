"""Building blocks of the OpenAPI description that every area of `/api/v1` shares.

The error bodies (`Problem` for a request that failed as a whole, `FieldErrors` for answers), the
language parameters, the shared error responses, and small helpers to refer to them. An area
module (`openapi_reports.py`, and the ones to come) builds its `ApiArea` from these; the document
itself is assembled in `openapi.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from portal.config import LOCALES

Json = dict[str, Any]
JSON = "application/json"
MULTIPART = "multipart/form-data"
PUBLIC: list[Json] = []  # `security: []`: no credentials, whatever the document's default


@dataclass(frozen=True)
class ApiArea:
    """One area's share of the document."""

    tag: str
    description: str
    paths: Mapping[str, Json]
    schemas: Mapping[str, Json] = field(default_factory=dict)
    responses: Mapping[str, Json] = field(default_factory=dict)
    parameters: Mapping[str, Json] = field(default_factory=dict)
    security_schemes: Mapping[str, Json] = field(default_factory=dict)


def schema_ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def response_ref(name: str) -> Json:
    return {"$ref": f"#/components/responses/{name}"}


def parameter_ref(name: str) -> Json:
    return {"$ref": f"#/components/parameters/{name}"}


def json_body(schema: Json, description: str, **extra: Any) -> Json:
    return {"description": description, "content": {JSON: {"schema": schema}}, **extra}


def nullable(schema: Json) -> Json:
    return {**schema, "type": [schema["type"], "null"]}


LANGUAGE_PARAMETERS = [parameter_ref("Lang"), parameter_ref("AcceptLanguage")]
CONTENT_LANGUAGE = {
    "Content-Language": {
        "description": "The language of the translated texts in the body.",
        "schema": {"type": "string", "enum": list(LOCALES)},
    }
}
NO_STORE = {
    "Cache-Control": {
        "description": "The response must not be kept by the client or any cache.",
        "schema": {"type": "string", "const": "no-store"},
    }
}


def common_schemas() -> dict[str, Json]:
    return {
        "Problem": {
            "type": "object",
            "description": "A request that failed as a whole, with a translated explanation.",
            "required": ["error"],
            "additionalProperties": False,
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["status", "title", "detail"],
                    "additionalProperties": False,
                    "properties": {
                        "status": {"type": "integer", "minimum": 400, "maximum": 599},
                        "title": {"type": "string", "minLength": 1},
                        "detail": {"type": "string", "minLength": 1, "description": "What to do."},
                    },
                }
            },
        },
        "FieldErrors": {
            "type": "object",
            "description": (
                "Answers that were missing or not accepted. `errors` holds one translated sentence "
                "per field, saying what to do; `codes` holds a stable code per field for "
                "programs (`required`, `type`, `format`, `too_long`, `unknown`, `not_allowed`, "
                "`future`, `not_in_country`, an attachment code such as `file_too_large`, …). "
                "`body` stands for the request as a whole."
            ),
            "required": ["errors", "codes"],
            "additionalProperties": False,
            "properties": {
                "errors": {
                    "type": "object",
                    "minProperties": 1,
                    "additionalProperties": {"type": "string", "minLength": 1},
                },
                "codes": {
                    "type": "object",
                    "minProperties": 1,
                    "additionalProperties": {"type": "string", "pattern": "^[a-z0-9_]+$"},
                },
            },
        },
    }


def common_parameters() -> dict[str, Json]:
    return {
        "Lang": {
            "name": "lang",
            "in": "query",
            "required": False,
            "description": (
                "The language of the response, one of "
                + ", ".join(LOCALES)
                + "; wins over Accept-Language. Any other value is ignored (not an error), "
                "as on the web pages: Accept-Language, then en, applies."
            ),
            "schema": {"type": "string", "maxLength": 64, "examples": list(LOCALES)},
        },
        "AcceptLanguage": {
            "name": "Accept-Language",
            "in": "header",
            "required": False,
            "description": "Preferred languages; the first one the portal has is used, else en.",
            "schema": {"type": "string", "maxLength": 200, "pattern": "^[A-Za-z0-9_,;=.* -]*$"},
        },
    }


def _problem(description: str, headers: Json | None = None) -> Json:
    response = json_body(schema_ref("Problem"), description)
    response["headers"] = {**CONTENT_LANGUAGE, **(headers or {})}
    return response


def _field_errors(description: str) -> Json:
    return {**json_body(schema_ref("FieldErrors"), description), "headers": CONTENT_LANGUAGE}


def common_responses() -> dict[str, Json]:
    return {
        "BodyUnreadable": _field_errors(
            "The body is not a report at all (not a JSON object, or no `report` part). The "
            "sentence is under `errors.body`."
        ),
        "AnswersInvalid": _field_errors("Some answers are missing or not accepted."),
        "TooLarge": _problem("The body is larger than the limits given by /api/v1/reference."),
        "UnsupportedMediaType": _problem(
            "The body is neither `application/json` nor `multipart/form-data`.",
            {
                "Accept-Post": {
                    "description": "The media types this operation takes.",
                    "schema": {"type": "string"},
                }
            },
        ),
        "TooManyRequests": _problem(
            "Too many reports came from the client's network just now; nothing was stored. "
            "Send the same request again after the time given.",
            {
                "Retry-After": {
                    "description": "Seconds to wait before sending again.",
                    "schema": {"type": "string", "pattern": "^[0-9]+$"},
                }
            },
        ),
        "Unavailable": _problem(
            "Nothing was stored; send the same request again later.",
            {
                "Retry-After": {
                    "description": "Seconds to wait before sending again.",
                    "schema": {"type": "string", "pattern": "^[0-9]+$"},
                }
            },
        ),
    }


def text_schema(description: str = "", max_chars: int | None = None, **extra: Any) -> Json:
    schema: Json = {"type": "string", **extra}
    if description:
        schema["description"] = description
    if max_chars is not None:
        schema["maxLength"] = max_chars
    return schema
