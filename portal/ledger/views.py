"""`/assess/compacts/<slug>/assistance` and the catalogue: assessors and admins only.

Views parse and render; `portal.ledger.service` checks, levies and posts.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import format_decimal, gettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from portal.config import Config
from portal.domain.models import AssistanceCatalogue, Compact, Role, User
from portal.domain.models.base import today
from portal.ledger import queries, service
from portal.ledger.catalogue import (
    CATEGORY_LABELS,
    CatalogueError,
    Category,
    categories,
    change_category,
    current_catalogue,
)
from portal.ledger.forms import CategoryForm, DisbursementForm
from portal.ledger.money import MAX_AMOUNT, BadAmount, parse_amount, parse_rate
from portal.web.services import db


def _user() -> User:
    user: User = current_user._get_current_object()
    return user


def _compact(slug: str) -> Compact:
    found = db().scalar(select(Compact).where(Compact.slug == slug))
    if found is None:
        abort(404)
    return found


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


def _message(message: str, params: dict[str, Any]) -> str:
    try:
        return str(gettext(message, **params))
    except (KeyError, ValueError, TypeError):
        return str(gettext(message))


def make_blueprint(config: Config) -> Blueprint:
    bp = Blueprint("ledger", __name__, url_prefix="/assess")
    bp.add_app_template_filter(format_money, "format_money")
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
        ), status

    @bp.route("/compacts/<slug>/assistance")
    def assistance(slug: str) -> tuple[str, int]:
        compact = _compact(slug)
        form = _disbursement_form(compact)
        if form.fx_rate.data is None:
            form.fx_rate.data = "1"
        if not form.currency.data:
            form.currency.data = service.reporting_currency(db(), compact)
        return _page(compact, form, [], 200)

    @bp.route("/compacts/<slug>/assistance", methods=["POST"])
    def record_disbursement(slug: str) -> tuple[str, int] | BaseResponse:
        compact = _compact(slug)
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
                db(), _user(), compact, data, justification=form.justification.data or "",
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
            versions=versions, form=form, is_admin=_user().has_role(Role.ADMIN),
        ), status

    @bp.route("/assistance/catalogue", methods=["POST"])
    def change_catalogue() -> tuple[str, int] | BaseResponse:
        form = CategoryForm()
        if not form.validate_on_submit():
            return _catalogue_page(form, 400)
        try:
            created = change_category(
                db(), _user(), form.code.data or "", form.name.data or "",
                int(form.min_tier.data), form.note.data or "",
            )
        except CatalogueError as error:
            db().rollback()
            form.form_errors.append(str(gettext(error.message)))
            return _catalogue_page(form, 400)
        db().commit()
        flash(gettext("Catalogue version %(version)s saved.", version=created.version), "info")
        return redirect(url_for("ledger.catalogue"))

    return bp
