"""Look-ups every staff view needs: the signed-in person and a compact named in the URL."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from portal.domain.models import Compact, User
from portal.web.services import db


def signed_in_user() -> User:
    """The person behind this request; only for views that require sign-in."""
    user: User = current_user._get_current_object()
    return user


def compact_by_slug(slug: str) -> Compact | None:
    found: Compact | None = db().scalar(select(Compact).where(Compact.slug == slug))
    return found


def compact_or_404(slug: str) -> Compact:
    """The compact a page's URL names; an unknown slug is a 404, as for any missing page."""
    found = compact_by_slug(slug)
    if found is None:
        abort(404)
    return found
