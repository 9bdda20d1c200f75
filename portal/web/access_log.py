"""Request logging that never writes who made the request.

A client IP or user agent in a log file, next to a path like /report/followup, could tell a
security service which phone followed up on which report. We log method, route, status and
duration only, and a filter on every handler redacts anything shaped like an IP address in case a
library (Werkzeug, gunicorn) slips one into a message.
"""

from __future__ import annotations

import logging
import re
import time

from flask import Flask, Response, g, request

_IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}(?![\w:])")
REDACTED = "[address]"

log = logging.getLogger("portal.request")


class RedactAddresses(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _IPV6.sub(REDACTED, _IPV4.sub(REDACTED, message))
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure_logging(level: str) -> None:
    root = logging.getLogger()
    if not any(isinstance(h, _PortalHandler) for h in root.handlers):
        handler = _PortalHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)
    for existing in root.handlers:
        if not any(isinstance(f, RedactAddresses) for f in existing.filters):
            existing.addFilter(RedactAddresses())
    # Werkzeug's development server prefixes every line with the client address.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # Pillow's TIFF/EXIF parser logs every tag value at DEBUG: a photo's owner, camera serial and
    # GPS would reach the log while the image is being cleaned.
    logging.getLogger("PIL").setLevel(logging.WARNING)
    logging.getLogger("werkzeug").addFilter(RedactAddresses())


class _PortalHandler(logging.StreamHandler):  # type: ignore[type-arg]
    pass


def install_request_logging(app: Flask) -> None:
    @app.before_request
    def _start_timer() -> None:
        g._started = time.perf_counter()

    @app.after_request
    def _log_request(response: Response) -> Response:
        started = g.get("_started")
        elapsed_ms = (time.perf_counter() - started) * 1000 if started else 0.0
        # The rule ("/desk/reports/<public_id>"), not the concrete URL: ids stay out of logs too.
        route = request.url_rule.rule if request.url_rule else "<unmatched>"
        log.info("%s %s %s %.1fms", request.method, route, response.status_code, elapsed_ms)
        return response
