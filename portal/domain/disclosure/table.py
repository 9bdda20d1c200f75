"""The exact table an assessor sees, before any disclosure control is applied."""

from dataclasses import dataclass
from typing import Final

ALL_INDICATORS: Final = "ALL"


@dataclass(frozen=True)
class ReleaseKey:
    """What a public table is *of*. Two releases with the same key answer the same question,
    so the second one is served from the cached first one instead of spending ε again."""

    compact_id: str
    scope: str  # an indicator code, or ALL_INDICATORS
    regions: tuple[str, ...]
    quarters: tuple[str, ...]


@dataclass(frozen=True)
class CountTable:
    """Exact counts of verified incidents: one row per region, one column per quarter.

    The unit is the incident (a cluster of reports), never the report: the noise is calibrated
    for one incident changing one cell by one, and several reports of the same event must not
    look like several people. An all-indicators table counts each incident once.

    `contributors` is optional: the number of distinct contributors behind each cell in
    whatever unit the caller can count (reporting organisations, sources), for the k ≥ 5 rule.
    Left out, each incident is its own contributor, so k equals the count. The public pages
    pass the distinct sources of the cell's reports (`portal.public.counts`).
    """

    compact_id: str
    scope: str
    regions: tuple[str, ...]
    quarters: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    contributors: tuple[tuple[int, ...], ...] | None = None

    def __post_init__(self) -> None:
        if not self.regions or not self.quarters:
            raise ValueError("a table needs at least one region and one quarter")
        if len(set(self.regions)) != len(self.regions):
            raise ValueError("regions must be distinct")
        if len(set(self.quarters)) != len(self.quarters):
            raise ValueError("quarters must be distinct")
        _check_grid(self.counts, len(self.regions), len(self.quarters), "counts")
        if self.contributors is not None:
            _check_grid(self.contributors, len(self.regions), len(self.quarters), "contributors")
            for count_row, k_row in zip(self.counts, self.contributors, strict=True):
                for count, k in zip(count_row, k_row, strict=True):
                    # A non-empty cell has a contributor, an empty one none. One incident can
                    # have several (its reports' sources), so k may exceed the count.
                    if (count > 0) != (k > 0):
                        raise ValueError("a cell has contributors exactly when it has incidents")

    @property
    def key(self) -> ReleaseKey:
        return ReleaseKey(self.compact_id, self.scope, self.regions, self.quarters)


def _check_grid(grid: tuple[tuple[int, ...], ...], rows: int, columns: int, name: str) -> None:
    if len(grid) != rows or any(len(row) != columns for row in grid):
        raise ValueError(f"{name} must have one row per region and one column per quarter")
    for row in grid:
        for value in row:
            # bool is an int subclass; a True slipping in is a bug upstream, not a count of one.
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be non-negative integers")
