"""The audit across releases: can every release ever published, taken together, pin a hidden figure?

Each published figure is a sum of region × quarter cells (a region over a half-year, the whole
country over a year, a legacy table's cell…). The attacker of this audit is the strongest we can
state: they know every shown figure *exactly*, as if the noise were zero, and that counts are
whole numbers, never negative. For each hidden figure we minimise and maximise its sum over
every table of whole numbers consistent with that knowledge; when fewer than `protection`
values remain (max − min < protection), the figure is **pinned**: the releases together give it
away, as release 1 "region A, first half: 25" and release 2 "A, Q2: 20" give A, Q1 = 5.

Overlapping releases make the constraint matrix lose the total unimodularity a single table has,
so the LP optimum need not be a whole number: this is solved as an integer program
(`scipy.optimize.milp`, the HiGHS branch-and-cut solver bundled with SciPy, already a dependency
of the portal; HiGHS is actively maintained and the best open-source MILP solver in public
benchmarks, and nothing new has to be installed or audited).

What is not checked:

- a hidden figure whose exact value is 0 (a zero points at nobody; indicators.md protects small
  counts 1–10), and
- a hidden figure whose cells are exactly covered by shown figures (the same sum shown in
  another release, or a year whose two halves are both shown): its value is the sum of
  published ones, which is not a secret the audit could keep. What the audit protects is what
  only *subtraction* would reveal.

The exact values come from the current data (`cells`), for every release, old and new: the
question is structural ("does this set of sums pin a cell?"), and using one consistent truth
keeps the integer program feasible even when late verifications changed the counts since an
old release. Only the cells connected to the candidate release (through shared figures) are
solved, so the audit stays small however many years of releases exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

Cell = tuple[str, str]  # (region, quarter)

_OPTIMAL = 0
_UNBOUNDED = (3, 4)  # milp: 3 unbounded, 4 "unbounded or infeasible" (HiGHS cannot tell)


@dataclass(frozen=True)
class Aggregate:
    """One figure of one release: the cells it sums, and whether its value was shown."""

    release: str
    label: str
    cells: frozenset[Cell]
    shown: bool


@dataclass(frozen=True)
class Pin:
    aggregate: Aggregate
    low: float
    high: float


def _component(aggregates: Sequence[Aggregate], seed: Iterable[Cell]) -> set[Cell]:
    """Every cell linked to `seed` through figures that share cells."""
    reached = set(seed)
    changed = True
    while changed:
        changed = False
        for aggregate in aggregates:
            if aggregate.cells & reached and not aggregate.cells <= reached:
                reached |= aggregate.cells
                changed = True
    return reached


def covered_by(target: frozenset[Cell], shown: set[frozenset[Cell]]) -> bool:
    """Whether some shown figures partition `target` exactly (an exact cover, solved as a tiny
    0-1 program over the shown figures inside it)."""
    if target in shown:
        return True
    parts = [s for s in shown if s <= target]
    if not parts or set().union(*parts) != target:
        return False
    ordered = sorted(target)
    matrix = np.array([[1.0 if c in part else 0.0 for part in parts] for c in ordered])
    result = milp(
        np.zeros(len(parts)),
        constraints=[LinearConstraint(matrix, np.ones(len(ordered)), np.ones(len(ordered)))],
        integrality=np.ones(len(parts)),
        bounds=Bounds(np.zeros(len(parts)), np.ones(len(parts))),
    )
    return bool(result.status == _OPTIMAL)


def pinned(
    aggregates: Sequence[Aggregate],
    cells: Mapping[Cell, int],
    *,
    protection: int = 3,
    around: Iterable[Cell] | None = None,
) -> list[Pin]:
    """The hidden figures an attacker can narrow to fewer than `protection` values.

    `around`: only audit the cells connected to these (a candidate release's cells); None
    audits everything.
    """
    scope = _component(aggregates, around) if around is not None else None
    relevant = [a for a in aggregates if a.cells and (scope is None or a.cells <= scope)]
    shown_sets = {a.cells for a in relevant if a.shown}
    targets = [
        a
        for a in relevant
        if not a.shown
        and sum(cells.get(c, 0) for c in a.cells) > 0
        and not covered_by(a.cells, shown_sets)
    ]
    if not targets:
        return []
    variables = sorted({c for a in relevant for c in a.cells})
    column = {c: i for i, c in enumerate(variables)}
    known = [a for a in relevant if a.shown]
    constraints = []
    if known:
        matrix = np.zeros((len(known), len(variables)))
        values = np.zeros(len(known))
        for row, aggregate in enumerate(known):
            for c in aggregate.cells:
                matrix[row, column[c]] = 1.0
            values[row] = sum(cells.get(c, 0) for c in aggregate.cells)
        constraints.append(LinearConstraint(matrix, values, values))
    integrality = np.ones(len(variables))
    bounds = Bounds(np.zeros(len(variables)), np.full(len(variables), np.inf))

    # Every solution the solver returns is a table the attacker cannot rule out, and so is the
    # truth: the spread of a target's values over the tables seen so far is a lower bound on
    # its interval. Most targets are shown wide enough by the solutions found for others, which
    # saves most of the solves; a target is only solved in a direction where it still lacks room.
    sums = np.zeros((len(targets), len(variables)))
    for row, target in enumerate(targets):
        for c in target.cells:
            sums[row, column[c]] = 1.0
    truth = np.array([float(cells.get(c, 0)) for c in variables])
    lowest = sums @ truth
    highest = lowest.copy()
    tolerance = 1e-7

    found = []
    for row, target in enumerate(targets):
        for direction in (-1.0, 1.0):  # maximise first: upward room is the more common
            if highest[row] - lowest[row] >= protection - tolerance:
                break
            result = milp(
                direction * sums[row],
                constraints=constraints,
                integrality=integrality,
                bounds=bounds,
            )
            if direction < 0 and result.status in _UNBOUNDED:
                # The true values are feasible, so "unbounded or infeasible" means unbounded.
                highest[row] = np.inf
                continue
            if result.status != _OPTIMAL:
                # The true values are always feasible: anything else is a solver failure, and
                # publishing on an audit that did not run is not an option.
                raise RuntimeError(f"release audit MILP failed: {result.message}")
            seen = sums @ np.round(result.x)
            np.minimum(lowest, seen, out=lowest)
            np.maximum(highest, seen, out=highest)
        if highest[row] - lowest[row] < protection - tolerance:
            found.append(Pin(target, float(lowest[row]), float(highest[row])))
    return found
