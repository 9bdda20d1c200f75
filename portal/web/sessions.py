"""Flask's signed-cookie session, without the work when the request carries no session cookie.

Most reporters' requests have no cookie at all; Flask would still build the signing serializer
for each of them. The cookie format, signing and saving are Flask's own.
"""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class LeanSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)
