"""An attacker written independently of the code under test.

It sees every published entry exactly (as if the noise were zero), knows the table adds up, and
reads the page's labels: a withheld small count lies in 1..10, any other withheld entry is a
non-zero count of at least 11. It solves one LP per bound over *all* entries, with published
ones fixed through their bounds, a different formulation from the production audit.
"""

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from portal.domain.disclosure import SuppressionPattern, SuppressionReason

Entry = tuple[str | int, ...]  # ("cell", i, j), ("row", i), ("column", j), ("grand",)


@dataclass(frozen=True)
class Range:
    low: float
    high: float


def entries_of(counts: list[list[int]]) -> dict[Entry, int]:
    grid = np.array(counts, dtype=int)
    values: dict[Entry, int] = {}
    for (i, j), value in np.ndenumerate(grid):
        values[("cell", i, j)] = int(value)
    for i, total in enumerate(grid.sum(axis=1)):
        values[("row", i)] = int(total)
    for j, total in enumerate(grid.sum(axis=0)):
        values[("column", j)] = int(total)
    values[("grand",)] = int(grid.sum())
    return values


def withheld_of(pattern: SuppressionPattern) -> dict[Entry, SuppressionReason]:
    withheld: dict[Entry, SuppressionReason] = {}
    for i, row in enumerate(pattern.cells):
        for j, reason in enumerate(row):
            if reason is not None:
                withheld[("cell", i, j)] = reason
    for i, reason in enumerate(pattern.row_totals):
        if reason is not None:
            withheld[("row", i)] = reason
    for j, reason in enumerate(pattern.column_totals):
        if reason is not None:
            withheld[("column", j)] = reason
    if pattern.grand_total is not None:
        withheld[("grand",)] = pattern.grand_total
    return withheld


def attack(
    counts: list[list[int]], withheld: set[Entry], targets: set[Entry] | None = None
) -> dict[Entry, Range]:
    """The range of each target (by default every withheld entry) the attacker can derive."""
    values = entries_of(counts)
    rows, columns = len(counts), len(counts[0])
    order = list(values)
    index = {entry: n for n, entry in enumerate(order)}

    equations: list[dict[Entry, int]] = []
    for i in range(rows):
        equations.append({("cell", i, j): 1 for j in range(columns)} | {("row", i): -1})
    for j in range(columns):
        equations.append({("cell", i, j): 1 for i in range(rows)} | {("column", j): -1})
    equations.append({("row", i): 1 for i in range(rows)} | {("grand",): -1})
    equations.append({("column", j): 1 for j in range(columns)} | {("grand",): -1})
    a_eq = np.zeros((len(equations), len(order)))
    for n, equation in enumerate(equations):
        for entry, coefficient in equation.items():
            a_eq[n, index[entry]] = coefficient
    b_eq = np.zeros(len(equations))

    bounds: list[tuple[float, float | None]] = []
    for entry in order:
        value = values[entry]
        if entry not in withheld:
            bounds.append((value, value))
        elif value <= 10:
            bounds.append((1, 10))
        else:
            bounds.append((11, None))

    def extreme(entry: Entry, sign: float) -> float:
        # linprog minimises; the maximum is minus the minimum of the negated entry.
        objective = np.zeros(len(order))
        objective[index[entry]] = sign
        result = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if result.status == 3:
            return float(-sign * np.inf)
        assert result.status == 0, result.message
        return float(sign * result.fun)

    return {
        entry: Range(extreme(entry, 1.0), extreme(entry, -1.0))
        for entry in (withheld if targets is None else targets)
    }
