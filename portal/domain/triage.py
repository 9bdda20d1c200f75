"""Initial queue priority of a new report (DESIGN §4, §8). Pure, no database.

Higher comes first. The self-rated severity is what a flood of fakes would inflate, so it weighs
less than what the reporter cannot choose alone: a grave-violation or hurdle indicator, and a
report from a verified organisation. Age is applied when the queue is read (oldest first among
equal priorities), so nothing waits for a rescoring job to rise.
"""

from __future__ import annotations

from collections.abc import Iterable

from portal.domain.catalogue import Severity, indicator, reporter_choice

SEVERITY_POINTS = {Severity.GRAVE: 30, Severity.SERIOUS: 20, Severity.CONCERN: 10}
HARD_HURDLE_POINTS = 40
# Grave violations and reprisals put people in danger now; they jump the queue.
URGENT_INDICATORS = frozenset({"HR-1", "OA-3"})
URGENT_POINTS = 30
VERIFIED_ORGANISATION_POINTS = 15


def severity_of(choice_keys: Iterable[str]) -> Severity:
    order = [Severity.CONCERN, Severity.SERIOUS, Severity.GRAVE]
    worst = max((order.index(reporter_choice(k).severity) for k in choice_keys), default=0)
    return order[worst]


def initial_priority(
    indicator_codes: Iterable[str], severity: Severity, *, verified_organisation: bool
) -> int:
    codes = set(indicator_codes)
    points = SEVERITY_POINTS[severity]
    if any(indicator(code).is_hard_hurdle for code in codes):
        points += HARD_HURDLE_POINTS
    if codes & URGENT_INDICATORS:
        points += URGENT_POINTS
    if verified_organisation:
        points += VERIFIED_ORGANISATION_POINTS
    return points


SEVERITY_LEVEL = {Severity.CONCERN: 1, Severity.SERIOUS: 2, Severity.GRAVE: 3}
