"""The staff cookies: their names and attributes, and the CSRF token's rotation at sign-in.

Behind TLS every staff cookie carries the `__Host-` prefix: the browser then accepts it only
with `Secure`, for path `/` and without a `Domain`, set by this very host. A sibling subdomain or
a man-in-the-middle on plain HTTP can no longer plant a session or CSRF cookie of their choosing
(session fixation, CSRF token tossing). Without TLS (`make run`) the prefix would make browsers
drop the cookies, so it is not used there.
"""

from __future__ import annotations

import re

from flask import Request, g
from flask import session as flask_session
from werkzeug.wrappers import Response

from portal.auth.devices import DEVICE_DAYS
from portal.auth.staff_sessions import COOKIE_NAME, SessionToken
from portal.config import Config

DEVICE_COOKIE = "cw_device"
_DEVICE_VALUE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def cookie_name(base: str, config: Config) -> str:
    return f"__Host-{base}" if config.behind_tls else base


def staff_token(request: Request, config: Config) -> SessionToken | None:
    return SessionToken.parse(request.cookies.get(cookie_name(COOKIE_NAME, config), ""))


def set_staff_cookie(response: Response, token: SessionToken, config: Config) -> None:
    # No max_age: the cookie dies with the browser; the server-side record enforces timeouts.
    response.set_cookie(
        cookie_name(COOKIE_NAME, config),
        token.cookie_value(),
        httponly=True,
        secure=config.behind_tls,
        samesite="Strict",
        path="/",
    )


def clear_staff_cookie(response: Response, config: Config) -> None:
    response.delete_cookie(
        cookie_name(COOKIE_NAME, config),
        path="/",
        secure=config.behind_tls,
        httponly=True,
        samesite="Strict",
    )


def device_value(request: Request, config: Config) -> str | None:
    """The browser's device cookie, if it holds a well-formed one (never trusted beyond that)."""
    value = request.cookies.get(cookie_name(DEVICE_COOKIE, config), "")
    return value if _DEVICE_VALUE.match(value) else None


def set_device_cookie(
    response: Response, value: str, config: Config, *, persistent: bool = True
) -> None:
    response.set_cookie(
        cookie_name(DEVICE_COOKIE, config),
        value,
        max_age=DEVICE_DAYS * 24 * 3600 if persistent else None,
        httponly=True,
        secure=config.behind_tls,
        samesite="Strict",
        path="/",
    )


def rotate_csrf_token() -> None:
    """Forget the CSRF token; the next form gets a fresh one.

    A token seen before sign-in (a shared computer, a page left open, a token planted in the
    cookie) must not be good for a signed-in person's forms. Flask-WTF keeps the token in the
    session cookie and caches it in `g` for the request.
    """
    flask_session.pop("csrf_token", None)
    g.pop("csrf_token", None)
