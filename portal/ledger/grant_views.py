"""`/assess/compacts/<slug>/grants` and `/assess/compacts/<slug>/vetting`: reform grants and
the unit vetting list. Assessors and admins read; assessors review grants and change the list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response as BaseResponse

from portal.domain.models import Compact, User
from portal.domain.models.base import today
from portal.ledger import grants, postings, service, vetting
from portal.ledger.forms import ClearForm, IdentifyForm, PaymentForm, ProposalForm, ReviewForm
from portal.ledger.money import BadAmount, parse_amount
from portal.web.services import db


def register_grant_pages(
    bp: Blueprint,
    compact_of: Callable[[str], Compact],
    user_of: Callable[[], User],
    message: Callable[[str, dict[str, Any]], str],
) -> None:
    def _proposal_form() -> ProposalForm:
        form = ProposalForm()
        form.applicant_kind.choices = [(k, gettext(v)) for k, v in grants.APPLICANT_KINDS.items()]
        return form

    def _grants_page(compact: Compact, form: ProposalForm, status: int) -> tuple[str, int]:
        rows = grants.grants(db(), compact)
        return render_template(
            "ledger/grants.html",
            compact=compact,
            form=form,
            grants=[(g, grants.paid(db(), g)) for g in rows],
            eligibility=grants.eligibility(db(), compact),
            endowment=postings.balance(db(), compact.id, postings.ENDOWMENT),
            currency=service.reporting_currency(db(), compact),
            kinds=grants.APPLICANT_KINDS,
            states=grants.STATE_LABELS,
            review_form=ReviewForm(formdata=None),
            payment_form=PaymentForm(formdata=None),
        ), status

    def _back(slug: str) -> BaseResponse:
        return redirect(url_for("ledger.grants", slug=slug))

    @bp.route("/compacts/<slug>/grants", endpoint="grants")
    def grants_page(slug: str) -> tuple[str, int]:
        return _grants_page(compact_of(slug), _proposal_form(), 200)

    @bp.route("/compacts/<slug>/grants", methods=["POST"])
    def propose_grant(slug: str) -> tuple[str, int] | BaseResponse:
        compact = compact_of(slug)
        form = _proposal_form()
        if not form.validate_on_submit():
            return _grants_page(compact, form, 400)
        try:
            requested = parse_amount(form.requested.data or "")
        except BadAmount:
            form.requested.errors = [gettext("Write the amount in digits with a point before "
                                             "the cents, such as 1250000.50.")]
            return _grants_page(compact, form, 400)
        proposal = grants.Proposal(
            title=form.title.data or "", applicant=form.applicant.data or "",
            applicant_kind=form.applicant_kind.data, summary=form.summary.data or "",
            requested=requested, indicator=form.indicator.data or "",
            baseline=form.baseline.data or "", target=form.target.data or "",
        )
        try:
            grants.propose(db(), user_of(), compact, proposal)
        except service.LedgerError as error:
            db().rollback()
            form.form_errors.append(message(error.message, error.params))
            return _grants_page(compact, form, 400)
        db().commit()
        flash(gettext("The proposal is recorded and awaits review."), "info")
        return _back(slug)

    @bp.route("/compacts/<slug>/grants/<public_id>/review", methods=["POST"])
    def review_grant(slug: str, public_id: str) -> BaseResponse:
        compact = compact_of(slug)
        form = ReviewForm()
        if not form.validate_on_submit():
            flash(gettext("Write the reasons for the review in a few sentences."), "error")
            return _back(slug)
        award = None
        if form.decision.data == "award":
            try:
                award = parse_amount(form.amount.data or "")
            except BadAmount:
                flash(gettext("Write the amount in digits with a point before the cents, such "
                              "as 1250000.50."), "error")
                return _back(slug)
        try:
            grants.review(db(), user_of(), compact, public_id, award=award,
                          note=form.note.data or "", today=today())
        except service.LedgerError as error:
            db().rollback()
            flash(message(error.message, error.params), "error")
            return _back(slug)
        db().commit()
        flash(gettext("The review is recorded."), "info")
        return _back(slug)

    @bp.route("/compacts/<slug>/grants/<public_id>/pay", methods=["POST"])
    def pay_grant(slug: str, public_id: str) -> BaseResponse:
        compact = compact_of(slug)
        form = PaymentForm()
        try:
            amount = parse_amount(form.amount.data or "") if form.validate_on_submit() else None
        except BadAmount:
            amount = None
        if amount is None:
            flash(gettext("Write the amount in digits with a point before the cents, such as "
                          "1250000.50."), "error")
            return _back(slug)
        try:
            grants.pay(db(), user_of(), compact, public_id, amount, today=today())
        except service.LedgerError as error:
            db().rollback()
            flash(message(error.message, error.params), "error")
            return _back(slug)
        db().commit()
        flash(gettext("The payment is posted."), "info")
        return _back(slug)

    def _vetting_back(slug: str) -> BaseResponse:
        return redirect(url_for("ledger.vetting", slug=slug))

    @bp.route("/compacts/<slug>/vetting", endpoint="vetting")
    def vetting_page(slug: str) -> str:
        compact = compact_of(slug)
        return render_template(
            "ledger/vetting.html", compact=compact, flags=vetting.vetting_list(db(), compact),
            reference=vetting.reference, identify_form=IdentifyForm(formdata=None),
            clear_form=ClearForm(formdata=None),
        )

    @bp.route("/compacts/<slug>/vetting/refresh", methods=["POST"])
    def refresh_vetting(slug: str) -> BaseResponse:
        compact = compact_of(slug)
        added = vetting.refresh(db(), user_of(), compact, today())
        db().commit()
        flash(gettext("Vetting list refreshed from verified incidents: %(count)s unit(s) "
                      "newly flagged.", count=added), "info")
        return _vetting_back(slug)

    @bp.route("/compacts/<slug>/vetting/<public_id>/identify", methods=["POST"])
    def identify_unit(slug: str, public_id: str) -> BaseResponse:
        compact = compact_of(slug)
        form = IdentifyForm()
        try:
            if not form.validate_on_submit():
                raise service.LedgerError("Name the recipient unit (up to 200 characters).")
            vetting.identify(db(), user_of(), compact, public_id, form.name.data or "")
        except service.LedgerError as error:
            db().rollback()
            flash(message(error.message, error.params), "error")
            return _vetting_back(slug)
        db().commit()
        flash(gettext("The flagged unit is identified."), "info")
        return _vetting_back(slug)

    @bp.route("/compacts/<slug>/vetting/<public_id>/clear", methods=["POST"])
    def clear_unit(slug: str, public_id: str) -> BaseResponse:
        compact = compact_of(slug)
        form = ClearForm()
        try:
            vetting.clear(db(), user_of(), compact, public_id,
                          form.remediation.data or "" if form.validate_on_submit() else "",
                          today=today())
        except service.LedgerError as error:
            db().rollback()
            flash(message(error.message, error.params), "error")
            return _vetting_back(slug)
        db().commit()
        flash(gettext("The unit is cleared; the remediation is on record."), "info")
        return _vetting_back(slug)
