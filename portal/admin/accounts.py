"""`/admin/users`: inviting staff and members, and each account's page.

Nothing here lets an admin choose or learn a password: an invitation and a password reset each
issue a one-time setup link the admin passes on (`portal.auth.setup_links`). Desk access an
admin adds waits for a key holder (`/desk/access`).
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from portal.admin.account_actions import add_account_actions
from portal.admin.forms import ActionForm, DeskChoiceForm, InviteForm
from portal.admin.service import account_state
from portal.auth import devices, two_factor
from portal.auth.setup_links import IssuedLink, live_link
from portal.auth.throttle import SignInThrottle
from portal.config import Config
from portal.domain.models import Desk, KnownDevice, Organisation, Role, User
from portal.i18n.templating import role_label
from portal.provision.accounts import EmailTaken, Invitation, invite_account
from portal.web.services import db, services


def admin_user() -> User:
    user: User = current_user._get_current_object()
    return user


def show_link(user: User, link: IssuedLink) -> tuple[str, int]:
    """The one page that shows a setup link, once (no-store, like every page)."""
    url = url_for("auth.setup", token=link.token, _external=True)
    return render_template("admin/setup_link.html", user=user, link=link, url=url), 200


def _fill_invite_choices(form: InviteForm) -> None:
    form.roles.choices = [(r.value, role_label(r)) for r in Role]
    form.desks.choices = [(d.code, d.name) for d in db().scalars(select(Desk).order_by(Desk.code))]
    form.organisation.choices = [("", gettext("None"))] + [
        (o.public_id, o.name)
        for o in db().scalars(
            select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name)
        )
    ]


def add_account_routes(bp: Blueprint, config: Config) -> None:
    add_account_actions(bp, config)

    @bp.route("/users")
    def users() -> str:
        rows = db().scalars(select(User).order_by(User.email)).all()
        return render_template(
            "admin/users.html", users=rows, state_of=account_state, form=ActionForm()
        )

    @bp.route("/users/invite", methods=["GET", "POST"])
    def invite() -> str | tuple[str, int] | BaseResponse:
        form = InviteForm()
        _fill_invite_choices(form)
        if form.validate_on_submit():
            roles = frozenset(Role(r) for r in form.roles.data or [])
            organisation = None
            if form.organisation.data:
                organisation = db().scalar(
                    select(Organisation).where(Organisation.public_id == form.organisation.data)
                )
            email = (form.email.data or "").strip()
            if "@" not in email.strip("@"):
                form.email.errors = [gettext("Enter an email address, like name@example.org.")]
            if Role.MEMBER in roles and organisation is None:
                form.organisation.errors = [
                    gettext("A member belongs to an organisation: choose it.")
                ]
            if form.desks.data and not roles & {Role.VERIFIER, Role.ADMIN}:
                form.desks.errors = [
                    gettext(
                        "Only verifiers and administrators work at desks. Add the role, or "
                        "leave the desks empty."
                    )
                ]
            if not (form.email.errors or form.organisation.errors or form.desks.errors):
                try:
                    user, link = invite_account(
                        db(),
                        Invitation(
                            email=email,
                            display_name=form.display_name.data or "",
                            roles=roles,
                            desk_codes=frozenset(form.desks.data or []),
                            organisation=organisation,
                        ),
                        admin=admin_user(),
                        params=config.password_hash,
                        link_hours=config.setup_link_hours,
                    )
                except EmailTaken:
                    db().rollback()
                    form.email.errors = [
                        gettext("An account with this email address exists already.")
                    ]
                else:
                    db().commit()
                    return show_link(user, link)
        status = 400 if form.errors else 200
        return render_template("admin/invite.html", form=form), status

    @bp.route("/users/<int:user_id>")
    def user(user_id: int) -> str:
        found = db().get(User, user_id)
        if found is None:
            abort(404)
        held = SignInThrottle(
            services().counters, config.secret_key.encode(), config.login_throttle
        ).account_state(found.email, found.sign_in_epoch)
        desks = {d.id: d for d in db().scalars(select(Desk).order_by(Desk.code))}
        member_of = {m.desk_id for m in found.desks}
        add_desk = DeskChoiceForm()
        add_desk.desk.choices = [(d.code, d.name) for d in desks.values() if d.id not in member_of]
        return render_template(
            "admin/user.html",
            user=found,
            state=account_state(found),
            link=live_link(db(), found),
            memberships=[(m, desks[m.desk_id]) for m in found.desks if m.desk_id in desks],
            enrolled=two_factor.is_enrolled(found),
            known_devices=len(
                db().scalars(select(KnownDevice.id).where(KnownDevice.user_id == found.id)).all()
            ),
            held=held,
            is_self=found.id == admin_user().id,
            form=ActionForm(),
            add_desk=add_desk,
            device_days=devices.DEVICE_DAYS,
        )
