"""What templates need to speak the visitor's language and lay the page out for it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from babel.support import NullTranslations
from flask import Flask, Response, current_app, g, request, url_for
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    get_locale,
    get_translations,
    gettext,
)
from werkzeug.routing import BuildError

from portal.domain.catalogue import indicator
from portal.domain.models.people import ROLE_LABELS, Role
from portal.domain.workflow import STAFF_LABELS, ReportStatus
from portal.i18n.locale import LANG_COOKIE, LANGUAGES, direction, explicit_choice
from portal.i18n.places import country_name, regions

ONE_YEAR = 365 * 24 * 3600


def current_language() -> str:
    locale = get_locale()
    return str(locale) if locale is not None else "en"


def language_url(code: str) -> str:
    """This page in another language: a plain link, so switching needs no JavaScript."""
    if request.endpoint is None or request.method != "GET":
        return url_for("home.landing", lang=code)
    args: dict[str, Any] = dict(request.view_args or {})
    args.update({k: v for k, v in request.args.items() if k != "lang"})
    args["lang"] = code
    try:
        return url_for(request.endpoint, **args)
    except BuildError:
        return url_for("home.landing", lang=code)


def format_day(day: dt.date) -> str:
    return str(format_date(day, "medium"))


def format_moment(moment: dt.datetime) -> str:
    """A staff-facing moment (naive UTC, as stored), in UTC: the page says "UTC" next to it."""
    return str(format_datetime(moment.replace(tzinfo=dt.UTC), "medium"))


def format_month(day: dt.date) -> str:
    return str(format_date(day, "MMMM y"))


def region_name(country: str, code: str | None) -> str:
    if not code:
        return country_name(country, current_language())
    for place in regions(country, current_language()):
        if place.code == code:
            return place.name
    return code


def indicator_name(code: str) -> str:
    try:
        return str(gettext(indicator(code).name))
    except KeyError:
        return code


def status_label(status: ReportStatus) -> str:
    return str(gettext(STAFF_LABELS[status]))


def format_estimate(value: float | None) -> str:
    if value is None:
        return "—"
    return str(format_decimal(value, format="#,##0.###"))


def format_share(value: float | None) -> str:
    """A share as a percentage in the reader's locale (0.705 → "70.5%", "٪٧٠٫٥")."""
    if value is None:
        return "—"
    return str(format_percent(value, format="#,##0.#%"))


def state_label(state: str) -> str:
    from portal.domain.scoring import STATE_LABELS, State

    return str(gettext(STATE_LABELS[State(state)]))


def reason_text(message: str, params: dict[str, Any]) -> str:
    """A scoring reason (an N_ message with parameters) in the reader's language."""
    from portal.domain.scoring import STATE_LABELS, State

    states = {s.value for s in State}
    # Stored reasons keep the scorecard's full precision (they are part of its chain); a reader
    # gets the figures as the table beside them shows them, "0.828", not "0.828174".
    shown = {
        k: (
            gettext(STATE_LABELS[State(v)])
            if k == "state" and v in states
            else format_estimate(v)
            if isinstance(v, float)
            else v
        )
        for k, v in params.items()
    }
    try:
        return str(gettext(message, **shown))
    except (KeyError, ValueError, TypeError):
        return str(gettext(message))


def role_label(role: Role) -> str:
    return str(gettext(ROLE_LABELS[role]))


def has_endpoint(name: str) -> bool:
    return name in current_app.view_functions


def request_catalog() -> NullTranslations:
    """The message catalog of the request's locale, looked up once per request and locale.

    Flask-Babel finds it again on every `_()` of a template (its context, its domain, the
    locale's name, its cache): a desk page says some sixty things. Kept with the locale it was
    found for, so a changed locale finds its own.
    """
    locale = get_locale()
    if locale is None:  # no request or app context: Flask-Babel's answer (no translation)
        catalog: NullTranslations = get_translations()
        return catalog
    kept: tuple[object, NullTranslations] | None = g.get("_portal_catalog")
    if kept is None or kept[0] is not locale:
        kept = (locale, get_translations())
        g._portal_catalog = kept
    return kept[1]


def install_i18n(app: Flask, remember_choice: Callable[[], bool] = lambda: True) -> None:
    """`remember_choice` says whether this request may keep the chosen language in a cookie
    (reporter pages may not: docs/security.md, "A seized phone")."""
    # Templates' `_()` and `ngettext()` as Flask-Babel installs them, with the catalog found once
    # per request (`request_catalog`).
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: request_catalog().ugettext(s),
        ngettext=lambda s, p, n: request_catalog().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_catalog().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_catalog().unpgettext(c, s, p, n),
    )

    @app.context_processor
    def _language_context() -> dict[str, Any]:
        code = current_language()
        return {
            "lang_code": code,
            "lang_dir": direction(code),
            "languages": LANGUAGES,
            "language_url": language_url,
            "has_endpoint": has_endpoint,
            "role_label": role_label,
        }

    app.add_template_filter(format_day, "format_day")
    app.add_template_filter(format_month, "format_month")
    app.add_template_filter(format_moment, "format_moment")
    app.add_template_filter(lambda n: str(format_decimal(n)), "format_number")
    app.add_template_global(region_name, "region_name")
    app.add_template_global(indicator_name, "indicator_name")
    app.add_template_global(status_label, "status_label")
    app.add_template_filter(format_estimate, "format_estimate")
    app.add_template_filter(format_share, "format_percent")
    app.add_template_global(state_label, "state_label")
    app.add_template_global(reason_text, "reason_text")

    @app.after_request
    def _remember_choice(response: Response) -> Response:
        chosen = explicit_choice(request)
        if chosen and request.cookies.get(LANG_COOKIE) != chosen and remember_choice():
            response.set_cookie(
                LANG_COOKIE,
                chosen,
                max_age=ONE_YEAR,
                samesite="Lax",
                httponly=True,
                path="/",
                secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
            )
        return response
