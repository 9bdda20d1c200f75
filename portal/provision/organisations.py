"""Registered civil-society organisations, as admins keep them (no Flask here).

Contact details name people who could be targeted, so they are sealed with the server key and
opened only on the admin's edit page; the audit log records changes by field name, never values.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import audit
from portal.crypto import ServerKey
from portal.domain.models import Organisation, User
from portal.domain.models.base import new_public_id


@dataclass(frozen=True)
class OrganisationFields:
    name: str
    country: str
    verified: bool
    contact: str


class NameTaken(Exception):
    """Another organisation of the same country has this name."""


def _purpose(organisation: Organisation) -> str:
    return f"organisation-contact:{organisation.public_id}"


def contact_of(organisation: Organisation, server_key: ServerKey) -> str:
    if organisation.contact_sealed is None:
        return ""
    return server_key.open(organisation.contact_sealed, _purpose(organisation)).decode()


def save_organisation(
    session: Session,
    admin: User,
    fields: OrganisationFields,
    server_key: ServerKey,
    organisation: Organisation | None = None,
) -> Organisation:
    """Create an organisation, or change one; audit-logged with the names of what changed."""
    name = " ".join(fields.name.split())
    clash = session.scalar(
        select(Organisation.id).where(
            func.lower(Organisation.name) == name.lower(),
            Organisation.country == fields.country,
            Organisation.id != (organisation.id if organisation is not None else -1),
        )
    )
    if clash is not None:
        raise NameTaken()
    created = organisation is None
    if organisation is None:
        organisation = Organisation(public_id=new_public_id(), name=name, country=fields.country)
        session.add(organisation)
        session.flush()
    changed = []
    old_contact = contact_of(organisation, server_key)
    for attribute, value in (
        ("name", name),
        ("country", fields.country),
        ("verified", fields.verified),
    ):
        if getattr(organisation, attribute) != value:
            setattr(organisation, attribute, value)
            changed.append(attribute)
    contact = fields.contact.strip()
    if contact != old_contact:
        organisation.contact_sealed = (
            server_key.seal(contact.encode(), _purpose(organisation)) if contact else None
        )
        changed.append("contact")
    audit.record(
        session,
        actor_id=admin.id,
        action="organisation.created" if created else "organisation.changed",
        object_type="organisation",
        object_id=organisation.public_id,
        detail={"fields": sorted(changed)} if not created else {},
    )
    session.flush()
    return organisation


def set_active(session: Session, admin: User, organisation: Organisation, active: bool) -> None:
    """A disabled organisation is offered to no new member; its members and reports stay."""
    organisation.active = active
    audit.record(
        session,
        actor_id=admin.id,
        action="organisation.enabled" if active else "organisation.disabled",
        object_type="organisation",
        object_id=organisation.public_id,
    )


def member_counts(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(User.organisation_id, func.count(User.id))
        .where(User.organisation_id.is_not(None))
        .group_by(User.organisation_id)
    ).all()
    return {int(org_id): int(count) for org_id, count in rows if org_id is not None}
