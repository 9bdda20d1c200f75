"""The one-time token each report form carries (docs/security.md, "Sending twice").

The token is 256 random bits, signed with the app's secret so a form cannot be made up, and
dated so a form kept open longer than a day must be reloaded (uploads over Tor can take an hour;
a day covers that). It replaces the CSRF cookie on the report form: nothing is stored in the
browser before the reporter sends something.
"""

from __future__ import annotations

import base64
import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer

FORM_TOKEN_SECONDS = 24 * 3600
_SALT = "report-form-token"
TOKEN_BYTES = 32


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def issue_form_token(secret_key: str) -> str:
    raw = base64.urlsafe_b64encode(secrets.token_bytes(TOKEN_BYTES)).decode().rstrip("=")
    return str(_serializer(secret_key).dumps(raw))


def read_form_token(secret_key: str, value: str | None) -> bytes | None:
    """The token's random bytes, or None when it is missing, forged or older than a day."""
    if not value or len(value) > 200:
        return None
    try:
        raw = _serializer(secret_key).loads(value, max_age=FORM_TOKEN_SECONDS)
    except BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(raw, str):
        return None
    try:
        token = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except ValueError:
        return None
    return token if len(token) == TOKEN_BYTES else None
