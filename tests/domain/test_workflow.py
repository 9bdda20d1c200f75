"""The verification state machine allows exactly the edges the desk agreed on (DESIGN §8)."""

from __future__ import annotations

import itertools
from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.domain.workflow import (
    COUNTS_AS_EVIDENCE,
    REPORTER_LABELS,
    STAFF_LABELS,
    TRANSITIONS,
    VERDICTS,
    IllegalTransition,
    ReportStatus,
    can_transition,
    check_transition,
)

S = ReportStatus
STATUSES = tuple(ReportStatus)
ALL_PAIRS = tuple(itertools.product(STATUSES, STATUSES))
EDGES = frozenset((a, b) for a, targets in TRANSITIONS.items() for b in targets)


def _decide(current: ReportStatus, target: ReportStatus) -> bool:
    """True when `check_transition` lets the report move, False when it refuses with the pair."""
    try:
        moved_to = check_transition(current, target)
    except IllegalTransition as refused:
        assert (refused.current, refused.target) == (current, target)
        assert str(current) in str(refused) and str(target) in str(refused)
        return False
    assert moved_to is target
    return True


@settings(max_examples=20, deadline=None)
@given(st.permutations(ALL_PAIRS))
def test_check_transition_accepts_exactly_the_edges_in_any_order(
    pairs: list[tuple[ReportStatus, ReportStatus]],
) -> None:
    # Every example walks all 100 (current, target) pairs, in an order Hypothesis chooses: the
    # answer for one pair never depends on what was asked before.
    accepted = {pair for pair in pairs if _decide(*pair)}
    assert accepted == EDGES
    assert all(can_transition(a, b) == ((a, b) in EDGES) for a, b in pairs)


@given(st.sampled_from(STATUSES), st.sampled_from(STATUSES))
def test_any_single_pair_is_decided_by_the_table(
    current: ReportStatus, target: ReportStatus
) -> None:
    assert _decide(current, target) == (target in TRANSITIONS[current])


@given(st.lists(st.sampled_from(STATUSES), max_size=40))
def test_a_report_pushed_around_at_random_only_ever_moves_along_edges(
    attempts: list[ReportStatus],
) -> None:
    status = S.RECEIVED
    path = [status]
    for target in attempts:
        if _decide(status, target):
            status = target
            path.append(status)
    assert all((a, b) in EDGES for a, b in itertools.pairwise(path))
    # Nothing becomes evidence for a score without a verifier having reviewed it.
    for before, after in itertools.pairwise(path):
        if after in COUNTS_AS_EVIDENCE:
            assert before == S.IN_REVIEW


def _reachable_from(start: ReportStatus) -> set[ReportStatus]:
    seen = {start}
    todo = deque([start])
    while todo:
        for nxt in TRANSITIONS[todo.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_the_table_names_every_status_and_no_edge_stands_still() -> None:
    assert set(TRANSITIONS) == set(STATUSES)
    assert all(a != b for a, b in EDGES), "a self-loop would audit a change that changed nothing"
    assert set(STAFF_LABELS) == set(STATUSES) == set(REPORTER_LABELS)


def test_every_status_is_reachable_from_received() -> None:
    assert _reachable_from(S.RECEIVED) == set(STATUSES)


def test_closed_is_final_and_every_report_can_be_closed() -> None:
    assert TRANSITIONS[S.CLOSED] == frozenset()
    for status in STATUSES:
        assert S.CLOSED in _reachable_from(status), status


def test_a_question_waits_for_the_reporter_and_returns_to_review() -> None:
    assert S.IN_REVIEW in TRANSITIONS[S.NEEDS_INFO]
    assert {a for a, b in EDGES if b == S.NEEDS_INFO} == {S.IN_REVIEW}
    assert TRANSITIONS[S.IN_REVIEW] >= VERDICTS | {S.NEEDS_INFO}


@pytest.mark.parametrize("verdict", sorted(VERDICTS))
def test_every_verdict_can_be_reopened_for_new_information(verdict: ReportStatus) -> None:
    assert check_transition(verdict, S.IN_REVIEW) is S.IN_REVIEW
