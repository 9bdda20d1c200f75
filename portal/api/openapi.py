"""The OpenAPI 3.1 description of `/api/v1`, served at `/api/v1/openapi.json` (DESIGN §12).

Written by hand as Python data so that it says exactly what the views do, and built from the
constants the views check (field patterns, catalogue keys, locales, the configured limits).

The document is assembled from areas. To describe another part of the API:

1. write `def my_area(config: Config) -> ApiArea` in its own module (`openapi_reports.py` is the
   example), returning its tag, its paths (full paths, `/api/v1/...`), its component schemas,
   responses and parameters, and its security schemes if it needs credentials;
2. reuse the shared pieces from `openapi_parts.py`: the `Problem` and `FieldErrors` bodies, the
   `Lang`/`AcceptLanguage` parameters, the shared error responses, and `schema_ref`,
   `response_ref`, `parameter_ref`, `json_body`;
3. add the function to `AREAS` below.

Two areas may describe different methods of one path; a method or a component
defined twice is refused when the document is built, so no area silently overwrites another.
Operations that take no credentials say `"security": PUBLIC` themselves, so that a document-wide
default added for token-authenticated areas never applies to them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping

from portal.api.openapi_compacts import compacts_area
from portal.api.openapi_exports import exports_area
from portal.api.openapi_ledger import ledger_area
from portal.api.openapi_parts import (
    PUBLIC,
    ApiArea,
    Json,
    common_parameters,
    common_responses,
    common_schemas,
    json_body,
)
from portal.api.openapi_reports import reports_area
from portal.config import Config

AreaBuilder = Callable[[Config], ApiArea]

INFO: Json = {
    "title": "Compact Watch API",
    "version": "1.0.0",
    "description": (
        "JSON API of Compact Watch. Problems with answers come as `FieldErrors` (400, 422); "
        "problems with the request as a whole as `Problem`. Every human-readable text is in "
        "the language asked for with `lang` or `Accept-Language` (en, fr, ar, ckb, so, ha, "
        "fil); any other `lang` value is ignored, as on the web pages, and the next choice "
        "applies. "
        "Query parameters an operation does not list are ignored. A method an address does not "
        "take is answered 405 with an `Allow` header. When the database does not answer, every "
        "operation answers 503 with `Retry-After` and nothing was saved. Responses are never "
        "cached (`Cache-Control: no-store`)."
    ),
    "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
}


def document_area(config: Config) -> ApiArea:
    describe = {
        "operationId": "getOpenApiDocument",
        "tags": ["meta"],
        "summary": "This document",
        "security": PUBLIC,
        "responses": {
            "200": json_body(
                {"type": "object", "required": ["openapi", "info", "paths"]},
                "The OpenAPI 3.1 description of /api/v1.",
            )
        },
    }
    return ApiArea(
        tag="meta",
        description="About the API itself.",
        paths={"/api/v1/openapi.json": {"get": describe}},
    )


AREAS: tuple[AreaBuilder, ...] = (
    reports_area, compacts_area, exports_area, ledger_area, document_area
)


def openapi_document(config: Config, areas: tuple[AreaBuilder, ...] = AREAS) -> Json:
    components: dict[str, Json] = {
        "schemas": common_schemas(),
        "parameters": common_parameters(),
        "responses": common_responses(),
        "securitySchemes": {},
    }
    paths: dict[str, Json] = {}
    tags: list[Json] = []
    for build in areas:
        area = build(config)
        if all(tag["name"] != area.tag for tag in tags):
            tags.append({"name": area.tag, "description": area.description})
        for path, operations in area.paths.items():
            _merge(paths.setdefault(path, {}), operations, f"operation on {path}")
        _merge(components["schemas"], area.schemas, "schema")
        _merge(components["responses"], area.responses, "response")
        _merge(components["parameters"], area.parameters, "parameter")
        _merge(components["securitySchemes"], area.security_schemes, "security scheme")
    document: Json = {
        "openapi": "3.1.0",
        "info": INFO,
        "tags": tags,
        "paths": paths,
        "components": {name: part for name, part in components.items() if part},
    }
    # Areas may share helper dicts; the caller gets a tree of its own.
    return copy.deepcopy(document)


def _merge(into: Json, new: Mapping[str, Json], kind: str) -> None:
    for name, value in new.items():
        if name in into:
            raise ValueError(f"the OpenAPI {kind} {name!r} is defined twice")
        into[name] = value
