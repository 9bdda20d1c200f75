"""CSRF tokens masked afresh in every response, so compressed pages do not leak them (BREACH).

A page compressed with gzip or brotli whose body holds a secret and something an attacker can
put in it (a query string reflected in the language links) lets the attacker learn the secret
from the compressed sizes, one guessed character at a time, over many requests. That needs the
secret to be the same in every response. So the token written into a page is never the session's
token itself: it is `pad || (pad XOR token)` with a new random pad each time, base64url-encoded.
The server XORs the halves back before Flask-WTF checks the signed token as before.

Flask-WTF stays in charge of the token (signed, time-limited, kept in the session); this module
only changes how it is written into pages and read back from forms and headers.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any

from flask import Flask, g
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect, _FlaskFormCSRF, generate_csrf

from portal.web.slots import per_response


def mask(token: str) -> str:
    raw = token.encode()
    pad = secrets.token_bytes(len(raw))
    masked = (int.from_bytes(pad) ^ int.from_bytes(raw)).to_bytes(len(raw))
    return base64.urlsafe_b64encode(pad + masked).decode().rstrip("=")


def unmask(value: str) -> str:
    """The session's signed token from a masked one; anything else comes back unchanged and so
    fails Flask-WTF's check (a signed token has dots, which base64url never has)."""
    if not value or "." in value:
        return value
    try:
        data = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return value
    half = len(data) // 2
    if half == 0 or len(data) % 2:
        return value
    try:
        return bytes(a ^ b for a, b in zip(data[:half], data[half:], strict=True)).decode()
    except UnicodeDecodeError:
        return value


def masked_csrf_token() -> str:
    """For templates' `csrf_token()`: the request's token, masked anew at each call."""
    return per_response("csrf", lambda: mask(generate_csrf()))


class _MaskedFormCSRF(_FlaskFormCSRF):  # type: ignore[misc]
    """Every FlaskForm's hidden `csrf_token` field, masked; read back unmasked."""

    def generate_csrf_token(self, csrf_token_field: Any) -> str:
        parent = super().generate_csrf_token
        return per_response("csrf", lambda: mask(parent(csrf_token_field)))

    def validate_csrf_token(self, form: Any, field: Any) -> None:
        if g.get("csrf_valid", False):
            return
        field.data = unmask(field.data or "")
        super().validate_csrf_token(form, field)


class MaskedCSRFProtect(CSRFProtect):  # type: ignore[misc]
    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        app.jinja_env.globals["csrf_token"] = masked_csrf_token
        app.context_processor(lambda: {"csrf_token": masked_csrf_token})
        FlaskForm.Meta.csrf_class = _MaskedFormCSRF

    def _get_csrf_token(self) -> str | None:
        token = super()._get_csrf_token()
        return unmask(token) if token else token
