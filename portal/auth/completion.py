"""The end of a full sign-in (password and second factor): where the person lands, a fresh CSRF
token, the browser remembered as a known device, and the session cookie."""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

from portal.auth import devices
from portal.auth.cookies import (
    device_value,
    rotate_csrf_token,
    set_device_cookie,
    set_staff_cookie,
)
from portal.auth.staff_sessions import SessionToken
from portal.config import Config
from portal.domain.models import Role, User
from portal.web.services import db


def landing_endpoint(user: User) -> str:
    """The person's work: their desk, the assessments, the administration, or a new report.

    A verifier whose desk access still waits for a key holder lands on their account page, which
    says so, rather than on an empty queue.
    """
    roles = user.role_set
    if Role.VERIFIER in roles and user.desk_ids:
        return "desk.queue"
    if Role.ASSESSOR in roles:
        return "assess.compacts"
    if Role.ADMIN in roles:
        return "admin.index"
    if Role.MEMBER in roles and not roles & {Role.VERIFIER}:
        return "reporter.new_report"
    return "auth.account"


def finish_sign_in(response: Response, user: User, token: SessionToken, config: Config) -> None:
    """Set what a fully signed-in browser holds; the caller commits the request's session.

    The CSRF token is rotated, so a token seen before sign-in is worthless after it; the browser
    becomes (or stays) a known device of this account, so a stranger's failed guesses never keep
    the person out of it (`portal.auth.throttle`).
    """
    rotate_csrf_token()
    value = device_value(request, config) or devices.new_device_value()
    devices.remember(db(), user, value)
    # A member is a reporter: their phone may be searched, so nothing of ours outlives the
    # browser session there (the device is known only until the browser closes).
    set_device_cookie(response, value, config, persistent=bool(user.role_set - {Role.MEMBER}))
    set_staff_cookie(response, token, config)
