"""`/auth/setup/<token>`: the one-time page where a person sets their own password.

The token is a 256-bit secret in the path, never logged (the request log keeps the route, not
the path), sent to no other site (Referrer-Policy: no-referrer) and dead after one use.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.auth.account_service import PasswordRefused
from portal.auth.password_messages import explain
from portal.auth.setup_links import SetupLinkInvalid, complete_setup, find_link
from portal.config import Config
from portal.crypto import MalformedInput, RecoveryKey, WrongRecoveryKey
from portal.domain.models import SetupPurpose, User
from portal.web.services import db, services


class SetupForm(FlaskForm):  # type: ignore[misc]
    recovery_key = StringField(
        _l("Your recovery key, if you still have it"),
        validators=[Length(max=200)],
        render_kw={"autocomplete": "off", "spellcheck": "false", "dir": "ltr"},
    )
    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Choose a new password.")), Length(max=1024)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[EqualTo("new", message=_l("The two new passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )


def add_setup_routes(bp: Blueprint, config: Config) -> None:
    @bp.route("/setup/<token>", methods=["GET", "POST"])
    def setup(token: str) -> str | tuple[str, int] | BaseResponse:
        try:
            link = find_link(db(), token)
        except SetupLinkInvalid:
            db().commit()  # expired links were purged on the way
            return render_template("auth/setup_invalid.html"), 404
        user = db().get(User, link.user_id)
        assert user is not None
        # The recovery key keeps an existing personal key; a new account has none to keep.
        invitation = link.purpose == SetupPurpose.INVITATION
        can_keep = not invitation and user.private_key_by_recovery is not None
        form = SetupForm()
        if form.validate_on_submit():
            recovery = None
            typed = (form.recovery_key.data or "").strip() if can_keep else ""
            try:
                if typed:
                    recovery = RecoveryKey.parse(typed)
                done = complete_setup(
                    db(),
                    token,
                    form.new.data or "",
                    recovery_key=recovery,
                    params=config.password_hash,
                    personal=services().keyring.personal,
                    limiter=services().keyring.limiter,
                )
            except MalformedInput:
                db().rollback()
                form.recovery_key.errors = [
                    gettext(
                        "This is not a recovery key: check each character (32 letters and "
                        "digits in groups of four), or leave the box empty."
                    )
                ]
            except WrongRecoveryKey:
                db().rollback()
                form.recovery_key.errors = [
                    gettext(
                        "This recovery key does not open your account's key. Check it, or "
                        "leave the box empty to start with a new key."
                    )
                ]
            except PasswordRefused as refused:
                db().rollback()
                form.new.errors = [explain(v) for v in refused.violations]
            except SetupLinkInvalid:
                db().rollback()
                return render_template("auth/setup_invalid.html"), 404
            else:
                db().commit()
                return render_template(
                    "auth/setup_done.html",
                    user=done.user,
                    recovery_key=done.recovery_key.display(),
                    kept=done.kept_personal_key,
                    new_account=invitation,
                    pending=[m for m in done.user.desks if m.granted_day is None],
                )
        status = 400 if form.errors else 200
        return (
            render_template(
                "auth/setup.html",
                form=form,
                user=user,
                token=token,
                invitation=invitation,
                can_keep=can_keep,
                expires_at=link.expires_at,
            ),
            status,
        )
