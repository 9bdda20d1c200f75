"""The verification state machine of a report (DESIGN §8).

Transitions are checked here, in the domain layer, so that no view, job, API client or bulk action
can move a report along an edge the desk never agreed to.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from portal.i18n.markers import N_


class ReportStatus(enum.StrEnum):
    RECEIVED = "received"
    TRIAGED = "triaged"
    IN_REVIEW = "in_review"
    NEEDS_INFO = "needs_info"
    VERIFIED = "verified"
    PARTIALLY_VERIFIED = "partially_verified"
    UNVERIFIED = "unverified"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    CLOSED = "closed"


S = ReportStatus
VERDICTS = frozenset({S.VERIFIED, S.PARTIALLY_VERIFIED, S.UNVERIFIED, S.REJECTED, S.DUPLICATE})
# Only these feed indicator scores; everything else is at most an early warning.
COUNTS_AS_EVIDENCE = frozenset({S.VERIFIED, S.PARTIALLY_VERIFIED})

TRANSITIONS: dict[ReportStatus, frozenset[ReportStatus]] = {
    S.RECEIVED: frozenset({S.TRIAGED, S.REJECTED, S.DUPLICATE}),
    S.TRIAGED: frozenset({S.IN_REVIEW, S.REJECTED, S.DUPLICATE}),
    S.IN_REVIEW: frozenset({S.NEEDS_INFO} | VERDICTS),
    # A reporter's answer (or the verifier giving up waiting) returns the report to review; a
    # report whose reporter never answers can still be judged on what it holds.
    S.NEEDS_INFO: frozenset({S.IN_REVIEW, S.UNVERIFIED, S.REJECTED, S.DUPLICATE}),
    # Verdicts can be reopened when new information arrives, or closed for good.
    S.VERIFIED: frozenset({S.IN_REVIEW, S.CLOSED}),
    S.PARTIALLY_VERIFIED: frozenset({S.IN_REVIEW, S.CLOSED}),
    S.UNVERIFIED: frozenset({S.IN_REVIEW, S.CLOSED}),
    S.REJECTED: frozenset({S.IN_REVIEW, S.CLOSED}),
    S.DUPLICATE: frozenset({S.IN_REVIEW, S.CLOSED}),
    S.CLOSED: frozenset(),
}

# What staff read in the desk.
STAFF_LABELS: dict[ReportStatus, str] = {
    S.RECEIVED: N_("Received"),
    S.TRIAGED: N_("Triaged"),
    S.IN_REVIEW: N_("In review"),
    S.NEEDS_INFO: N_("Waiting for the reporter"),
    S.VERIFIED: N_("Verified"),
    S.PARTIALLY_VERIFIED: N_("Partially verified"),
    S.UNVERIFIED: N_("Could not be verified"),
    S.REJECTED: N_("Rejected"),
    S.DUPLICATE: N_("Duplicate"),
    S.CLOSED: N_("Closed"),
}

# What a reporter reads on the follow-up page: plain words, nothing that sounds like a judgement
# of them personally.
REPORTER_LABELS: dict[ReportStatus, str] = {
    S.RECEIVED: N_("Your report has arrived safely. Nobody has read it yet."),
    S.TRIAGED: N_("Your report has been sorted and is waiting for a verifier."),
    S.IN_REVIEW: N_("A verifier is checking your report."),
    S.NEEDS_INFO: N_("A verifier has a question for you. Please read it below and answer."),
    S.VERIFIED: N_("Your report was checked and confirmed. Thank you."),
    S.PARTIALLY_VERIFIED: N_("Part of your report was checked and confirmed. Thank you."),
    S.UNVERIFIED: N_("We could not confirm your report with other sources. It is kept on record."),
    S.REJECTED: N_("Your report could not be used. You may send a new one at any time."),
    S.DUPLICATE: N_("Others reported the same event. Your report was added to theirs."),
    S.CLOSED: N_("The work on your report is finished."),
}


@dataclass(frozen=True)
class IllegalTransition(Exception):
    current: ReportStatus
    target: ReportStatus

    def __str__(self) -> str:
        return f"a report cannot go from {self.current} to {self.target}"


def can_transition(current: ReportStatus, target: ReportStatus) -> bool:
    return target in TRANSITIONS[current]


def check_transition(current: ReportStatus, target: ReportStatus) -> ReportStatus:
    """Return `target` if the edge exists, else raise `IllegalTransition`."""
    if not can_transition(current, target):
        raise IllegalTransition(current, target)
    return target
