"""Issue 10, point 9: no hidden figure can be recovered from all releases taken together.

`pinned` is the integer-programming audit; `protect` is what every release goes through before
it is written. Both are checked against an independent criterion: a hidden sum whose cells are
a linear combination of shown sums is determined exactly, whatever the bounds (rank test).
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.domain.disclosure import ReleaseKey
from portal.domain.disclosure.linkage import Aggregate, Cell, pinned
from portal.domain.disclosure.noisy import Allocation, Figure, Hidden, NoisyFigures, level_for
from portal.public.service import protect, release_aggregates

Q = ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4")


def _aggregate(release: str, label: str, cells: list[Cell], shown: bool) -> Aggregate:
    return Aggregate(release, label, frozenset(cells), shown)


def test_the_issue_example_half_year_25_then_q2_20_pins_q1() -> None:
    # Release 1 shows region A's half-year total 25; release 2 shows A-Q2 = 20, so A-Q1 = 5.
    cells = {("A", "2026-Q1"): 5, ("A", "2026-Q2"): 20}
    releases = [
        _aggregate("1", "A H1", [("A", "2026-Q1"), ("A", "2026-Q2")], True),
        _aggregate("2", "A Q2", [("A", "2026-Q2")], True),
        _aggregate("2", "A Q1", [("A", "2026-Q1")], False),
    ]
    [pin] = pinned(releases, cells)
    assert pin.aggregate.label == "A Q1" and (pin.low, pin.high) == (5, 5)
    # Without the second release, A-Q1 keeps all of 0..25.
    assert pinned(releases[:1] + releases[2:], cells) == []


def _figures(regions: int, shown: list[bool], total: bool, values: list[int]) -> NoisyFigures:
    level = level_for(0.3, regions + 1, 11, 1e-6)
    return NoisyFigures(
        total=Figure(sum(values) if total else None, 8, None if total else Hidden.TOO_FEW),
        regions=tuple(
            Figure(v if s else None, 8, None if s else Hidden.TOO_FEW)
            for v, s in zip(values, shown, strict=True)
        ),
        total_level=level,
        region_level=level,
    )


def test_the_release_that_would_pin_a_hidden_half_year_is_prevented() -> None:
    # 2026-H1 showed A (hidden B) with the total hidden; 2026-H2 the same. The year then shows
    # A's year figure, B's year figure and the total: A H1 is shown, A year is shown, so
    # A H2 = A year − A H1 would be worked out if A H2 were hidden. Here A H2 is hidden.
    cells = {("A", q): n for q, n in zip(Q, (30, 30, 4, 3), strict=True)}
    cells |= {("B", q): n for q, n in zip(Q, (40, 40, 40, 40), strict=True)}
    h1 = ReleaseKey("c", "ALL", ("A", "B"), Q[:2])
    h2 = ReleaseKey("c", "ALL", ("A", "B"), Q[2:])
    year = ReleaseKey("c", "ALL", ("A", "B"), Q)
    past = [
        *release_aggregates("h1", h1, None, _figures(2, [True, True], True, [60, 80])),
        *release_aggregates("h2", h2, None, _figures(2, [False, True], False, [7, 80])),
    ]
    candidate = _figures(2, [True, True], True, [67, 160])
    guarded = protect(past, year, candidate, cells, protection=3)
    assert guarded is not None
    assert guarded.regions[0].hidden is Hidden.WITHHELD  # A's year figure is held back
    final = [*past, *release_aggregates("year", year, None, guarded)]
    assert pinned(final, cells) == []


def _rank_pinned(aggregates: list[Aggregate], cells: dict[Cell, int]) -> list[Aggregate]:
    """Hidden sums with a non-zero value, not shown anywhere, determined by the shown ones."""
    columns = sorted({c for a in aggregates for c in a.cells})
    index = {c: i for i, c in enumerate(columns)}

    def vector(a: Aggregate) -> np.ndarray:
        v = np.zeros(len(columns))
        for c in a.cells:
            v[index[c]] = 1
        return v

    shown = [vector(a) for a in aggregates if a.shown]
    shown_sets = [a.cells for a in aggregates if a.shown]
    base = np.linalg.matrix_rank(np.array(shown)) if shown else 0
    found = []
    for a in aggregates:
        if a.shown or sum(cells.get(c, 0) for c in a.cells) == 0 or _cover(a.cells, shown_sets):
            continue
        if shown and np.linalg.matrix_rank(np.array([*shown, vector(a)])) == base:
            found.append(a)
    return found


def _cover(target: frozenset[Cell], shown: list[frozenset[Cell]]) -> bool:
    """Brute force: do some shown sums partition the target (then it is public already)?"""
    parts = sorted({s for s in shown if s <= target}, key=sorted)
    for size in range(1, len(parts) + 1):
        for chosen in itertools.combinations(parts, size):
            if sum(len(c) for c in chosen) == len(target) and frozenset().union(*chosen) == target:
                return True
    return False


HIERARCHY = {"H1": Q[:2], "H2": Q[2:], "Y": Q}


@settings(max_examples=60, deadline=None)
@given(
    regions=st.integers(2, 4),
    counts=st.lists(st.one_of(st.integers(0, 3), st.integers(0, 60)), min_size=16, max_size=16),
    order=st.lists(st.sampled_from(sorted(HIERARCHY)), min_size=2, max_size=6),
    shows=st.lists(st.booleans(), min_size=30, max_size=30),
)
def test_no_hidden_figure_is_pinned_over_a_sequence_of_overlapping_releases(
    regions: int, counts: list[int], order: list[str], shows: list[bool]
) -> None:
    # Overlapping releases of the hierarchy in any order, repeated (extra releases), with any
    # pattern of figures the noise lets through.
    names = tuple("ABCD"[:regions])
    cells = {(r, q): counts[i * 4 + j] for i, r in enumerate(names) for j, q in enumerate(Q)}
    flips = iter(shows * 4)
    past: list[Aggregate] = []
    for n, period in enumerate(order):
        key = ReleaseKey("c", "ALL", names, HIERARCHY[period])
        values = [sum(cells[r, q] for q in key.quarters) for r in names]
        candidate = _figures(regions, [next(flips) for _ in names], next(flips), values)
        guarded = protect(past, key, candidate, cells, protection=3)
        if guarded is not None:
            past += release_aggregates(f"r{n}", key, None, guarded)
        assert pinned(past, cells) == []
        assert _rank_pinned(past, cells) == []


def test_allocation_is_the_default_release() -> None:
    total, regions = Allocation().levels(Decimal("0.5"), 19)
    assert (total.epsilon, regions.epsilon) == (0.2, 0.3)
