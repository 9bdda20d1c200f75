"""`/assess/compacts/<slug>/assistance` and the catalogue: assessors and admins only.

Views parse and render; `portal.ledger.service` checks, levies and posts.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, format_percent, gettext
from sqlalchemy import func, select
from werkzeug.wrappers import Response as BaseResponse

from portal.config import Config
from portal.domain.models import AssistanceCatalogue, Compact, Disbursement, Role
from portal.domain.models.base import today
from portal.i18n.locale import direction
from portal.i18n.templating import current_language, format_day
from portal.ledger import catalogue as catalogue_module
from portal.ledger import exports, grants, queries, service
from portal.ledger.catalogue import (
    CATEGORY_LABELS,
    CatalogueError,
    Category,
    categories,
    change_category,
    current_catalogue,
)
from portal.ledger.chart import balance_chart
from portal.ledger.forms import CategoryForm, DisbursementForm, LevyRateForm, ReversalForm
from portal.ledger.grant_views import register_grant_pages
from portal.ledger.money import MAX_AMOUNT, BadAmount, parse_amount, parse_rate
from portal.ledger.reconcile import BadQuarter, Quarter, reconcile
from portal.web.lookups import compact_or_404, signed_in_user
from portal.web.services import db


def category_label(category: Category) -> str:
    source = CATEGORY_LABELS.get(category.code)
    return str(gettext(source)) if source else category.name


def category_name(code: str) -> str:
    source = CATEGORY_LABELS.get(code)
    return str(gettext(source)) if source else code


def format_money(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    return str(format_decimal(amount, format="#,##0.00"))


def format_rate(rate: Decimal) -> str:
    """A levy rate as a percentage in the reader's locale (0.015 → "1.5%"), every digit kept."""
    return str(format_percent(rate, format="#,##0.######%"))


def format_exact(amount: Decimal) -> str:
    """An unrounded amount: grouped, at least the cents, and every further digit it has."""
    return str(format_decimal(amount, format="#,##0.00########"))


def _message(message: str, params: dict[str, Any]) -> str:
    try:
        return str(gettext(message, **params))
    except (KeyError, ValueError, TypeError):
        return str(gettext(message))


