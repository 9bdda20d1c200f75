"""Security headers on every response (DESIGN §2, §11).

The CSP forbids every inline script and style and every other origin: a reporter's browser must
never talk to a third party, and an injected script must have nowhere to run or send data.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from flask import Flask, Response

from portal.config import Config

CSP = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
PERMISSIONS = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
HSTS = "max-age=63072000; includeSubDomains"


def security_headers(config: Config) -> list[tuple[str, str]]:
    """The headers every response carries, pages and static files alike: built once."""
    headers = [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Cross-Origin-Resource-Policy", "same-origin"),
        ("Permissions-Policy", PERMISSIONS),
    ]
    if config.behind_tls:
        headers.append(("Strict-Transport-Security", HSTS))
    return headers


def static_headers(config: Config) -> Any:
    """For WhiteNoise's `add_headers_function`: the same headers on the versioned assets, which
    alone may be cached (portal/web/assets.py sets their Cache-Control)."""
    fixed = [("Content-Security-Policy", CSP), *security_headers(config)]

    def add(headers: MutableMapping[str, str], _path: str, _url: str) -> None:
        for name, value in fixed:
            headers[name] = value

    return add


def install_security_headers(app: Flask, config: Config) -> None:
    # Pages may show report content or who is signed in; a seized phone's cache must hold
    # nothing. Only the versioned static assets (served before Flask) may be cached.
    fixed = [*security_headers(config), ("Cache-Control", "no-store"), ("Pragma", "no-cache")]
    names = {name.lower() for name, _ in fixed}

    @app.after_request
    def _headers(response: Response) -> Response:
        h = response.headers
        present = {name.lower() for name, _ in h}
        if "content-security-policy" not in present:
            h.add("Content-Security-Policy", CSP)
        if present & names:
            for name, value in fixed:
                h[name] = value
        else:  # the usual case: nothing to replace, so no search per header
            h.extend(fixed)
        return response
