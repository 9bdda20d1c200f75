"""Token-authenticated read API for machine clients: compacts, scorecards, catalogue, exports.

Access is checked before these views by `portal/web/access.py` (bearer token with the operation's
scope, or an assessor/admin signed in with a cookie). Only aggregates are served: no report,
narrative or sealed content is reachable from here.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy import select

from portal.api.exports import file_response, problem, register_export_routes, requester
from portal.assess.export_build import ExportFile, build_export
from portal.assess.export_jobs import record_direct_export
from portal.assess.exports import latest_scorecard, scorecard_csv, scorecard_document
from portal.assess.periods import BadPeriod, Period
from portal.domain.catalogue import INDICATORS
from portal.domain.models import Compact, ExportFormat, ExportKind, Scorecard
from portal.web.lookups import compact_by_slug
from portal.web.services import db

CSV = "text/csv; charset=utf-8"


def _bad_period() -> Response:
    return problem(
        400,
        gettext(
            "Give the period as a year (2026) or a quarter (2026-Q2). For the whole term, "
            "request an export: POST /api/v1/compacts/<id>/exports."
        ),
    )


def _audited(compact: Compact, kind: ExportKind, fmt: ExportFormat, period: str) -> None:
    """Record a file handed over at once in the audit log, as a job's download is."""
    user, via = requester()
    record_direct_export(db(), user, compact, kind, fmt, period, via)
    db().commit()


def _period(required: bool) -> Period | None:
    text = request.args.get("period")
    if text is None or text == "":
        if required:
            raise BadPeriod("missing")
        return None
    return Period.parse(text)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _download(text: str, filename: str) -> Response:
    response = Response(text.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = CSV
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _no_store(response)


def register_compact_routes(bp: Blueprint) -> None:
    @bp.get("/compacts", endpoint="compacts")
    def list_compacts() -> ResponseReturnValue:
        compacts = db().scalars(select(Compact).order_by(Compact.slug)).all()
        return _no_store(
            jsonify(
                {
                    "compacts": [
                        {
                            "id": c.slug,
                            "country": c.country,
                            "partner": c.partner,
                            "title": c.title,
                            "term": {
                                "start": c.start_day.isoformat(),
                                "end": c.end_day.isoformat(),
                            },
                            "status": str(c.status),
                            "current_tier": int(c.current_tier),
                        }
                        for c in compacts
                    ]
                }
            )
        )

    @bp.get("/indicators", endpoint="indicators")
    def list_indicators() -> ResponseReturnValue:
        return _no_store(
            jsonify(
                {
                    "indicators": [
                        {
                            "code": i.code,
                            "category": i.category.code,
                            "category_name": str(i.category.name),
                            "name": str(i.name),
                            "estimator": str(i.estimator),
                            "direction": str(i.direction),
                            "hard_hurdle_from_tier": i.hurdle_from_tier,
                        }
                        for i in INDICATORS
                    ]
                }
            )
        )

    def _scorecard_orproblem(slug: str) -> tuple[Compact, Scorecard] | Response:
        try:
            period = _period(required=True)
        except BadPeriod:
            return _bad_period()
        compact = compact_by_slug(slug)
        if compact is None or period is None:
            return problem(404)
        card = latest_scorecard(db(), compact, period)
        if card is None:
            return problem(404, gettext("There is no scorecard for this compact and period yet."))
        return compact, card

    @bp.get("/compacts/<slug>/scorecards", endpoint="compact_scorecard")
    def scorecard(slug: str) -> ResponseReturnValue:
        found = _scorecard_orproblem(slug)
        if isinstance(found, Response):
            return found
        compact, card = found
        return _no_store(jsonify(scorecard_document(compact, card)))

    @bp.get("/compacts/<slug>/scorecards.json", endpoint="export_scorecard_json")
    def scorecard_json(slug: str) -> ResponseReturnValue:
        found = _scorecard_orproblem(slug)
        if isinstance(found, Response):
            return found
        compact, card = found
        _audited(compact, ExportKind.SCORECARDS, ExportFormat.JSON, card.period)
        response = jsonify(scorecard_document(compact, card))
        name = f"{compact.slug}-{card.period}-scorecard.json"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return _no_store(response)

    @bp.get("/compacts/<slug>/scorecards.csv", endpoint="export_scorecard_csv")
    def scorecard_table(slug: str) -> ResponseReturnValue:
        found = _scorecard_orproblem(slug)
        if isinstance(found, Response):
            return found
        compact, card = found
        _audited(compact, ExportKind.SCORECARDS, ExportFormat.CSV, card.period)
        name = f"{compact.slug}-{card.period}-scorecard.csv"
        return _download(scorecard_csv(compact, card), name)

    def _one_period(slug: str, kind: ExportKind, fmt: ExportFormat) -> ResponseReturnValue:
        """An export of one period, answered at once (a whole term is a job: docs/exports.md)."""
        try:
            period = _period(required=True)
        except BadPeriod:
            return _bad_period()
        compact = compact_by_slug(slug)
        if compact is None or period is None:
            return problem(404)
        file: ExportFile = build_export(db(), compact, kind, fmt, period)
        _audited(compact, kind, fmt, str(period))
        return file_response(file)

    @bp.get("/compacts/<slug>/incidents.csv", endpoint="export_incidents_csv")
    def incidents_table(slug: str) -> ResponseReturnValue:
        return _one_period(slug, ExportKind.INCIDENTS, ExportFormat.CSV)

    @bp.get("/compacts/<slug>/incidents.json", endpoint="export_incidents_json")
    def incidents_json(slug: str) -> ResponseReturnValue:
        return _one_period(slug, ExportKind.INCIDENTS, ExportFormat.JSON)

    @bp.get("/compacts/<slug>/timeseries.csv", endpoint="export_timeseries_csv")
    def timeseries_table(slug: str) -> ResponseReturnValue:
        return _one_period(slug, ExportKind.TIMESERIES, ExportFormat.CSV)

    @bp.get("/compacts/<slug>/timeseries.json", endpoint="export_timeseries_json")
    def timeseries_json(slug: str) -> ResponseReturnValue:
        return _one_period(slug, ExportKind.TIMESERIES, ExportFormat.JSON)

    register_export_routes(bp)
