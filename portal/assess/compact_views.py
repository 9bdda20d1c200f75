"""Admin pages for compacts and the scoring rules of plan versions (issue 12.4)."""

from __future__ import annotations

from typing import Any

import pycountry
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from portal.assess.compacts_admin import (
    FIELD_LABELS,
    FIELDS,
    FRAGILITY_BANDS,
    STATUS_LABELS,
    Change,
    CompactError,
    CompactTerms,
    compact_versions,
    create_compact,
    edit_compact,
    peers,
)
from portal.assess.forms import CompactForm
from portal.assess.plan_labels import rule_label, rule_value
from portal.domain.models import Compact, CompactStatus, Desk
from portal.i18n.markers import N_
from portal.i18n.places import country_name
from portal.i18n.templating import current_language
from portal.web.lookups import signed_in_user
from portal.web.services import db


def _choices(form: CompactForm) -> None:
    lang = current_language()
    form.country.choices = sorted(
        ((c.alpha_2, country_name(c.alpha_2, lang)) for c in pycountry.countries),
        key=lambda pair: pair[1],
    )
    form.status.choices = [(s.value, gettext(STATUS_LABELS[s])) for s in CompactStatus]
    form.fragility_band.choices = [(k, gettext(v)) for k, v in FRAGILITY_BANDS.items()]
    form.desks.choices = [
        (d.id, d.name) for d in db().scalars(select(Desk).order_by(Desk.name)).all()
    ]


def _terms(form: CompactForm) -> CompactTerms:
    return CompactTerms(
        country=form.country.data or "",
        partner=form.partner.data or "",
        title=form.title.data or "",
        start_day=form.start_day.data,
        end_day=form.end_day.data,
        status=CompactStatus(form.status.data),
        fragility_band=form.fragility_band.data or "",
        population=int(form.population.data or 0),
        desk_ids=tuple(form.desks.data or ()),
    )


def shown_value(what: str, value: Any) -> str:
    """A compact term's value as a person reads it."""
    if value is None or value == "":
        return "—"
    if what == "country":
        return country_name(str(value), current_language())
    if what == "status":
        return str(gettext(STATUS_LABELS[CompactStatus(value)]))
    if what == "fragility_band":
        return str(gettext(FRAGILITY_BANDS.get(str(value), str(value))))
    if what == "desks":
        names = dict(db().execute(select(Desk.id, Desk.name)).all())
        return ", ".join(names.get(i, str(i)) for i in value)
    return str(value)


PLAN_PARTS = {
    "baseline": N_("Baseline"),
    "threshold": N_("Threshold"),
    "threshold source": N_("Where the threshold comes from"),
    "data source": N_("Data source"),
    "quality review": N_("Last data-quality review"),
}


def change_label(change: Change, country: str = "") -> str:
    """A plan diff line's name in the reader's language, never a raw key."""
    what = change.what
    named = rule_label(what, country)
    if named is not None:
        return named
    if " · " in what:
        code, part = what.split(" · ", 1)
        if part.startswith("target "):
            return f"{code} · {gettext('Target %(year)s', year=part[7:])}"
        return f"{code} · {gettext(PLAN_PARTS.get(part, part))}"
    return what


def register_compact_pages(bp: Blueprint) -> None:
    bp.add_app_template_global(shown_value, "compact_value")
    bp.add_app_template_global(change_label, "change_label")
    bp.add_app_template_global(rule_value, "change_value")

    @bp.route("/compacts/new", methods=["GET", "POST"])
    def compact_new() -> str | tuple[str, int] | BaseResponse:
        form = CompactForm()
        _choices(form)
        if request.method == "GET":
            form.status.data = CompactStatus.DRAFT.value
            form.fragility_band.data = "high"
        if form.validate_on_submit():
            try:
                compact = create_compact(db(), signed_in_user(), _terms(form))
            except CompactError as error:
                db().rollback()
                form.form_errors.append(gettext(error.message))
            else:
                db().commit()
                flash(gettext("The compact is created with version 1 of its plan."), "info")
                return redirect(url_for("assess.compact_edit", slug=compact.slug))
        status = 400 if form.errors or form.form_errors else 200
        return render_template("assess/compact_form.html", form=form, compact=None), status

    @bp.route("/compacts/<slug>/edit", methods=["GET", "POST"])
    def compact_edit(slug: str) -> str | tuple[str, int] | BaseResponse:
        compact = db().scalar(select(Compact).where(Compact.slug == slug))
        if compact is None:
            abort(404)
        form = CompactForm()
        _choices(form)
        if request.method == "GET":
            form.country.data = compact.country
            form.partner.data = compact.partner
            form.title.data = compact.title
            form.start_day.data = compact.start_day
            form.end_day.data = compact.end_day
            form.status.data = compact.status.value
            form.fragility_band.data = compact.fragility_band
            form.population.data = compact.population
            form.desks.data = [d.desk_id for d in compact.desks]
        if form.validate_on_submit():
            try:
                changed = edit_compact(db(), signed_in_user(), compact, _terms(form))
            except CompactError as error:
                db().rollback()
                form.form_errors.append(gettext(error.message))
            else:
                db().commit()
                flash(
                    gettext("The change is saved as a new version of the compact.")
                    if changed
                    else gettext("Nothing changed."),
                    "info",
                )
                return redirect(url_for("assess.compact_edit", slug=slug))
        status = 400 if form.errors or form.form_errors else 200
        return render_template(
            "assess/compact_form.html",
            form=form,
            compact=compact,
            versions=compact_versions(db(), compact),
            peers=peers(db(), compact),
            fields=FIELDS,
            field_labels=FIELD_LABELS,
        ), status
