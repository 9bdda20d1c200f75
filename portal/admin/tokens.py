"""`/admin/tokens`: API tokens for scripts and other systems, made, listed and revoked by admins.

A new token is shown on the page that made it, once; the list shows its name, owner, scopes and
days, never the token. `flask --app portal portal token create` does the same from a shell.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from portal.admin.forms import ActionForm, TokenForm
from portal.auth.api_tokens import (
    LIFETIMES_DAYS,
    OWNER_ROLES,
    TokenRefused,
    issue_token,
    list_tokens,
    revoke,
)
from portal.config import Config
from portal.domain.models import ApiToken, User, UserRole
from portal.web.services import db

SCOPE_LABELS = {
    "compacts:read": _l("Compacts and indicators"),
    "scorecards:read": _l("Scorecards"),
    "exports:read": _l("Exports: scorecards, time series and incidents, as CSV or JSON"),
    "ledger:read": _l("Assistance ledger: disbursements, overrides, endowment and grants"),
}


def _admin() -> User:
    user: User = current_user._get_current_object()
    return user


def _owners() -> list[User]:
    return list(
        db().scalars(
            select(User)
            .where(
                User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(OWNER_ROLES))),
                User.active.is_(True),
            )
            .order_by(User.email)
        )
    )


def add_token_routes(bp: Blueprint, config: Config) -> None:
    @bp.route("/tokens")
    def tokens() -> str:
        return render_template(
            "admin/tokens.html", rows=list_tokens(db()), labels=SCOPE_LABELS, form=ActionForm()
        )

    @bp.route("/tokens/new", methods=["GET", "POST"])
    def new_token() -> str | tuple[str, int] | BaseResponse:
        form = TokenForm()
        owners = _owners()
        form.owner.choices = [("", gettext("Choose the owner"))] + [
            (str(u.id), f"{u.display_name} <{u.email}>") for u in owners
        ]
        form.scopes.choices = [(scope, str(label)) for scope, label in SCOPE_LABELS.items()]
        form.days.choices = [
            (str(days), ngettext("%(num)s day", "%(num)s days", days)) for days in LIFETIMES_DAYS
        ]
        if form.validate_on_submit():
            owner = next((u for u in owners if str(u.id) == form.owner.data), None)
            assert owner is not None  # one of the choices
            try:
                token = issue_token(
                    db(),
                    owner,
                    form.name.data or "",
                    form.scopes.data or [],
                    days=int(form.days.data),
                    created_by=_admin(),
                )
            except TokenRefused:
                db().rollback()
                form.owner.errors = [
                    gettext("Only an active assessor or administrator can own a token.")
                ]
            else:
                db().commit()
                return render_template(
                    "admin/token_made.html",
                    token=token,
                    name=" ".join((form.name.data or "").split()),
                    owner=owner,
                )
        status = 400 if form.errors else 200
        return render_template("admin/token_new.html", form=form), status

    @bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
    def revoke_token(token_id: int) -> BaseResponse:
        token = db().get(ApiToken, token_id)
        if token is None:
            abort(404)
        if ActionForm().validate_on_submit():
            if revoke(db(), token, by=_admin()):
                db().commit()
                flash(
                    gettext("The token “%(name)s” is revoked: it works no more.", name=token.name),
                    "info",
                )
            else:
                flash(gettext("This token was revoked already."), "info")
        return redirect(url_for("admin.tokens"))
