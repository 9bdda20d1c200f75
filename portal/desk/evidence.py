"""The evidence that two reports tell of one event, weighed for a report against all its
candidates at once (docs/desk.md, "How a pair is weighed").

A report and its candidates are held as columns (numpy arrays): each compared field's values
become small integers, so that one report's evidence against a thousand candidates is a few dozen
array operations instead of a thousand Python comparisons. Each candidate's sum is still taken
field by field in the same order as the rule reads, so the scores are those of the pairwise
definition to the last bit (tests/desk/test_duplicate_ranking.py compares them).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from typing import Any, Final, NamedTuple

import numpy as np
import numpy.typing as npt

# Duplicate suggestions weigh a pair the way record linkage does (Fellegi & Sunter, 1969): a
# field two reports agree on adds log2(m / u) bits, a field they disagree on adds
# log2((1 - m) / (1 - u)), a field either left empty nothing. m is how often two accounts of one
# event agree on the field; u how often an account of another event happens to, counted value by
# value among the candidates themselves, so a shared rare indicator, force or place says more
# than a notorious checkpoint that half the candidates name. The m are round figures for how
# people recall an event, not fitted to a test set (docs/desk.md gives recall over many sets).
SAME_EVENT_AGREES: Final = {
    "region": 0.95,  # people know where it happened; a village on a border sits in the next one
    "month": 0.85,  # a date remembered a few days off crosses into the month before or after
    "force": 0.8,  # police, army and militia share checkpoints, vehicles and uniforms
    "indicator": 0.95,  # all describe what happened, some add a second thing or call it otherwise
    "unit": 0.7,  # a unit or place in other words: "ERD", "Emergency Response Division"
    "place": 0.7,
    "day": 0.8,  # an exact date given by both, sometimes a day off
}
# Someone who does not know who they were tells nothing about the force.
UNKNOWN_FORCE = "unknown"
# Accounts of one event reach the desk over days to weeks after it: the gap between two arrivals
# is taken as exponential with this mean, and compared in these bands of days.
ARRIVAL_GAP_MEAN_DAYS = 10.0
ARRIVAL_GAP_BANDS = (0, 2, 5, 10, 20, 40)
# Accounts of one event back each other: a candidate that one of the report's few most alike
# candidates finds alike too gains half of that second-hand evidence (the weaker of the two
# links), up to the evidence for the candidate vouching for it. Only candidates the evidence
# already favours 8 to 1 (3 bits) vouch for others.
VOUCHERS = 3
VOUCHER_BITS = 3.0
SECOND_HAND_SHARE = 0.5

# The compared fields, in the order each candidate's evidence is summed.
FIELDS: Final = ("region", "month", "force", "unit", "place", "day")
# A unit or place written in another language or script never hashes alike: no evidence then.
_NAMES: Final = frozenset({"unit", "place"})


class Told(NamedTuple):
    """What a report tells the comparison: clear coarse fields and keyed hashes, never plaintext.
    A row of the suggestion query has these columns in this order."""

    id: int
    region: str | None
    month: dt.date
    force: str | None
    unit: str | None
    place: str | None
    day: str | None
    language: str
    organisation: int | None
    created: dt.date
    codes: str  # its indicator codes joined by commas, or its primary indicator when it has none


def _arrived_within(days: int) -> float:
    """P(two accounts of one event arrive at most `days` whole days apart)."""
    return 1 - math.exp(-(days + 1) / ARRIVAL_GAP_MEAN_DAYS) if days >= 0 else 0.0


_BAND_EDGES = (-1, *ARRIVAL_GAP_BANDS)
# m for each gap band; the last band is everything beyond the last edge.
_SAME_EVENT_GAP = (
    *(_arrived_within(hi) - _arrived_within(lo) for lo, hi in itertools.pairwise(_BAND_EDGES)),
    1 - _arrived_within(ARRIVAL_GAP_BANDS[-1]),
)
_BANDS = np.array(ARRIVAL_GAP_BANDS)


def _evidence(field: str, agree: bool, chance: float) -> float:
    m = SAME_EVENT_AGREES[field]
    return math.log2(m / chance) if agree else math.log2((1 - m) / (1 - chance))


Column = npt.NDArray[Any]


class InPlay:
    """A report (the first row) and its candidates, as columns. The u side of the evidence is
    counted among them: only the values of the report and of its vouchers are ever counted, so
    the columns are compared as they are (object arrays) rather than numbered first."""

    def __init__(self, told: Sequence[Sequence[Any]]) -> None:
        """`told`: rows with `Told`'s columns first, in its order (more columns are ignored)."""
        columns = list(zip(*told, strict=False))  # the first row, a `Told`, sets the width
        self.size = len(told)
        self.ids = np.array(columns[0], dtype=np.int64)
        self.fields: list[tuple[str, Column, npt.NDArray[np.bool_]]] = []
        for n, name in enumerate(FIELDS, 1):
            column = np.array(columns[n], dtype=object)
            if name == "force":
                column[column == UNKNOWN_FORCE] = None
            given = column != None  # noqa: E711  element by element, on an object array
            self.fields.append((name, column, given))
        self.language = np.array(columns[7], dtype=object)
        self.organisation = np.array(columns[8], dtype=object)
        self.arrived = np.fromiter(map(dt.date.toordinal, columns[9]), np.int64, self.size)
        # Which codes each report holds: a report's codes are one of a few hundred combinations.
        combinations = dict.fromkeys(columns[10])
        codes: dict[str, int] = {}
        held = [[codes.setdefault(c, len(codes)) for c in cs.split(",")] for cs in combinations]
        table = np.zeros((len(combinations), len(codes)), dtype=bool)
        for n, numbers in enumerate(held):
            table[n, numbers] = True
        for n, joined in enumerate(combinations):
            combinations[joined] = n
        self.indicators = table[np.fromiter(map(combinations.__getitem__, columns[10]), np.intp)]
        self.indicator_counts = self.indicators.sum(axis=0)

    def evidence(self, x: int) -> npt.NDArray[np.float64]:
        """Evidence, in bits, that each report in play tells of the same event as report `x`
        (x's own entry means nothing)."""
        size = self.size - 1  # x's candidates: the others in play
        total = np.zeros(self.size)
        for name, column, given in self.fields:
            mine = column[x]
            if mine is None:
                continue
            agree = column == mine
            # u, add-one smoothed: how many of x's candidates carry x's value, plus one.
            chance = (int(agree.sum()) - 1 + 1) / (size + 2)
            differ = given & ~agree
            if name in _NAMES:
                differ &= self.language == self.language[x]
            total += np.where(
                agree,
                _evidence(name, True, chance),
                np.where(differ, _evidence(name, False, chance), 0.0),
            )
        total += self._indicator_evidence(x, size)
        total += self._arrival_evidence(x, size)
        return total

    def _indicator_evidence(self, x: int, size: int) -> npt.NDArray[np.float64]:
        """Sharing any code: the rarest shared code's agreement; sharing none: the disagreement,
        weighed by how many of the candidates share a code with x."""
        mine = np.flatnonzero(self.indicators[x])
        shared = self.indicators[:, mine]
        shares = shared.any(axis=1)
        sharing = int(shares.sum()) - 1
        none_shared = _evidence("indicator", False, (sharing + 1) / (size + 2))
        agreement = np.array(
            [
                _evidence("indicator", True, (int(self.indicator_counts[c]) - 1 + 1) / (size + 2))
                for c in mine
            ]
        )
        # The rarest shared code has the least chance, so the most evidence.
        rarest = np.where(shared, agreement, -np.inf).max(axis=1)
        return np.where(shares, rarest, none_shared)

    def _arrival_evidence(self, x: int, size: int) -> npt.NDArray[np.float64]:
        band = np.searchsorted(_BANDS, np.abs(self.arrived - self.arrived[x]), side="left")
        per_band = np.bincount(band, minlength=len(_SAME_EVENT_GAP)).tolist()
        per_band[0] -= 1  # x itself
        weights = np.array(
            [
                math.log2(m / ((gap + 1) / (size + len(_SAME_EVENT_GAP))))
                for gap, m in zip(per_band, _SAME_EVENT_GAP, strict=True)
            ]
        )
        # An organisation filing a batch gives all its reports one day: no evidence then.
        mine = self.organisation[x]
        counted = self.organisation != mine if mine is not None else np.ones(self.size, bool)
        return np.where(counted, weights[band], 0.0)


def rank(in_play: InPlay, *, keep: int | None = None) -> list[tuple[float, int]]:
    """(evidence, id) of the candidates (every report in play but the first), direct and
    second-hand, most alike first; the first `keep` only with `keep`."""
    direct = in_play.evidence(0)[1:]
    ids = in_play.ids[1:]
    by_direct = np.lexsort((-ids, -direct))
    total = direct.copy()
    for voucher in by_direct[:VOUCHERS]:
        vouched = direct[voucher]
        if vouched < VOUCHER_BITS:
            break
        # The voucher's candidates are taken as the report's (the same desk, a month apart).
        link = np.minimum(vouched, in_play.evidence(int(voucher) + 1)[1:])
        # One is never surer of a report through another than of that other.
        lifted = np.minimum(direct + SECOND_HAND_SHARE * link, vouched)
        lifted[voucher] = -np.inf
        total = np.maximum(total, lifted)
    order = np.lexsort((-ids, -direct, -total))[:keep]
    return list(zip(total[order].tolist(), ids[order].tolist(), strict=True))
