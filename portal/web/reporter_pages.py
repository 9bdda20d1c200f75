"""What a seized phone may find of the reporter pages (DESIGN §2, §11; docs/security.md).

A reporter's phone is the easiest thing to seize. On every reporter page: a quick exit, no page
in the browser's cache, no cookie that outlives the browser (none at all before something was
sent), and, when the deployment asks, a neutral title and icon so the history says "Notes".

Reporter pages are every page outside the staff, API and transparency areas, including the
error pages of unknown addresses: a mistyped link is still a reporter's page.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Flask, Response, request, url_for
from flask_wtf.csrf import CSRFError

from portal.config import Config
from portal.i18n.locale import explicit_choice
from portal.reporter.followup import FOLLOWUP_COOKIE

F = TypeVar("F", bound=Callable[..., Any])

# Areas that are not the reporter's: staff, machine clients, the public figures, assets.
NOT_REPORTER_PREFIXES = (
    "/desk",
    "/assess",
    "/admin",
    "/auth",
    "/api/",
    "/public",
    "/healthz",
    "/static/",
)

# The quick exit. The link works without JavaScript; with it, the exit takes the tab back to the
# first portal page of this visit (the Navigation API lists them) and replaces that one with the
# exit site, so Back leads to whatever was open before the portal, not to a report. A browser
# without that API replaces only the current page. `window.name` carries the request across the
# one traversal; it is cleared before leaving. A follow-up session is ended on the way out.
# Kept byte-for-byte stable: the Content-Security-Policy allows exactly this script by its hash.
QUICK_EXIT_SCRIPT = (
    "(function(d,w){var m='cw-exit',u=d.documentElement.getAttribute('data-exit');"
    "function go(){w.name='';location.replace(u)}"
    "if(w.name===m){go();return}"
    "d.addEventListener('click',function(e){"
    "var a=e.target.closest&&e.target.closest('a.quick-exit');if(!a)return;e.preventDefault();"
    "var l=a.getAttribute('data-leave');if(l&&navigator.sendBeacon)navigator.sendBeacon(l);"
    "var n=w.navigation,s=n&&n.entries?n.entries():[],c=n&&n.currentEntry;"
    "if(c&&c.index>0&&s[0]&&s[0].index<c.index){w.name=m;n.traverseTo(s[0].key);"
    "setTimeout(go,3000)}else go()})})(document,window)"
)
QUICK_EXIT_HASH = (
    "sha256-" + base64.b64encode(hashlib.sha256(QUICK_EXIT_SCRIPT.encode()).digest()).decode()
)


# Reporter pages are also served under this prefix with words that say nothing about reporting
# (`/m/new`, `/m/check`, `/m/help`); with PORTAL_NEUTRAL_TITLE set, links use these paths, so
# the phone's history holds "/m/new · Notes". The documented paths always work too.
NEUTRAL_PREFIX = "/m"
DOCUMENTED_PREFIX = "/report"


def neutral_routes(bp: Blueprint, config: Config) -> Callable[..., Callable[[F], F]]:
    """`route(documented, neutral, **options)`: one view under both paths, the one links use
    first (Werkzeug builds an endpoint's URL from its first rule)."""

    def route(documented: str, neutral: str, **options: Any) -> Callable[[F], F]:
        aliased = f"{NEUTRAL_PREFIX}/{neutral}"
        paths = (aliased, documented) if config.neutral_title else (documented, aliased)

        def register(view: F) -> F:
            for path in paths:
                bp.add_url_rule(path, view_func=view, **options)
            return view

        return register

    return route


def cookie_prefix(config: Config) -> str:
    """The path the reporter's session cookies are scoped to: that of the links in use."""
    return NEUTRAL_PREFIX if config.neutral_title else DOCUMENTED_PREFIX


def is_reporter_request() -> bool:
    path = request.path
    return not (path == "/api" or path.startswith(NOT_REPORTER_PREFIXES))


def refuse_cross_site_post() -> None:
    """CSRF defence for the reporter forms that must work without any cookie.

    Browsers say where a request comes from in `Sec-Fetch-Site`, whatever the referrer policy
    (our `no-referrer` turns `Origin` into "null" on our own forms). A form posted from another
    site, or a sibling subdomain, is refused; browsers too old to send the header are let through
    (docs/security.md, "Forms without a cookie").
    """
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in {"same-origin", "none"}:
        raise CSRFError("cross-site form")


def install_reporter_pages(app: Flask, config: Config, csp: str) -> None:
    reporter_csp = f"{csp}; script-src '{QUICK_EXIT_HASH}'; connect-src 'self'"

    @app.url_defaults
    def _keep_language(endpoint: str, values: dict[str, Any]) -> None:
        # No language cookie for reporters: a chosen language travels in the links instead.
        if endpoint == "static" or "lang" in values or not is_reporter_request():
            return
        chosen = explicit_choice(request)
        if chosen is not None:
            values["lang"] = chosen

    @app.context_processor
    def _context() -> dict[str, Any]:
        reporter = is_reporter_request()
        return {
            "reporter_page": reporter,
            "quick_exit_url": config.exit_url,
            "quick_exit_script": QUICK_EXIT_SCRIPT,
            # The way out also ends a follow-up session (JavaScript on; a bare beacon).
            "quick_exit_leave": url_for("reporter.leave")
            if reporter and request.cookies.get(FOLLOWUP_COOKIE)
            else None,
            "neutral_title": config.neutral_title if reporter else None,
        }

    @app.after_request
    def _leave_no_trace(response: Response) -> Response:
        if not is_reporter_request():
            return response
        # Also on redirects and error pages; a reporter page is never worth caching.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        if response.mimetype == "text/html":
            response.headers["Content-Security-Policy"] = reporter_csp
        return response
