"""`/admin/organisations`: the civil-society groups members belong to, kept like accounts."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from portal.admin.forms import ActionForm, OrganisationForm
from portal.config import Config
from portal.domain.models import Desk, Organisation, User
from portal.i18n.places import country_name
from portal.i18n.templating import current_language
from portal.provision.organisations import (
    NameTaken,
    OrganisationFields,
    contact_of,
    member_counts,
    save_organisation,
    set_active,
)
from portal.web.services import db, services


def _admin() -> User:
    user: User = current_user._get_current_object()
    return user


def _countries() -> list[tuple[str, str]]:
    """The countries the portal has desks for: an organisation reports to one of them."""
    codes = sorted(set(db().scalars(select(Desk.country))))
    language = current_language()
    return sorted(((c, country_name(c, language)) for c in codes), key=lambda pair: pair[1])


def _found(public_id: str) -> Organisation:
    organisation = db().scalar(select(Organisation).where(Organisation.public_id == public_id))
    if organisation is None:
        abort(404)
    return organisation


def add_organisation_routes(bp: Blueprint, config: Config) -> None:
    @bp.route("/organisations")
    def organisations() -> str:
        rows = db().scalars(select(Organisation).order_by(Organisation.name)).all()
        return render_template(
            "admin/organisations.html",
            organisations=rows,
            members=member_counts(db()),
            country=lambda code: country_name(code, current_language()),
        )

    @bp.route("/organisations/new", methods=["GET", "POST"])
    def new_organisation() -> str | tuple[str, int] | BaseResponse:
        return _edit(None)

    @bp.route("/organisations/<public_id>", methods=["GET", "POST"])
    def organisation(public_id: str) -> str | tuple[str, int] | BaseResponse:
        return _edit(_found(public_id))

    def _edit(organisation: Organisation | None) -> str | tuple[str, int] | BaseResponse:
        server_key = services().keyring.server_key
        form = OrganisationForm(
            data=None
            if organisation is None
            else {
                "name": organisation.name,
                "country": organisation.country,
                "verified": organisation.verified,
                "contact": contact_of(organisation, server_key),
            }
        )
        form.country.choices = [("", gettext("Choose a country")), *_countries()]
        if form.validate_on_submit():
            try:
                saved = save_organisation(
                    db(),
                    _admin(),
                    OrganisationFields(
                        name=form.name.data or "",
                        country=form.country.data or "",
                        verified=bool(form.verified.data),
                        contact=form.contact.data or "",
                    ),
                    server_key,
                    organisation,
                )
            except NameTaken:
                db().rollback()
                form.name.errors = [
                    gettext("An organisation of this country already has this name.")
                ]
            else:
                db().commit()
                flash(gettext("%(name)s is saved.", name=saved.name), "info")
                return redirect(url_for("admin.organisations"))
        status = 400 if form.errors else 200
        return render_template(
            "admin/organisation.html", form=form, organisation=organisation, toggle=ActionForm()
        ), status

    @bp.route("/organisations/<public_id>/active", methods=["POST"])
    def toggle_organisation(public_id: str) -> BaseResponse:
        organisation = _found(public_id)
        if ActionForm().validate_on_submit():
            set_active(db(), _admin(), organisation, not organisation.active)
            db().commit()
            flash(
                gettext("%(name)s is offered to new members again.", name=organisation.name)
                if organisation.active
                else gettext(
                    "%(name)s is disabled: it is offered to no new member. Its members keep "
                    "their accounts.",
                    name=organisation.name,
                ),
                "info",
            )
        return redirect(url_for("admin.organisation", public_id=public_id))
