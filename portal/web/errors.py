"""Uniform error pages in the visitor's language that reveal nothing about the server."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import traceback

from flask import Flask, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import ClientDisconnected, HTTPException, InternalServerError
from werkzeug.wrappers import Response as BaseResponse

log = logging.getLogger("portal.errors")

# What a client is told to wait when the database does not answer (503).
RETRY_AFTER_SECONDS = 60
# The database is down, restarting or out of connections: nothing the request wrote was kept.
_DATABASE_GONE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)


def status_for(error: BaseException) -> int | None:
    """The 4xx or 503 an exception stands for, or None for a real bug (500).

    - the database does not answer: 503 (its transaction rolled back: nothing was saved);
    - a value the database refuses (a NUL byte on PostgreSQL, a number out of range): 400;
    - the request body could not be read (invalid chunked encoding: gunicorn's parse errors, a
      client gone mid-body): 400.
    """
    if isinstance(error, _DATABASE_GONE) and _unavailable(error):
        return 503
    if isinstance(error, DataError | ClientDisconnected):
        return 400
    if type(error).__module__.startswith("gunicorn.http"):
        return 400
    return None


def _unavailable(error: BaseException) -> bool:
    """An outage, not a bug: SQLite's OperationalError also says "no such table" (a bug, 500);
    only a locked or unopenable file is an outage there. PostgreSQL's drivers raise
    OperationalError for lost connections, refused connections, shutdowns and timeouts."""
    original = getattr(error, "orig", None)
    if isinstance(original, sqlite3.Error):
        message = str(original).lower()
        return "locked" in message or "unable to open" in message or "disk i/o" in message
    return True


def unavailable_headers() -> dict[str, str]:
    return {"Retry-After": str(RETRY_AFTER_SECONDS)}


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (
            gettext("Something in the request was not right"),
            gettext("Go back, check what you entered and send it again."),
        ),
        401: (
            gettext("Please sign in"),
            gettext("This page is for staff. Sign in with your staff account to see it."),
        ),
        403: (
            gettext("This page is not for your account"),
            gettext("Your account cannot open this page. Ask an administrator if you need it."),
        ),
        404: (
            gettext("Page not found"),
            gettext("Check the address, or go back to the start page."),
        ),
        405: (
            gettext("This action is not possible here"),
            gettext("Go back to the previous page and use its buttons."),
        ),
        413: (
            gettext("What you sent is too large"),
            gettext("Send fewer or smaller files, then try again."),
        ),
        429: (
            gettext("Too many attempts"),
            gettext("Please wait a few minutes, then try again."),
        ),
        503: (
            gettext("The service is briefly unavailable"),
            gettext(
                "Nothing was saved. Please try again in a minute; reports you sent earlier are "
                "safe."
            ),
        ),
        500: (
            gettext("Something went wrong on our side"),
            gettext(
                "If you were sending something, it was not saved: go back and send it again in a "
                "moment. Reports you sent earlier are safe."
            ),
        ),
    }


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(code: int, detail: str | None = None) -> tuple[str | dict[str, object], int]:
    title, advice = _messages().get(code, _messages()[500])
    if _wants_json():
        return {"error": {"status": code, "title": title, "detail": detail or advice}}, code
    return render_template("error.html", code=code, title=title, advice=detail or advice), code


def install_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> tuple[str | dict[str, object], int]:
        return error_response(
            400,
            gettext(
                "This form was open for too long or was sent twice. Go back, reload the page "
                "and send it again."
            ),
        )

    @app.errorhandler(413)
    def _too_large(_error: HTTPException) -> tuple[str | dict[str, object], int]:
        from portal.web.services import services

        limit = services().config.attachments.max_report_bytes // (1024 * 1024)
        return error_response(
            413,
            gettext(
                "Together, the files of one report must be smaller than %(limit)s MB. Press "
                "your browser's Back button: what you typed is usually still there. Then choose "
                "fewer or smaller files, and add the rest later from the follow-up page.",
                limit=limit,
            ),
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> ErrorAnswer | BaseResponse:
        code = error.code or 500
        if code == 401 and not _wants_json():
            return redirect(url_for("auth.login"))
        body, status = error_response(code if code in _messages() else 400)
        # A 405 says which methods the address takes (RFC 9110 §15.5.6).
        allow = {k: v for k, v in error.get_headers() if k == "Allow"}
        return body, status, allow

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> ErrorAnswer:
        if isinstance(error, HTTPException):
            body, status = error_response(error.code or 500)
            return body, status, {}
        known = status_for(error)
        if known is not None:
            _rollback()
            log.warning("%s answered %d on %s", type(error).__name__, known, request.url_rule)
            body, status = error_response(known)
            return body, status, unavailable_headers() if known == 503 else {}
        # The exception type and where it was raised go to the log, never its message: messages
        # quote values (a database driver's failed statement, a parser's bad input), and no
        # request value may reach a log.
        log.error(
            "unhandled %s on %s\n%s", type(error).__name__, request.url_rule, where_raised(error)
        )
        body, status = error_response(InternalServerError.code)
        return body, status, {}


ErrorAnswer = tuple[str | dict[str, object], int, dict[str, str]]


def _rollback() -> None:
    """Give the request's session back clean (its connection may be dead)."""
    from flask import g

    session = g.get("_db_session")
    if session is None:
        return
    with contextlib.suppress(Exception):  # the connection is gone; the pool replaces it
        session.rollback()


def where_raised(error: BaseException) -> str:
    """The traceback's frames (file, line, function, source line) of `error` and the exceptions
    it was raised from, with their types but without any message or local value."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = "".join(traceback.format_list(traceback.extract_tb(current.__traceback__)))
        parts.append(f"{type(current).__module__}.{type(current).__qualname__}\n{frames}")
        current = current.__cause__ or current.__context__
    return "\n".join(reversed(parts))