def _download(text: str, media_type: str, filename: str) -> Response:
    response = Response(text, mimetype=media_type.split(";")[0])
    response.headers["Content-Type"] = media_type
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def make_blueprint(config: Config) -> Blueprint:
    bp = Blueprint("ledger", __name__, url_prefix="/assess")
    bp.add_app_template_filter(format_money, "format_money")
    bp.add_app_template_filter(format_rate, "format_rate")
    bp.add_app_template_filter(format_exact, "format_exact")
    bp.add_app_template_global(category_label, "category_label")
    bp.add_app_template_global(category_name, "category_name")

    def _disbursement_form(compact: Compact) -> DisbursementForm:
        form = DisbursementForm()
        cats = categories(current_catalogue(db()))
        form.category.choices = [
            (c.code, f"{category_label(c)} · " + gettext("tier %(tier)s", tier=c.min_tier))
            for c in cats
        ]
        form.instrument.choices = [(k, gettext(v)) for k, v in service.INSTRUMENTS.items()]
        return form

    def _page(compact: Compact, form: DisbursementForm, refusals: list[str], status: int
              ) -> tuple[str, int]:
        series = queries.balance_series(db(), compact)
        return render_template(
            "ledger/assistance.html",
            compact=compact,
            form=form,
            refusals=refusals,
            currency=service.reporting_currency(db(), compact),
            totals=queries.category_totals(db(), compact),
            disbursements=queries.disbursements(db(), compact),
            reversed=queries.reversed_txns(db(), compact),
            overrides=queries.overrides(db(), compact),
            instruments=service.INSTRUMENTS,
            endowment=service.endowment_balance(db(), compact),
            money=queries.endowment_totals(db(), compact),
            series=series,
            chart=balance_chart(
                series,
                title=gettext("Endowment balance over time (%(currency)s)",
                              currency=service.reporting_currency(db(), compact)),
                day_label=format_day,
                money_label=format_money,
                rtl=direction(current_language()) == "rtl",
            ),
            grants=[(g, grants.paid(db(), g)) for g in grants.grants(db(), compact)],
            grant_states=grants.STATE_LABELS,
            unidentified=queries.unidentified_flags(db(), compact),
        ), status

    @bp.route("/compacts/<slug>/assistance")
    def assistance(slug: str) -> tuple[str, int]:
        compact = compact_or_404(slug)
        form = _disbursement_form(compact)
        if form.fx_rate.data is None:
            form.fx_rate.data = "1"
        if not form.currency.data:
            form.currency.data = service.reporting_currency(db(), compact)
        return _page(compact, form, [], 200)

    @bp.route("/compacts/<slug>/assistance", methods=["POST"])
    def record_disbursement(slug: str) -> tuple[str, int] | BaseResponse:
        compact = compact_or_404(slug)
        form = _disbursement_form(compact)
        if not form.validate_on_submit():
            return _page(compact, form, [], 400)
        try:
            gross = parse_amount(form.gross.data or "")
        except BadAmount:
            form.gross.errors = [
                gettext("Write the amount in digits with a point before the cents, such as "
                        "1250000.50 (up to %(max)s).", max=format_money(MAX_AMOUNT))
            ]
            return _page(compact, form, [], 400)
        try:
            fx_rate = parse_rate(form.fx_rate.data or "", maximum=service.MAX_FX_RATE)
        except BadAmount:
            form.fx_rate.errors = [
                gettext("Write the exchange rate as a positive number with a point, such as "
                        "0.92.")
            ]
            return _page(compact, form, [], 400)
        data = service.DisbursementInput(
            tranche=form.tranche.data or "",
            day=form.day.data,
            instrument=form.instrument.data,
            category_code=form.category.data,
            recipient_unit=form.recipient_unit.data or "",
            gross=gross,
            currency=(form.currency.data or "").strip().upper(),
            fx_rate=fx_rate,
        )
        try:
            row = service.record_disbursement(
                db(), signed_in_user(), compact, data, justification=form.justification.data or "",
                today=today(),
            )
        except service.DisbursementRefused as refused:
            db().rollback()
            messages = [_message(r.message, r.params) for r in refused.refusals]
            return _page(compact, form, messages, 409)
        except service.LedgerError as error:
            db().rollback()
            form.form_errors.append(_message(error.message, error.params))
            return _page(compact, form, [], 400)
        db().commit()
        flash(
            gettext("Disbursement recorded: levy %(levy)s %(currency)s, net %(net)s.",
                    levy=format_money(row.levy), currency=row.reporting_currency,
                    net=format_money(row.net)),
            "info",
        )
        return redirect(url_for("ledger.assistance", slug=slug))

    @bp.route("/compacts/<slug>/assistance/<public_id>/reverse", methods=["POST"])
    def reverse(slug: str, public_id: str) -> BaseResponse:
        compact = compact_or_404(slug)
        form = ReversalForm()
        if not form.validate_on_submit():
            flash(gettext("Say why the disbursement is reversed."), "error")
            return redirect(url_for("ledger.assistance", slug=slug))
        try:
            service.reverse_disbursement(
                db(), signed_in_user(), compact, public_id, form.reason.data or "", today=today()
            )
        except service.LedgerError as error:
            db().rollback()
            flash(_message(error.message, error.params), "error")
            return redirect(url_for("ledger.assistance", slug=slug))
        db().commit()
        flash(gettext("The disbursement is reversed by a reversing entry."), "info")
        return redirect(url_for("ledger.assistance", slug=slug))

    def _quarter() -> Quarter:
        text = request.args.get("quarter") or str(Quarter.of(today()))
        try:
            return Quarter.parse(text)
        except BadQuarter:
            abort(400)

    @bp.route("/compacts/<slug>/assistance/reconciliation")
    def reconciliation(slug: str) -> str:
        compact = compact_or_404(slug)
        quarter = _quarter()
        lines = reconcile(db(), quarter, compact)
        return render_template(
            "ledger/reconciliation.html", compact=compact, quarter=quarter, lines=lines,
            balanced=all(x.balanced for x in lines),
        )

    @bp.route("/compacts/<slug>/assistance/reconciliation.csv")
    def reconciliation_csv(slug: str) -> Response:
        compact = compact_or_404(slug)
        quarter = _quarter()
        text = exports.reconciliation_csv(quarter, reconcile(db(), quarter, compact))
        return _download(text, "text/csv; charset=utf-8", f"{slug}-reconciliation-{quarter}.csv")

    @bp.route("/compacts/<slug>/assistance/reconciliation.json")
    def reconciliation_json(slug: str) -> Response:
        compact = compact_or_404(slug)
        quarter = _quarter()
        document = {
            "compact": compact.slug,
            **exports.reconciliation_document(quarter, reconcile(db(), quarter, compact)),
        }
        return _download(
            json.dumps(document, indent=2, ensure_ascii=False), "application/json",
            f"{slug}-reconciliation-{quarter}.json",
        )

    @bp.route("/assistance/levy")
    def levy_rates() -> tuple[str, int]:
        return _levy_page(LevyRateForm(), 200)

    def _levy_page(form: LevyRateForm, status: int) -> tuple[str, int]:
        rows = catalogue_module.levy_rates(db())
        db().commit()  # the default version 1, written on first read
        periods = [
            (rate, rows[i + 1].effective_from if i + 1 < len(rows) else None)
            for i, rate in enumerate(rows)
        ]
        return render_template(
            "ledger/levy.html", periods=list(reversed(periods)), form=form,
            is_admin=signed_in_user().has_role(Role.ADMIN),
        ), status

    @bp.route("/assistance/levy", methods=["POST"])
    def add_levy_rate() -> tuple[str, int] | BaseResponse:
        form = LevyRateForm()
        if not form.validate_on_submit():
            return _levy_page(form, 400)
        try:
            rate = parse_rate(form.rate.data or "", maximum=catalogue_module.MAX_LEVY_RATE)
        except BadAmount:
            form.rate.errors = [gettext("Write the rate as a fraction with a point: 0.01 is 1%.")]
            return _levy_page(form, 400)
        last_day = db().scalar(select(func.max(Disbursement.day)))
        try:
            created = catalogue_module.add_levy_rate(
                db(), signed_in_user(), rate, form.effective_from.data, form.note.data or "",
                last_disbursement_day=last_day,
            )
        except CatalogueError as error:
            db().rollback()
            form.form_errors.append(str(gettext(error.message)))
            return _levy_page(form, 400)
        db().commit()
        flash(gettext("Levy rate version %(version)s saved.", version=created.version), "info")
        return redirect(url_for("ledger.levy_rates"))

    @bp.route("/assistance/catalogue")
    def catalogue() -> tuple[str, int]:
        return _catalogue_page(CategoryForm(), 200)

    def _catalogue_page(form: CategoryForm, status: int) -> tuple[str, int]:
        current = current_catalogue(db())
        versions = db().scalars(
            select(AssistanceCatalogue).order_by(AssistanceCatalogue.version.desc()).limit(20)
        ).all()
        db().commit()  # the default version 1, written on first read
        return render_template(
            "ledger/catalogue.html", current=current, rows=categories(current),
            versions=versions, form=form, is_admin=signed_in_user().has_role(Role.ADMIN),
        ), status

    @bp.route("/assistance/catalogue", methods=["POST"])
    def change_catalogue() -> tuple[str, int] | BaseResponse:
        form = CategoryForm()
        if not form.validate_on_submit():
            return _catalogue_page(form, 400)
        try:
            created = change_category(
                db(), signed_in_user(), form.code.data or "", form.name.data or "",
                int(form.min_tier.data), form.note.data or "",
            )
        except CatalogueError as error:
            db().rollback()
            form.form_errors.append(str(gettext(error.message)))
            return _catalogue_page(form, 400)
        db().commit()
        flash(gettext("Catalogue version %(version)s saved.", version=created.version), "info")
        return redirect(url_for("ledger.catalogue"))

    register_grant_pages(bp, compact_or_404, signed_in_user, _message)
    return bp
