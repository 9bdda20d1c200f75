"""Staff sign-in and sign-out."""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_timedelta, gettext
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from portal import audit
from portal.auth import account_service, service, two_factor
from portal.auth.completion import finish_sign_in, landing_endpoint
from portal.auth.cookies import (
    clear_staff_cookie,
    device_value,
    rotate_csrf_token,
    set_staff_cookie,
    staff_token,
)
from portal.auth.forms import LoginForm, PasswordChangeForm
from portal.auth.password_messages import explain
from portal.auth.setup_views import add_setup_routes
from portal.auth.staff_sessions import end_session, start_session
from portal.auth.throttle import SignInThrottle
from portal.auth.two_factor_views import add_two_factor_routes
from portal.config import Config
from portal.crypto import WrongPassword
from portal.domain.models import User
from portal.keys.grants import own_pending
from portal.limits.abuse import network_of
from portal.web.services import db, services


def make_blueprint(config: Config) -> Blueprint:
    bp = Blueprint("auth", __name__, url_prefix="/auth")

    def _throttle() -> SignInThrottle:
        return SignInThrottle(
            services().counters, config.secret_key.encode(), config.login_throttle
        )

    @bp.route("/login", methods=["GET", "POST"])
    def login() -> tuple[str, int] | BaseResponse:
        if current_user.is_authenticated:
            return redirect(url_for(landing_endpoint(_current())))
        form = LoginForm()
        if form.validate_on_submit():
            session = db()
            try:
                user = service.authenticate(
                    session,
                    _throttle(),
                    email=form.email.data or "",
                    password=form.password.data or "",
                    address=network_of(request.remote_addr),
                    device=device_value(request, config),
                    params=config.password_hash,
                    limiter=services().keyring.limiter,
                )
            except service.Throttled as throttled:
                form.form_errors.append(throttled_message(throttled.retry_after_seconds))
            except service.AccountHeld:
                form.form_errors.append(held_message())
            except service.InvalidCredentials:
                form.form_errors.append(
                    gettext("The email or password is not right. Check both and try again.")
                )
            else:
                token, record = start_session(
                    session, user, _unlock_personal_key(user, form.password.data or "")
                )
                if config.demo_mode and user.is_demo:
                    # Demo accounts only, in demo mode only: the page says so.
                    record.auth_level = "full"
                    response = redirect(url_for(landing_endpoint(user)))
                    audit.record(
                        session,
                        actor_id=user.id,
                        action="auth.login",
                        detail={"second_factor": "demo-skipped"},
                    )
                    finish_sign_in(response, user, token, config)
                    session.commit()
                    return response
                target = (
                    "auth.two_factor" if two_factor.is_enrolled(user) else "auth.two_factor_setup"
                )
                # Half signed in is a privilege change too: no CSRF token from before survives.
                rotate_csrf_token()
                session.commit()
                response = redirect(url_for(target))
                set_staff_cookie(response, token, config)
                return response
            session.commit()  # an audit event when a stranger's failures held the account
        status = 200 if not form.errors and not form.form_errors else 400
        return render_template("auth/login.html", form=form), status

    @bp.route("/logout", methods=["POST"])
    def logout() -> BaseResponse:
        token = staff_token(request, config)
        if token is not None:
            end_session(db(), token)
            if current_user.is_authenticated:
                audit.record(db(), actor_id=current_user.id, action="auth.logout")
            db().commit()
        flash(gettext("You are signed out."), "info")
        rotate_csrf_token()
        response = redirect(url_for("home.landing"))
        clear_staff_cookie(response, config)
        return response

    add_two_factor_routes(bp, config)
    add_setup_routes(bp, config)

    @bp.route("/password", methods=["GET", "POST"])
    def password() -> str | tuple[str, int] | BaseResponse:
        form = PasswordChangeForm()
        if form.validate_on_submit():
            user = _current()
            attempt = service.attempt_for(
                db(),
                user.email,
                user,
                network_of(request.remote_addr),
                device_value(request, config),
            )
            try:
                account_service.change_password(
                    db(),
                    user,
                    form.current.data or "",
                    form.new.data or "",
                    throttle=_throttle(),
                    attempt=attempt,
                    params=config.password_hash,
                    personal=services().keyring.personal,
                    limiter=services().keyring.limiter,
                )
            except service.Throttled as throttled:
                db().rollback()
                form.current.errors = [throttled_message(throttled.retry_after_seconds)]
            except service.AccountHeld:
                db().rollback()
                form.current.errors = [held_message()]
            except account_service.CurrentPasswordWrong:
                db().rollback()
                form.current.errors = [gettext("Your current password is not right.")]
            except account_service.PasswordRefused as refused:
                db().rollback()
                form.new.errors = [explain(v) for v in refused.violations]
            else:
                # Every session ended, this one too: start a fresh one with the new password.
                private = _unlock_personal_key(user, form.new.data or "")
                token, record = start_session(db(), user, private)
                record.auth_level = "full"
                rotate_csrf_token()
                db().commit()
                flash(gettext("Your password is changed. Other sessions were signed out."), "info")
                response = redirect(url_for("auth.account"))
                set_staff_cookie(response, token, config)
                return response
        status = 400 if form.errors else 200
        return render_template("auth/password.html", form=form), status

    @bp.route("/logout-everywhere", methods=["POST"])
    def logout_everywhere() -> BaseResponse:
        account_service.sign_out_everywhere(db(), _current())
        db().commit()
        flash(gettext("You are signed out on every device."), "info")
        response = redirect(url_for("auth.login"))
        clear_staff_cookie(response, config)
        return response

    @bp.route("/account")
    def account() -> str:
        user = _current()
        return render_template(
            "auth/account.html",
            user=user,
            work=landing_endpoint(user),
            pending=own_pending(db(), user),
        )

    return bp


def throttled_message(retry_after_seconds: int) -> str:
    wait = format_timedelta(max(retry_after_seconds, 60), threshold=1.0)
    return str(
        gettext(
            "Too many failed sign-in attempts for this account. Wait %(wait)s, then try again.",
            wait=wait,
        )
    )


def held_message() -> str:
    return str(
        gettext(
            "Too many failed sign-in attempts for this account from other places. Sign in "
            "from a device you have used before, or ask an administrator to unlock the account."
        )
    )


def _unlock_personal_key(user: User, password: str) -> bytes | None:
    """The personal private key, unwrapped with the password just checked.

    Accounts without a personal key (none are created that way, but an imported one could be)
    sign in without access to sealed content.
    """
    if user.private_key_by_password is None:
        return None
    try:
        private = services().keyring.personal.unlock_with_password(
            user.private_key_by_password, password
        )
    except WrongPassword:
        # The password matched the sign-in hash but not the key wrap: the two fell out of step.
        # Sign in without keys rather than refuse, and let the desk say keys are locked.
        return None
    return private.to_bytes()


def _current() -> User:
    user: User = current_user._get_current_object()
    return user
