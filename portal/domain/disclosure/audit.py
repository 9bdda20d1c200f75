"""What an attacker can derive about withheld entries: the linear-programming audit.

The attacker knows every published entry exactly (the worst case: as if the noise were zero),
that the table adds up, and the bounds the page itself gives away. For each withheld entry we
minimise and maximise it over everything consistent with that knowledge; a narrow interval
means the page lets someone work the value out.

The constraints are the incidence matrix of a directed graph (negate the column constraints and
the one summing column totals, and every variable has one +1 and one −1), so the matrix is totally
unimodular: with integer data the LP optima are integers and the LP interval is exactly the
interval an attacker reasoning over whole numbers gets. No integer programming is needed.
"""

import math
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
from scipy.optimize import linprog

from portal.domain.disclosure.margins import Margins

_OPTIMAL = 0
_UNBOUNDED = 3


def known_bounds(value: int, smallest_shown: int) -> tuple[int, int | None]:
    """The range a withheld entry is known to lie in before any arithmetic.

    A withheld entry is never zero (zeros are always published), and we assume the attacker
    can tell small counts, shown as "fewer than 11", from other withheld entries, which are
    then at least 11. The page labels them apart, and the code is public anyway.
    """
    if value < smallest_shown:
        return 1, smallest_shown - 1
    return smallest_shown, None


def first_narrow_entry(
    margins: Margins,
    suppressed: frozenset[int],
    entries: Iterable[int],
    smallest_shown: int,
    protection_level: int,
) -> int | None:
    """The lowest of `entries` (all withheld) that the attacker can pin to a range narrower
    than `protection_level`, or None if every one of them keeps enough room."""
    hidden = sorted(suppressed)
    column_of = {entry: column for column, entry in enumerate(hidden)}
    matrix: list[npt.NDArray[np.float64]] = []
    right_hand_side: list[float] = []
    for constraint in margins.constraints:
        coefficients = np.zeros(len(hidden))
        published_sum = 0
        for entry, coefficient in constraint:
            if entry in column_of:
                coefficients[column_of[entry]] = coefficient
            else:
                published_sum += coefficient * margins.values[entry]
        if coefficients.any():
            matrix.append(coefficients)
            right_hand_side.append(-published_sum)
    a_eq = np.array(matrix) if matrix else None
    b_eq = np.array(right_hand_side) if matrix else None
    bounds = [known_bounds(margins.values[entry], smallest_shown) for entry in hidden]

    # Every solution the solver returns is a table the attacker cannot rule out, so the spread
    # of values seen so far is a lower bound on each interval's width. Most entries are shown
    # wide enough by the solutions found for others, which saves most of the solver calls.
    lowest = np.array([margins.values[entry] for entry in hidden], dtype=np.float64)
    highest = lowest.copy()
    tolerance = 1e-7

    def wide_enough(column: int) -> bool:
        return bool(highest[column] - lowest[column] >= protection_level - tolerance)

    def explore(column: int, direction: float) -> None:
        objective = np.zeros(len(hidden))
        objective[column] = direction
        result = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if result.status == _UNBOUNDED:
            if direction < 0:
                highest[column] = math.inf
            return
        if result.status != _OPTIMAL:
            # The true values are always feasible, so anything else is a solver failure; failing
            # loudly is safer than publishing on an audit that did not run.
            raise RuntimeError(f"disclosure audit LP failed: {result.message}")
        np.minimum(lowest, result.x, out=lowest)
        np.maximum(highest, result.x, out=highest)

    for entry in sorted(entries):
        column = column_of[entry]
        for direction in (-1.0, 1.0):  # maximise first: upward room is the more common
            if not wide_enough(column):
                explore(column, direction)
        if not wide_enough(column):
            return entry
    return None
