"""From an estimate and a threshold to PASS, FAIL, INDETERMINATE or NO_DATA.

PASS only when the whole interval is on the good side, FAIL only when the whole interval is on the
bad side: a gate for lethal assistance should not open on a point estimate that happens to land on
the right side while the evidence is still compatible with the wrong one.
"""

import statistics
from collections.abc import Sequence
from enum import StrEnum
from typing import Final

from portal.domain.catalogue import Direction
from portal.domain.scoring.estimators import Estimate
from portal.domain.scoring.rounding import canonical
from portal.i18n.markers import N_


class State(StrEnum):
    PASS = "PASS"  # noqa: S105 -- a state name, not a password
    FAIL = "FAIL"
    INDETERMINATE = "INDETERMINATE"
    NO_DATA = "NO_DATA"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]

    @property
    def is_uninformative(self) -> bool:
        """Neither a pass nor a fail: the evidence does not decide."""
        return self in (State.INDETERMINATE, State.NO_DATA)


STATE_LABELS: Final[dict[State, str]] = {
    State.PASS: N_("Pass"),
    State.FAIL: N_("Fail"),
    State.INDETERMINATE: N_("Not yet clear"),
    State.NO_DATA: N_("No data"),
}


def on_good_side(value: float, direction: Direction, threshold: float, inclusive: bool) -> bool:
    if direction is Direction.HIGHER_IS_BETTER:
        return value >= threshold if inclusive else value > threshold
    return value <= threshold if inclusive else value < threshold


def judge(estimate: Estimate, direction: Direction, threshold: float, inclusive: bool) -> State:
    """State of an interval against a threshold (never NO_DATA: that is decided before)."""
    lower_good = on_good_side(estimate.lower, direction, threshold, inclusive)
    upper_good = on_good_side(estimate.upper, direction, threshold, inclusive)
    if lower_good and upper_good:
        return State.PASS
    if not lower_good and not upper_good:
        return State.FAIL
    return State.INDETERMINATE


def peer_median(peers: Sequence[float], *, minimum: int, decimals: int) -> float | None:
    """Median of other compacts' point estimates in the same fragility band, or None if too few.

    The caller selects the peers (same band, this compact excluded): the domain cannot know bands.
    """
    if len(peers) < max(1, minimum):
        return None
    return canonical(statistics.median(canonical(p, decimals) for p in peers), decimals)
