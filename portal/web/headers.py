"""Security headers on every response (DESIGN §2, §11).

The CSP forbids every inline script and style and every other origin: a reporter's browser must
never talk to a third party, and an injected script must have nowhere to run or send data.
"""

from __future__ import annotations

from flask import Flask, Response, request

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


def install_security_headers(app: Flask, config: Config) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h["X-Content-Type-Options"] = "nosniff"
        h["Referrer-Policy"] = "no-referrer"
        h["X-Frame-Options"] = "DENY"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        h["Cross-Origin-Resource-Policy"] = "same-origin"
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        if config.behind_tls:
            h["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        # Pages may show report content or who is signed in; a seized phone's cache must hold
        # nothing. Only the versioned static assets may be cached.
        if request.endpoint != "static":
            h["Cache-Control"] = "no-store"
            h["Pragma"] = "no-cache"
        return response
