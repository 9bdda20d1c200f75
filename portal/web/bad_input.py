"""Input no view should ever see: refused with a 4xx before any view runs (issue 13, point 6).

- A NUL byte anywhere in the path, the query string or a form field: PostgreSQL's text type
  refuses it, and a query with one raised a 500. An address with one names nothing (404); a query
  or form value with one is a bad request (400). API bodies are read by their own parsers, which
  refuse it field by field; whatever still reaches the database is answered 400 by the error
  handler (`portal.web.errors.status_for`).
- A multipart part without a name: Flask-WTF's CSRF check fails on it with an AttributeError.
- JSON nested deeper than Python's recursion limit: the decoder raises RecursionError, which is
  no ValueError, so `request.get_json(silent=True)` let it through. The JSON provider turns it
  into the decoding error it is.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, request
from flask.json.provider import DefaultJSONProvider

NUL = "\x00"


class BoundedJSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def _refuse_bad_input() -> None:
    if NUL in request.path:
        abort(404)
    if request.path.startswith("/api/"):
        # The API ignores query parameters an operation does not list (its document says so)
        # and checks the ones it lists; its bodies are read by its own parsers.
        return
    if NUL in request.query_string.decode("latin-1") or any(
        NUL in key or any(NUL in value for value in request.args.getlist(key))
        for key in request.args
    ):
        abort(400)
    if request.mimetype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        form = request.form
        for key in form:
            if not key or NUL in key or any(NUL in value for value in form.getlist(key)):
                abort(400)
        if any(not key for key in request.files):
            abort(400)


def install_input_guards(app: Flask) -> None:
    app.json = BoundedJSONProvider(app)
    app.before_request(_refuse_bad_input)
