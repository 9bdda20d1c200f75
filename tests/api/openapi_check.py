"""Check API responses against the OpenAPI document the app serves (JSON Schema Draft 2020-12).

Reusable by every API test:

- the `api` fixture (tests/api/conftest.py) is a test client whose every response to an
  `/api/...` path is checked, so a test only writes `api.post(...)` and its assertions;
- `OpenApiCheck(document).response(response)` checks one Werkzeug/Flask test response: the
  operation (method + path template) must be documented, the status code must be listed (exactly,
  or as `4XX`, or `default`), the media type must be one the response declares, a JSON body must
  validate against its schema, and every documented header that is present must match its schema;
- `OpenApiCheck(document).instance(value, "Reference")` checks any value against a named component
  schema.

`$ref`s are resolved inside the document itself, and formats (`date`, …) are checked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cached_property
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from werkzeug.test import TestResponse

DOCUMENT_URI = "urn:compact-watch:openapi"


class OpenApiMismatch(AssertionError):
    """A response the document does not describe."""


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


class OpenApiCheck:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        resource = DRAFT202012.create_resource(document)
        self._registry: Registry[Any] = Registry().with_resource(DOCUMENT_URI, resource)

    # -- finding what the document says ------------------------------------------------------

    @cached_property
    def _templates(self) -> list[tuple[re.Pattern[str], str]]:
        found = []
        for template in self.document.get("paths", {}):
            pattern = re.sub(r"\\\{[^}/]+\\\}", "[^/]+", re.escape(template))
            found.append((re.compile(pattern + "$"), template))
        # Literal paths win over templated ones (`/x/export` before `/x/{id}`).
        return sorted(found, key=lambda item: item[1].count("{"))

    def operations(self) -> Iterator[tuple[str, str]]:
        """Every documented (METHOD, path template)."""
        methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
        for template, item in self.document.get("paths", {}).items():
            for method in item:
                if method in methods:
                    yield method.upper(), template

    def operation(self, method: str, path: str) -> tuple[str, str]:
        """The JSON pointer of the operation serving `method path`, and its template."""
        for pattern, template in self._templates:
            if pattern.match(path):
                item = self.document["paths"][template]
                if method.lower() not in item:
                    raise OpenApiMismatch(f"{method} {template} is not documented")
                return f"/paths/{_escape(template)}/{method.lower()}", template
        raise OpenApiMismatch(f"no documented path matches {path}")

    def _node(self, pointer: str) -> Any:
        node: Any = self.document
        for token in pointer.strip("/").split("/"):
            node = node[token.replace("~1", "/").replace("~0", "~")]
        return node

    def _follow(self, pointer: str) -> str:
        """The pointer itself, or where its `$ref` leads (local references only)."""
        seen = set()
        while isinstance(ref := self._node(pointer).get("$ref"), str):
            if ref in seen or not ref.startswith("#/"):
                raise OpenApiMismatch(f"cannot follow {ref}")
            seen.add(ref)
            pointer = ref[1:]
        return pointer

    def response_spec(self, method: str, path: str, status: int) -> str:
        """The JSON pointer of the response object documented for this status."""
        operation, template = self.operation(method, path)
        responses = self._node(operation).get("responses", {})
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in responses:
                return self._follow(f"{operation}/responses/{key}")
        raise OpenApiMismatch(
            f"{method} {template} answered {status}, which is not documented "
            f"(documented: {', '.join(sorted(responses))})"
        )

    # -- validating ------------------------------------------------------------------------

    def _validate(self, instance: Any, pointer: str, what: str) -> None:
        validator = Draft202012Validator(
            {"$ref": f"{DOCUMENT_URI}#{pointer}"},
            registry=self._registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        if errors:
            raise OpenApiMismatch(f"{what} does not match {pointer}:\n" + _describe(errors))

    def instance(self, value: Any, component: str) -> None:
        """Validate `value` against `#/components/schemas/<component>`."""
        self._node(f"/components/schemas/{component}")  # KeyError if there is no such schema
        self._validate(value, f"/components/schemas/{_escape(component)}", component)

    def response(self, response: TestResponse) -> None:
        request = response.request
        method, path, status = request.method, request.path, response.status_code
        spec_pointer = self.response_spec(method, path, status)
        spec = self._node(spec_pointer)
        what = f"{method} {path} {status}"
        self._check_headers(response, spec_pointer, spec, what)
        content = spec.get("content")
        if not content:
            if response.get_data():
                raise OpenApiMismatch(f"{what} has a body, but none is documented")
            return
        mimetype = response.mimetype
        if mimetype not in content:
            raise OpenApiMismatch(f"{what} is {mimetype!r}; documented: {sorted(content)}")
        if mimetype == "application/json" or mimetype.endswith("+json"):
            try:
                body = json.loads(response.get_data())
            except ValueError as error:
                raise OpenApiMismatch(f"{what} is not JSON: {error}") from None
            if "schema" in content[mimetype]:
                pointer = f"{spec_pointer}/content/{_escape(mimetype)}/schema"
                self._validate(body, pointer, f"the body of {what}")

    def _check_headers(
        self, response: TestResponse, spec_pointer: str, spec: dict[str, Any], what: str
    ) -> None:
        for name, header in spec.get("headers", {}).items():
            value = response.headers.get(name)
            if value is None:
                if header.get("required"):
                    raise OpenApiMismatch(f"{what} lacks the required header {name}")
                continue
            pointer = f"{spec_pointer}/headers/{_escape(name)}"
            if "schema" in self._node(self._follow(pointer)):
                self._validate(value, f"{self._follow(pointer)}/schema", f"header {name}")


def _describe(errors: list[ValidationError]) -> str:
    lines = []
    for error in errors[:10]:
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        lines.append(f"  at {where}: {error.message[:300]}")
    return "\n".join(lines)
