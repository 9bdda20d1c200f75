"""`/admin/users`: staff accounts, and a forgotten password reset with the recovery key.

Never by e-mail alone: the person brings their recovery key (shown once at account creation) to
an admin, in person or over a channel they trust; without it, a new password would open nothing.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo

from portal.auth import account_service
from portal.auth.password_messages import explain
from portal.config import Config
from portal.crypto import MalformedInput, WrongSecret
from portal.domain.models import User
from portal.web.services import db, services


class ResetForm(FlaskForm):  # type: ignore[misc]
    recovery_key = StringField(
        _l("The person's recovery key"),
        validators=[DataRequired(_l("Enter the recovery key the person brought."))],
        render_kw={"autocomplete": "off", "spellcheck": "false", "dir": "ltr"},
    )
    new = PasswordField(
        _l("New password"), validators=[DataRequired()], render_kw={"autocomplete": "new-password"}
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[EqualTo("new", message=_l("The two new passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )


def add_account_routes(bp: Blueprint, config: Config) -> None:
    @bp.route("/users")
    def users() -> str:
        rows = db().scalars(select(User).order_by(User.email)).all()
        return render_template("admin/users.html", users=rows)

    @bp.route("/users/<int:user_id>/reset", methods=["GET", "POST"])
    def reset_password(user_id: int) -> str | tuple[str, int] | BaseResponse:
        user = db().get(User, user_id)
        if user is None:
            abort(404)
        form = ResetForm()
        if form.validate_on_submit():
            admin: User = current_user._get_current_object()
            try:
                account_service.reset_with_recovery_key(
                    db(),
                    admin,
                    user,
                    form.recovery_key.data or "",
                    form.new.data or "",
                    params=config.password_hash,
                    personal=services().keyring.personal,
                )
            except account_service.PasswordRefused as refused:
                db().rollback()
                form.new.errors = [explain(v) for v in refused.violations]
            except (MalformedInput, WrongSecret, account_service.CurrentPasswordWrong):
                db().rollback()
                form.recovery_key.errors = [
                    gettext("This recovery key does not open this account's key. Check it.")
                ]
            else:
                db().commit()
                flash(
                    gettext(
                        "The password is reset and every session of %(email)s ended. They set up "
                        "two-step sign-in again at their next sign-in.",
                        email=user.email,
                    ),
                    "info",
                )
                return redirect(url_for("admin.users"))
        status = 400 if form.errors else 200
        return render_template("admin/reset.html", user=user, form=form), status
