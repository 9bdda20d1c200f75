"""A table and its published totals as one vector of entries tied by additivity.

An attacker sees cells, row totals, column totals and the grand total together, and every one
of them can be withheld, so the suppression search and its audit treat all of them alike:
entries are numbered cells first (row-major), then row totals, column totals, the grand total.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from portal.domain.disclosure.table import CountTable

T = TypeVar("T")


@dataclass(frozen=True)
class Margins:
    rows: int
    columns: int
    values: tuple[int, ...]
    contributors: tuple[int, ...]
    # Each constraint lists (entry, coefficient) pairs whose weighted sum is zero.
    constraints: tuple[tuple[tuple[int, int], ...], ...]
    # The constraints each entry takes part in (a cell: its row and column; a total: its line
    # and the line of totals that sums to the grand total).
    memberships: tuple[tuple[int, ...], ...]

    @property
    def size(self) -> int:
        return len(self.values)

    def is_total(self, entry: int) -> bool:
        return entry >= self.rows * self.columns

    def members(self, constraint: int) -> tuple[int, ...]:
        return tuple(entry for entry, _ in self.constraints[constraint])


def margins_of(table: CountTable) -> Margins:
    rows, columns = len(table.regions), len(table.quarters)
    cells = [count for row in table.counts for count in row]
    row_totals = [sum(row) for row in table.counts]
    column_totals = [sum(column) for column in zip(*table.counts, strict=True)]
    values = (*cells, *row_totals, *column_totals, sum(cells))

    if table.contributors is None:
        # Contributors are the incidents themselves, and an incident lies in exactly one cell,
        # so a total's contributors are its count.
        contributors = values
    else:
        k_rows = table.contributors
        # Distinct contributors (organisations, sources) may recur across cells, so a sum
        # would overstate them; the largest part is the bound that is always true.
        contributors = (
            *(k for row in k_rows for k in row),
            *(max(row) for row in k_rows),
            *(max(column) for column in zip(*k_rows, strict=True)),
            max(k for row in k_rows for k in row),
        )

    def cell(i: int, j: int) -> int:
        return i * columns + j

    first_row_total = rows * columns
    first_column_total = first_row_total + rows
    grand_total = first_column_total + columns
    constraints: list[tuple[tuple[int, int], ...]] = []
    for i in range(rows):
        constraints.append((*((cell(i, j), 1) for j in range(columns)), (first_row_total + i, -1)))
    for j in range(columns):
        constraints.append((*((cell(i, j), 1) for i in range(rows)), (first_column_total + j, -1)))
    constraints.append((*((first_row_total + i, 1) for i in range(rows)), (grand_total, -1)))
    constraints.append((*((first_column_total + j, 1) for j in range(columns)), (grand_total, -1)))

    memberships: list[list[int]] = [[] for _ in values]
    for index, constraint in enumerate(constraints):
        for entry, _ in constraint:
            memberships[entry].append(index)

    return Margins(
        rows=rows,
        columns=columns,
        values=tuple(values),
        contributors=tuple(contributors),
        constraints=tuple(constraints),
        memberships=tuple(tuple(m) for m in memberships),
    )


def split_entries(
    flat: Sequence[T], rows: int, columns: int
) -> tuple[tuple[tuple[T, ...], ...], tuple[T, ...], tuple[T, ...], T]:
    """Cut a per-entry sequence back into cells, row totals, column totals and grand total."""
    cells = tuple(tuple(flat[i * columns : (i + 1) * columns]) for i in range(rows))
    start = rows * columns
    row_totals = tuple(flat[start : start + rows])
    column_totals = tuple(flat[start + rows : start + rows + columns])
    return cells, row_totals, column_totals, flat[start + rows + columns]
