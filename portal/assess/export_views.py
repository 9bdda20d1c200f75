"""`/assess/exports`: whole-term exports an assessor asks for, follows and downloads.

The pages need no JavaScript (the CSP forbids inline script): the status page shows how many rows
are done and a link that reloads it. An export is visible to the person who asked for it and to
admins; anyone else gets the same 404 as for an export that never existed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, gettext, lazy_gettext
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from portal.api.exports import file_response
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
from portal.config import Config
from portal.domain.models import Compact, DataExport, ExportFormat, ExportKind
from portal.web.lookups import signed_in_user
from portal.web.services import db, services

KIND_LABELS = {
    ExportKind.SCORECARDS: lazy_gettext("Scorecards of every period"),
    ExportKind.TIMESERIES: lazy_gettext("Indicator time series"),
    ExportKind.INCIDENTS: lazy_gettext("Verified incidents per indicator and quarter"),
}
STATE_LABELS = {
    "queued": lazy_gettext("Waiting to start"),
    "running": lazy_gettext("Being built"),
    "done": lazy_gettext("Ready to download"),
    "failed": lazy_gettext("Failed"),
    "expired": lazy_gettext("Expired"),
}


@dataclass(frozen=True)
class ExportRow:
    """What the pages show of one export, formatted for the reader's language."""

    public_id: str
    compact: Compact
    kind: str
    format: str
    period: str | None  # None: the whole term
    state: str
    state_label: str
    rows_done: int
    rows_total: int | None
    requested: str
    available_until: str


def _when(value: dt.datetime) -> str:
    return str(format_datetime(value.replace(tzinfo=dt.UTC), "medium"))


def _row(export: DataExport, compact: Compact) -> ExportRow:
    state = "expired" if is_expired(export) else str(export.state)
    return ExportRow(
        public_id=export.public_id,
        compact=compact,
        kind=str(KIND_LABELS[export.kind]),
        format=str(export.format).upper(),
        period=export.period,
        state=state,
        state_label=str(STATE_LABELS[state]),
        rows_done=int(export.rows_done),
        rows_total=export.rows_total,
        requested=_when(export.requested_at),
        available_until=_when(export.expires_at),
    )


def _compacts(ids: set[int]) -> dict[int, Compact]:
    if not ids:
        return {}
    return {c.id: c for c in db().scalars(select(Compact).where(Compact.id.in_(ids)))}


def register_export_pages(bp: Blueprint, config: Config) -> None:
    ttl = dt.timedelta(hours=config.export_ttl_hours)

    @bp.route("/exports")
    def exports() -> str:
        rows = exports_of(db(), signed_in_user())
        compacts = _compacts({e.compact_id for e in rows})
        return render_template(
            "assess/exports.html",
            exports=[_row(e, compacts[e.compact_id]) for e in rows],
            ttl_hours=config.export_ttl_hours,
        )

    @bp.route("/compacts/<slug>/exports", methods=["POST"], endpoint="request_export")
    def ask(slug: str) -> BaseResponse:
        session = db()
        compact = session.scalar(select(Compact).where(Compact.slug == slug))
        if compact is None:
            abort(404)
        kind = request.form.get("kind", "")
        fmt = request.form.get("format", "")
        if kind not in {str(k) for k in ExportKind} or fmt not in {str(f) for f in ExportFormat}:
            abort(400)
        try:
            requested = request_export(
                session,
                signed_in_user(),
                compact,
                ExportKind(kind),
                ExportFormat(fmt),
                None,
                ttl=ttl,
                via="web",
            )
        except TooManyExports:
            session.rollback()
            flash(
                gettext(
                    "You have several exports being built already. Wait until one is done, "
                    "then ask again."
                ),
                "error",
            )
            return redirect(url_for("assess.exports"))
        session.commit()
        services().dispatcher.dispatch(requested.outbox_ids)
        return redirect(url_for("assess.export", export_id=requested.export.public_id))

    @bp.route("/exports/<export_id>")
    def export(export_id: str) -> str:
        found = visible_export(db(), signed_in_user(), export_id)
        if found is None:
            abort(404)
        compact = _compacts({found.compact_id})[found.compact_id]
        return render_template("assess/export.html", export=_row(found, compact))

    @bp.route("/exports/<export_id>/download")
    def download_export(export_id: str) -> BaseResponse:
        session = db()
        user = signed_in_user()
        found = visible_export(session, user, export_id)
        if found is None:
            abort(404)
        try:
            file = open_download(session, user, found, via="web")
        except ExportExpired:
            flash(gettext("This export has expired. Request it again if you still need it."))
            return redirect(url_for("assess.export", export_id=export_id))
        except ExportNotReady:
            flash(gettext("The export is not ready yet."))
            return redirect(url_for("assess.export", export_id=export_id))
        session.commit()
        return file_response(file)
