"""Choices and labels for desk forms, in the verifier's language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import format_percent, gettext
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from portal.domain.catalogue import FORCE_BRANCHES, INFORMATION_CREDIBILITY, SOURCE_RELIABILITY
from portal.domain.models import ClusterState, DeskMembership, Report, Role, User, UserRole
from portal.domain.workflow import STAFF_LABELS, TRANSITIONS, ReportStatus
from portal.i18n.locale import LANGUAGES
from portal.i18n.markers import N_

CLUSTER_STATE_LABELS: dict[ClusterState, str] = {
    ClusterState.OPEN: N_("Open: still being checked"),
    ClusterState.VERIFIED: N_("Verified"),
    ClusterState.PARTIALLY_VERIFIED: N_("Partially verified"),
    ClusterState.UNVERIFIED: N_("Could not be verified"),
    ClusterState.REJECTED: N_("Rejected"),
}


def reliability_choices() -> list[tuple[str, str]]:
    return [(g.letter, f"{g.letter} · {gettext(g.label)}") for g in SOURCE_RELIABILITY]


def credibility_choices() -> list[tuple[str, str]]:
    return [(str(g.number), f"{g.number} · {gettext(g.label)}") for g in INFORMATION_CREDIBILITY]


def status_choices(targets: Iterable[ReportStatus]) -> list[tuple[str, str]]:
    return [(s.value, str(gettext(STAFF_LABELS[s]))) for s in ReportStatus if s in set(targets)]


def _granted_verifiers(wanted: Any, *columns: Any) -> Select[*tuple[Any, ...]]:
    """`columns` and the desk of every membership of an active verifier in `wanted` (desk ids,
    or a bound parameter that will hold them)."""
    return (
        select(*columns, DeskMembership.desk_id)
        .join(DeskMembership, DeskMembership.user_id == User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            DeskMembership.desk_id.in_(wanted),
            # Someone whose access still waits for a key holder cannot open what they'd get.
            DeskMembership.granted_day.is_not(None),
            UserRole.role == Role.VERIFIER,
            User.active,
        )
        .order_by(User.display_name, User.id)
    )


def desk_verifiers(session: Session, desk_ids: Iterable[int]) -> list[User]:
    """Active verifiers whose access to every one of these desks was granted."""
    wanted = set(desk_ids)
    if not wanted:
        return []
    desks_of: dict[int, set[int]] = {}
    people: dict[int, User] = {}
    for user, desk_id in session.execute(_granted_verifiers(wanted, User)).all():
        desks_of.setdefault(user.id, set()).add(desk_id)
        people[user.id] = user
    return [people[i] for i in people if desks_of[i] >= wanted]


# Built once: every report page asks it.
_DESK_VERIFIERS = _granted_verifiers(
    bindparam("desks", expanding=True), User.id, User.display_name
)


def assignee_choices(session: Session, desk_id: int) -> list[tuple[str, str]]:
    """The desk's verifiers as choices: two columns, not User objects (each would load its roles
    and desks as well, on every report page)."""
    verifiers = session.execute(_DESK_VERIFIERS, {"desks": [desk_id]})
    return [("", str(gettext("Nobody")))] + [(str(i), name) for i, name, _desk in verifiers]


# Reports still being worked on: the queue shows these unless asked for finished ones.
OPEN_STATES: tuple[ReportStatus, ...] = (
    ReportStatus.RECEIVED,
    ReportStatus.TRIAGED,
    ReportStatus.IN_REVIEW,
    ReportStatus.NEEDS_INFO,
)


def bulk_moves(reports: Iterable[Report]) -> list[ReportStatus]:
    """The moves legal for every report that can be chosen on the page, so for every choice.

    An empty page offers none. The server refuses an illegal batch anyway (all or nothing);
    this keeps the menu from offering what would be refused.
    """
    legal: set[ReportStatus] | None = None
    for report in reports:
        targets = set(TRANSITIONS[report.status])
        legal = targets if legal is None else legal & targets
    return [s for s in ReportStatus if legal and s in legal]


def bulk_assignees(session: Session, reports: Iterable[Report], me: User) -> list[User]:
    """Colleagues (not me: "Assign to me" is its own choice) on every shown report's desk."""
    desks = {r.desk_id for r in reports}
    return [u for u in desk_verifiers(session, desks) if u.id != me.id]


# Bands of an incident's combined weight (noisy-OR of its graded reports), read as a grade. One
# B2 report (0.64) is "strong"; two C3 reports (0.51) are "moderate"; docs/desk.md.
WEIGHT_BANDS: tuple[tuple[float, str], ...] = (
    (0.9, N_("Very strong")),
    (0.6, N_("Strong")),
    (0.3, N_("Moderate")),
    (0.0, N_("Weak")),
)


def weight_grade(weight: float | None) -> str:
    """ "Strong · 64%": the combined weight as a word and a percentage, never "0.640000"."""
    if not weight:
        return str(gettext("No graded evidence yet"))
    word = next(label for floor, label in WEIGHT_BANDS if weight >= floor)
    return f"{gettext(word)} · {format_percent(weight, format='#,##0%')}"


def cluster_state_label(state: ClusterState) -> str:
    return str(gettext(CLUSTER_STATE_LABELS[state]))


def short_ref(public_id: str) -> str:
    """The first characters of a public id: enough to tell a desk's reports apart at a glance
    and to say aloud, while the full id stays in the link."""
    return public_id[:8]


def force_label(key: str | None) -> str:
    """A force branch as people read it ("Army or soldiers"), never the stored key."""
    for branch in FORCE_BRANCHES:
        if branch.key == key:
            return str(gettext(branch.label))
    return key or "—"


def language_label(code: str | None) -> str:
    """A report's language by its own name ("العربية"), never the code."""
    for language in LANGUAGES:
        if language.code == code:
            return language.native_name
    return code or "—"
