"""The buttons of an account's page: each POST does one audit-logged thing and says what it did."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from portal.admin import service
from portal.admin.forms import ActionForm, DeskChoiceForm
from portal.auth.throttle import SignInThrottle
from portal.config import Config
from portal.domain.models import Desk, User
from portal.web.services import db, services


def _target(user_id: int) -> User:
    found = db().get(User, user_id)
    if found is None:
        abort(404)
    return found


def _admin() -> User:
    user: User = current_user._get_current_object()
    return user


def _back(user: User) -> BaseResponse:
    return redirect(url_for("admin.user", user_id=user.id))


def _refused(error: service.AdminRefused) -> str:
    if isinstance(error, service.OwnAccount):
        return str(
            gettext(
                "You cannot do this to your own account here. Use your account page, or ask "
                "another administrator."
            )
        )
    if isinstance(error, service.LastAdmin):
        return str(
            gettext(
                "This is the only active administrator. Invite another administrator first, "
                "then disable this account."
            )
        )
    return str(gettext("This is not possible for this account in its present state."))


def add_account_actions(bp: Blueprint, config: Config) -> None:
    from portal.admin.accounts import show_link

    def _posted(user_id: int, act: Callable[[User], str]) -> BaseResponse:
        user = _target(user_id)
        if not ActionForm().validate_on_submit():
            flash(
                gettext("Nothing was changed: reload the page and press the button again."), "error"
            )
            return _back(user)
        try:
            message = act(user)
        except service.AdminRefused as error:
            db().rollback()
            flash(_refused(error), "error")
        else:
            db().commit()
            flash(message, "info")
        return _back(user)

    @bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
    def reset_password(user_id: int) -> str | tuple[str, int] | BaseResponse:
        user = _target(user_id)
        if not ActionForm().validate_on_submit():
            return _back(user)
        try:
            link = service.reset_password(
                db(), _admin(), user, params=config.password_hash, hours=config.setup_link_hours
            )
        except service.AdminRefused as error:
            db().rollback()
            flash(_refused(error), "error")
            return _back(user)
        db().commit()
        return show_link(user, link)

    @bp.route("/users/<int:user_id>/invitation", methods=["POST"])
    def renew_invitation(user_id: int) -> str | tuple[str, int] | BaseResponse:
        user = _target(user_id)
        if not ActionForm().validate_on_submit():
            return _back(user)
        try:
            link = service.new_invitation_link(db(), _admin(), user, hours=config.setup_link_hours)
        except service.AdminRefused as error:
            db().rollback()
            flash(_refused(error), "error")
            return _back(user)
        db().commit()
        return show_link(user, link)

    @bp.route("/users/<int:user_id>/disable", methods=["POST"])
    def disable(user_id: int) -> BaseResponse:
        def act(user: User) -> str:
            service.disable(db(), _admin(), user)
            return str(
                gettext(
                    "%(email)s is disabled: they cannot sign in, their sessions ended and their "
                    "API tokens stopped working.",
                    email=user.email,
                )
            )

        return _posted(user_id, act)

    @bp.route("/users/<int:user_id>/enable", methods=["POST"])
    def enable(user_id: int) -> BaseResponse:
        def act(user: User) -> str:
            service.enable(db(), _admin(), user)
            return str(gettext("%(email)s can sign in again.", email=user.email))

        return _posted(user_id, act)

    @bp.route("/users/<int:user_id>/reset-second-factor", methods=["POST"])
    def reset_second_factor(user_id: int) -> BaseResponse:
        def act(user: User) -> str:
            service.reset_second_factor(
                db(), _admin(), user, services().counters, config.secret_key.encode()
            )
            return str(
                gettext(
                    "Two-step sign-in of %(email)s is reset: at their next sign-in, after their "
                    "password, they set it up on their new phone.",
                    email=user.email,
                )
            )

        return _posted(user_id, act)

    @bp.route("/users/<int:user_id>/unlock", methods=["POST"])
    def unlock(user_id: int) -> BaseResponse:
        def act(user: User) -> str:
            throttle = SignInThrottle(
                services().counters, config.secret_key.encode(), config.login_throttle
            )
            service.unlock_sign_in(db(), _admin(), user, throttle, config.secret_key.encode())
            return str(
                gettext(
                    "Failed sign-in attempts of %(email)s are forgotten: they can sign in from "
                    "any device again.",
                    email=user.email,
                )
            )

        return _posted(user_id, act)

    @bp.route("/users/<int:user_id>/desks", methods=["POST"])
    def add_desk(user_id: int) -> BaseResponse:
        user = _target(user_id)
        form = DeskChoiceForm()
        form.desk.choices = [(d.code, d.code) for d in db().scalars(select(Desk))]
        if not form.validate_on_submit():
            flash(gettext("Choose a desk, then press the button again."), "error")
            return _back(user)
        desk = db().scalar(select(Desk).where(Desk.code == form.desk.data))
        assert desk is not None  # one of the choices
        service.add_desk(db(), _admin(), user, desk)
        db().commit()
        flash(
            gettext(
                "%(email)s is added to %(desk)s. Someone who holds that desk's key must now "
                "grant the access on the desk access page.",
                email=user.email,
                desk=desk.name,
            ),
            "info",
        )
        return _back(user)

    @bp.route("/users/<int:user_id>/desks/<code>/remove", methods=["POST"])
    def remove_desk(user_id: int, code: str) -> BaseResponse:
        def act(user: User) -> str:
            desk = db().scalar(select(Desk).where(Desk.code == code))
            if desk is None:
                abort(404)
            service.remove_desk(db(), _admin(), user, desk)
            return str(
                gettext(
                    "%(email)s no longer works at %(desk)s, and their copy of its key is deleted.",
                    email=user.email,
                    desk=desk.name,
                )
            )

        return _posted(user_id, act)
