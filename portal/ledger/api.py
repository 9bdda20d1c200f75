"""`/api/v1/compacts/<slug>/ledger…`: the assistance ledger for machine clients.

Bearer token with the `ledger:read` scope (tokens belong to assessor accounts) or an assessor's
or admin's session, checked by portal/web/access.py before these views. The ledger holds
recipient units and overrides, which the public never sees: the public page shows only the
endowment's totals. Every read is audit-logged, like the other exports.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy import select

from portal import audit
from portal.api.exports import problem, requester
from portal.domain.models import AssistanceOverride, Compact, LedgerEntry
from portal.ledger import exports, grants, queries
from portal.ledger.reconcile import BadQuarter, Quarter, reconcile
from portal.web.lookups import compact_by_slug
from portal.web.services import db


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _read(compact: Compact, what: str) -> None:
    user, via = requester()
    audit.record(
        db(),
        actor_id=user.id,
        action="ledger.read",
        object_type="compact",
        object_id=compact.slug,
        detail={"what": what, "via": via},
    )
    db().commit()


def _document(compact: Compact) -> dict[str, object]:
    session = db()
    entries = session.scalars(
        select(LedgerEntry).where(LedgerEntry.compact_id == compact.id).order_by(LedgerEntry.id)
    ).all()
    overrides = session.scalars(
        select(AssistanceOverride)
        .where(AssistanceOverride.compact_id == compact.id)
        .order_by(AssistanceOverride.id)
    ).all()
    return {
        "compact": compact.slug,
        **exports.ledger_document(
            compact,
            queries.endowment_totals(session, compact),
            queries.disbursements(session, compact, limit=1_000_000),
            entries,
            [(g, grants.paid(session, g)) for g in grants.grants(session, compact)],
            overrides,
        ),
    }


def register_ledger_routes(bp: Blueprint) -> None:
    @bp.get("/compacts/<slug>/ledger", endpoint="compact_ledger")
    def ledger(slug: str) -> ResponseReturnValue:
        compact = compact_by_slug(slug)
        if compact is None:
            return problem(404)
        document = _document(compact)
        _read(compact, "ledger")
        return _no_store(jsonify(document))

    @bp.get("/compacts/<slug>/ledger.json", endpoint="export_ledger_json")
    def ledger_json(slug: str) -> ResponseReturnValue:
        compact = compact_by_slug(slug)
        if compact is None:
            return problem(404)
        document = _document(compact)
        _read(compact, "ledger.json")
        response = Response(
            json.dumps(document, indent=2, ensure_ascii=False), mimetype="application/json"
        )
        response.headers["Content-Disposition"] = f'attachment; filename="{slug}-ledger.json"'
        return _no_store(response)

    @bp.get("/compacts/<slug>/ledger.csv", endpoint="export_ledger_csv")
    def ledger_csv(slug: str) -> ResponseReturnValue:
        compact = compact_by_slug(slug)
        if compact is None:
            return problem(404)
        session = db()
        entries = session.scalars(
            select(LedgerEntry).where(LedgerEntry.compact_id == compact.id).order_by(LedgerEntry.id)
        ).all()
        overrides = session.scalars(
            select(AssistanceOverride).where(AssistanceOverride.compact_id == compact.id)
        ).all()
        text = exports.ledger_csv_rows(
            compact, queries.disbursements(session, compact, limit=1_000_000), entries, overrides
        )
        _read(compact, "ledger.csv")
        response = Response(text.encode("utf-8"), mimetype="text/csv")
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
        response.headers["Content-Disposition"] = f'attachment; filename="{slug}-ledger.csv"'
        return _no_store(response)

    @bp.get("/compacts/<slug>/ledger/reconciliation", endpoint="ledger_reconciliation")
    def reconciliation(slug: str) -> ResponseReturnValue:
        try:
            quarter = Quarter.parse(request.args.get("quarter") or "")
        except BadQuarter:
            return problem(400, gettext("Give the quarter like 2026Q1."))
        compact = compact_by_slug(slug)
        if compact is None:
            return problem(404)
        lines = reconcile(db(), quarter, compact)
        return _no_store(
            jsonify({"compact": compact.slug, **exports.reconciliation_document(quarter, lines)})
        )
