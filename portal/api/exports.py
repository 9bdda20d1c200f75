"""`/api/v1`: exports built in the background, for a token with `exports:read` or an assessor.

`POST /compacts/<slug>/exports` asks for one (202 and where to follow it), `GET /exports/<id>`
says how far it is, `GET /exports/<id>/download` hands over the file once it is done. An export
is visible to the person who asked for it and to admins; to anybody else it does not exist (404),
so ids cannot be probed. The POST takes JSON only: a cross-site form cannot send JSON, so a
signed-in assessor's cookie cannot be made to queue work from another site.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, g, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from portal.assess.export_build import ExportFile
from portal.assess.export_jobs import (
    ExportExpired,
    ExportNotReady,
    TooManyExports,
    exports_of,
    is_expired,
    open_download,
    request_export,
    visible_export,
)
from portal.assess.periods import BadPeriod, Period
from portal.domain.models import Compact, DataExport, ExportFormat, ExportKind, ExportState, User
from portal.web.errors import error_response
from portal.web.services import db, services

RETRY_SECONDS = 60
FIELDS = ("kind", "format", "period")


def requester() -> tuple[User, str]:
    """Who is asking, and how: the owner of the bearer token, or the signed-in person."""
    token = g.get("api_token")
    if token is not None:
        owner = db().get(User, token.user_id)
        assert owner is not None  # checked by portal/web/access.py before the view
        return owner, "token"
    user: User = current_user._get_current_object()
    return user, "session"


def problem(status: int, detail: str | None = None, title: str | None = None) -> Response:
    body, code = error_response(status, detail)
    if title is not None and isinstance(body, dict):
        body = {"error": {"status": status, "title": title, "detail": detail or title}}
    response = jsonify(body)
    response.status_code = code
    response.headers["Cache-Control"] = "no-store"
    return response


def file_response(file: ExportFile) -> Response:
    response = Response(file.content, mimetype=file.media_type)
    if file.media_type == "text/csv":
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _timestamp(value: dt.datetime | None) -> str | None:
    return None if value is None else value.replace(microsecond=0).isoformat() + "Z"


def export_status(export: DataExport, compact_slug: str) -> dict[str, Any]:
    expired = is_expired(export)
    ready = export.state is ExportState.DONE and not expired
    return {
        "id": export.public_id,
        "compact": compact_slug,
        "kind": str(export.kind),
        "format": str(export.format),
        "period": export.period,
        "state": "expired" if expired else str(export.state),
        "rows_done": int(export.rows_done),
        "rows_total": export.rows_total,
        "requested_at": _timestamp(export.requested_at),
        "finished_at": _timestamp(export.finished_at),
        "expires_at": _timestamp(export.expires_at),
        "size_bytes": export.size_bytes if ready else None,
        "download": url_for("api.download_export", export_id=export.public_id) if ready else None,
    }


def _field_errors(errors: dict[str, str], codes: dict[str, str]) -> Response:
    response = jsonify({"errors": errors, "codes": codes})
    response.status_code = 422
    response.headers["Cache-Control"] = "no-store"
    return response


def _read_request() -> tuple[ExportKind, ExportFormat, Period | None] | Response:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _field_errors(
            {"body": gettext("Send a JSON object naming the kind of export.")}, {"body": "type"}
        )
    errors: dict[str, str] = {}
    codes: dict[str, str] = {}
    for name in sorted(set(body) - set(FIELDS)):
        errors[name[:64]] = gettext("Leave this out: exports take kind, format and period.")
        codes[name[:64]] = "unknown"
    kinds = ", ".join(str(k) for k in ExportKind)
    kind = body.get("kind")
    if not isinstance(kind, str) or kind not in {str(k) for k in ExportKind}:
        errors["kind"] = gettext("Choose one of: %(kinds)s.", kinds=kinds)
        codes["kind"] = "required" if kind is None else "unknown"
    fmt = body.get("format", "csv")
    if not isinstance(fmt, str) or fmt not in {str(f) for f in ExportFormat}:
        errors["format"] = gettext("Choose csv or json.")
        codes["format"] = "unknown"
    period = body.get("period")
    scope: Period | None = None
    if period is not None:
        try:
            scope = Period.parse(period) if isinstance(period, str) else None
        except BadPeriod:
            scope = None
        if scope is None:
            errors["period"] = gettext(
                "Give the period as a year (2026) or a quarter (2026-Q2), or leave it out for "
                "the whole term."
            )
            codes["period"] = "format"
    if errors:
        return _field_errors(errors, codes)
    return ExportKind(str(kind)), ExportFormat(str(fmt)), scope


def register_export_routes(bp: Blueprint) -> None:
    @bp.post("/compacts/<slug>/exports", endpoint="request_export")
    def ask(slug: str) -> ResponseReturnValue:
        if request.mimetype != "application/json":
            response = problem(
                415,
                gettext("Send a JSON object with the header Content-Type: application/json."),
                title=gettext("Send the request as JSON"),
            )
            response.headers["Accept-Post"] = "application/json"
            return response
        session = db()
        compact = session.scalar(select(Compact).where(Compact.slug == slug))
        if compact is None:
            return problem(404)
        wanted = _read_request()
        if isinstance(wanted, Response):
            return wanted
        kind, fmt, scope = wanted
        user, via = requester()
        ttl = dt.timedelta(hours=services().config.export_ttl_hours)
        try:
            requested = request_export(session, user, compact, kind, fmt, scope, ttl=ttl, via=via)
        except TooManyExports:
            session.rollback()
            response = problem(
                429,
                gettext(
                    "You have several exports being built already. Wait until one is done, "
                    "then ask again."
                ),
            )
            response.headers["Retry-After"] = str(RETRY_SECONDS)
            return response
        session.commit()
        services().dispatcher.dispatch(requested.outbox_ids)
        session.refresh(requested.export)
        response = jsonify(export_status(requested.export, compact.slug))
        response.status_code = 202
        response.headers["Location"] = url_for(
            "api.export_status", export_id=requested.export.public_id
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    @bp.get("/exports", endpoint="list_exports")
    def listed() -> ResponseReturnValue:
        user, _via = requester()
        exports = exports_of(db(), user)
        slugs = _slugs({e.compact_id for e in exports})
        response = jsonify({"exports": [export_status(e, slugs[e.compact_id]) for e in exports]})
        response.headers["Cache-Control"] = "no-store"
        return response

    @bp.get("/exports/<export_id>", endpoint="export_status")
    def status(export_id: str) -> ResponseReturnValue:
        user, _via = requester()
        export = visible_export(db(), user, export_id)
        if export is None:
            return problem(404)
        response = jsonify(export_status(export, _slugs({export.compact_id})[export.compact_id]))
        response.headers["Cache-Control"] = "no-store"
        return response

    @bp.get("/exports/<export_id>/download", endpoint="download_export")
    def download(export_id: str) -> ResponseReturnValue:
        session = db()
        user, via = requester()
        export = visible_export(session, user, export_id)
        if export is None:
            return problem(404)
        try:
            file = open_download(session, user, export, via=via)
        except ExportExpired:
            return problem(
                410,
                gettext("This export has expired. Request it again if you still need it."),
                title=gettext("This export has expired"),
            )
        except ExportNotReady:
            detail = (
                gettext("The export failed. Request it again; if it fails again, tell an admin.")
                if export.state is ExportState.FAILED
                else gettext("The export is still being built. Ask again in a moment.")
            )
            response = problem(409, detail, title=gettext("This export is not ready"))
            if export.state is not ExportState.FAILED:
                response.headers["Retry-After"] = str(RETRY_SECONDS // 6)
            return response
        session.commit()
        return file_response(file)


def _slugs(compact_ids: set[int]) -> dict[int, str]:
    if not compact_ids:
        return {}
    rows = db().execute(select(Compact.id, Compact.slug).where(Compact.id.in_(compact_ids)))
    return {int(i): str(s) for i, s in rows}
