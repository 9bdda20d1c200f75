"""`/desk/access`: desk access waiting for a key holder, seen by the holders and by whoever waits.

Granting wraps the desk key, unlocked in the granter's own session, for the newcomer's personal
key (portal/keys/grants.py). An admin who adds someone to a desk cannot do that part unless
they hold the key themselves (the escrow copy, or as a member of the desk).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response as BaseResponse

from portal.admin.forms import ActionForm
from portal.auth.loader import current_personal_key
from portal.config import Config
from portal.keys import grants
from portal.keys.desks import DeskKeyError
from portal.web.lookups import signed_in_user
from portal.web.services import db


def add_access_routes(bp: Blueprint, config: Config) -> None:
    @bp.route("/access")
    def access() -> str:
        user = signed_in_user()
        return render_template(
            "desk/access.html",
            waiting=grants.waiting_for(db(), user),
            own=grants.own_pending(db(), user),
            holds_keys=bool(grants.held_desk_ids(db(), user)),
            form=ActionForm(),
        )

    @bp.route("/access/<int:membership_id>/grant", methods=["POST"])
    def grant_access(membership_id: int) -> BaseResponse:
        if not ActionForm().validate_on_submit():
            flash(
                gettext("Nothing was changed: reload the page and press the button again."), "error"
            )
            return redirect(url_for("desk.access"))
        try:
            granted = grants.grant(db(), signed_in_user(), current_personal_key(), membership_id)
        except grants.NotReady:
            db().rollback()
            flash(
                gettext(
                    "This person has not set their password yet, so there is no key to give "
                    "them the desk's key with. Grant the access once they have."
                ),
                "error",
            )
        except DeskKeyError:
            db().rollback()
            flash(
                gettext(
                    "This access was granted or withdrawn meanwhile, or you do not hold this "
                    "desk's key. The list below is up to date."
                ),
                "error",
            )
        else:
            db().commit()
            flash(
                gettext(
                    "%(name)s can now open the reports of %(desk)s.",
                    name=granted.display_name,
                    desk=granted.desk_name,
                ),
                "info",
            )
        return redirect(url_for("desk.access"))
