"""Second-factor pages: enrol (QR code as inline SVG, no JavaScript) and check at sign-in."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response as BaseResponse

from portal import audit
from portal.auth import totp, two_factor
from portal.auth.completion import finish_sign_in, landing_endpoint
from portal.auth.cookies import staff_token
from portal.auth.forms import SecondFactorForm
from portal.auth.staff_sessions import SessionToken, pending_session, rotate_session
from portal.config import Config
from portal.domain.models import StaffSession, User
from portal.web.services import db, services


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _pending(config: Config) -> tuple[StaffSession, SessionToken, User] | None:
    token = staff_token(request, config)
    record = pending_session(db(), token)
    if record is None or token is None:
        return None
    user = db().get(User, record.user_id)
    if user is None or not user.active:
        return None
    return record, token, user


def add_two_factor_routes(bp: Blueprint, config: Config) -> None:
    def _complete(record: StaffSession, token: SessionToken, user: User, how: str) -> BaseResponse:
        record.auth_level = "full"
        fresh = rotate_session(db(), record, token)
        audit.record(db(), actor_id=user.id, action="auth.login", detail={"second_factor": how})
        response = redirect(url_for(landing_endpoint(user)))
        finish_sign_in(response, user, fresh, config)
        db().commit()
        return response

    @bp.route("/two-factor", methods=["GET", "POST"], endpoint="two_factor")
    def two_factor_check() -> str | tuple[str, int] | BaseResponse:
        pending = _pending(config)
        if pending is None:
            return redirect(url_for("auth.login"))
        record, token, user = pending
        if not two_factor.is_enrolled(user):
            return redirect(url_for("auth.two_factor_setup"))
        db().commit()  # the session touch; nothing else is written before the check
        form = SecondFactorForm()
        counters, secret = services().counters, config.secret_key.encode()
        if form.validate_on_submit():
            if two_factor.throttled(counters, secret, user):
                form.form_errors.append(
                    gettext(
                        "Too many wrong codes for this account. Wait 15 minutes, then try again."
                    )
                )
            else:
                try:
                    how = two_factor.verify_second_factor(
                        db(),
                        user,
                        form.code.data or "",
                        server_key=services().keyring.server_key,
                        now=_now(),
                    )
                except two_factor.SecondFactorError:
                    db().rollback()
                    two_factor.note_failure(counters, secret, user)
                    form.form_errors.append(
                        gettext(
                            "This code is not right, or it was already used. Wait for a new "
                            "code in your app and try again, or use one of your recovery codes."
                        )
                    )
                else:
                    if how == "recovery":
                        flash(
                            gettext(
                                "You signed in with a recovery code; it cannot be used again. "
                                "%(left)s recovery codes are left.",
                                left=len(user.recovery_code_hashes or []),
                            ),
                            "info",
                        )
                    response = _complete(record, token, user, how)
                    two_factor.clear_failures(counters, secret, user)
                    return response
        status = 400 if form.errors or form.form_errors else 200
        return render_template("auth/two_factor.html", form=form), status

    @bp.route("/two-factor/setup", methods=["GET", "POST"])
    def two_factor_setup() -> str | tuple[str, int] | BaseResponse:
        pending = _pending(config)
        if pending is None:
            return redirect(url_for("auth.login"))
        record, token, user = pending
        if two_factor.is_enrolled(user):
            return redirect(url_for("auth.two_factor"))
        server_key = services().keyring.server_key
        secret = two_factor.begin_enrolment(record, user, server_key)
        form = SecondFactorForm()
        if form.validate_on_submit():
            try:
                codes = two_factor.confirm_enrolment(
                    db(), user, record, form.code.data or "", server_key, _now()
                )
            except two_factor.SecondFactorError:
                form.form_errors.append(
                    gettext(
                        "This code is not right. Check the time on your phone and enter the newest "
                        "code from your app."
                    )
                )
            else:
                audit.record(db(), actor_id=user.id, action="auth.2fa_enrolled")
                record.auth_level = "full"
                fresh = rotate_session(db(), record, token)
                audit.record(
                    db(),
                    actor_id=user.id,
                    action="auth.login",
                    detail={"second_factor": "enrolled"},
                )
                response = BaseResponse(
                    render_template(
                        "auth/recovery_codes.html",
                        codes=codes.codes,
                        next_url=url_for(landing_endpoint(user)),
                    ),
                    mimetype="text/html",
                )
                finish_sign_in(response, user, fresh, config)
                db().commit()
                return response
        db().commit()  # keep the pending secret so a reload shows the same QR code
        uri = totp.provisioning_uri(secret, user.email)
        qr = totp.provisioning_qr_svg(
            uri, gettext("QR code to add Compact Watch to your authenticator app")
        )
        status = 400 if form.errors or form.form_errors else 200
        return (
            render_template(
                "auth/two_factor_setup.html",
                form=form,
                qr_svg=qr,
                manual_secret=totp.secret_for_manual_entry(secret),
            ),
            status,
        )
