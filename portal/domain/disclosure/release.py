"""Turning an exact table into the public one: suppress, charge the budget, add noise.

Order matters:

1. Suppression is decided on the exact counts. Deciding on noisy counts would let noise lift a
   true 3 to a shown 14, and the rule that 1–10 is never shown is about people, not estimates.
   The pattern is therefore a deterministic function of the exact data and sits outside the ε
   guarantee; it is audited separately (see `suppression.py`), the two are layered defences.
2. The budget is charged before any noise is drawn, so a refused release draws nothing.
3. Every published entry gets independent discrete Laplace noise. One incident adds one to its
   cell, its region's total, its quarter's total and the grand total, so the table's L1
   sensitivity is 4 (`TABLE_SENSITIVITY`): each entry is noised at ε/4 and the whole table
   costs ε for every quarter it covers. The incidents of each quarter are the ones exposed, so
   each quarter's budget is charged the full ε. Layers that happen to be all withheld are still
   charged: simpler, and never an underestimate.
4. Noisy counts below zero are shown as 0. A noisy count that lands in 1–10 is shown as "fewer
   than 11", like a suppressed one: the public page then never prints a small number that reads
   like a handful of identifiable people, and relabelling a noisy value is post-processing, so
   it costs no ε and reveals nothing the noisy value did not.

A table already released is served again from the cache instead of drawing fresh noise: fresh
draws of the same counts could be averaged until the noise cancels. The contract: the service
looks up the last `ReleasedTable` with the same `ReleaseKey` and passes it as `cached`; it is
returned as it is, with no ledger rows, even if the exact counts have changed since (a late
verification). Publishing fresh figures is a deliberate new release, made by passing no cache,
which spends ε again and is refused once the quarter's budget is gone, leaving the old table up.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final

import numpy as np

from portal.domain.disclosure.budget import (
    DISCRETE_LAPLACE,
    BudgetEntry,
    BudgetPolicy,
    charge,
)
from portal.domain.disclosure.margins import margins_of, split_entries
from portal.domain.disclosure.noise import discrete_laplace
from portal.domain.disclosure.suppression import (
    SuppressionReason,
    SuppressionRules,
    suppression_reasons,
)
from portal.domain.disclosure.table import CountTable, ReleaseKey

TABLE_SENSITIVITY: Final = 4


class SuppressedLabel(StrEnum):
    FEWER_THAN = "fewer_than"  # shown as "fewer than {smallest_shown}"
    WITHHELD = "withheld"  # shown as "withheld to protect small counts"


@dataclass(frozen=True)
class Released:
    value: int  # noisy; 0 or at least smallest_shown


@dataclass(frozen=True)
class Suppressed:
    label: SuppressedLabel


PublicCount = Released | Suppressed


@dataclass(frozen=True)
class ReleasedTable:
    key: ReleaseKey
    release_id: str
    cells: tuple[tuple[PublicCount, ...], ...]
    row_totals: tuple[PublicCount, ...]
    column_totals: tuple[PublicCount, ...]
    grand_total: PublicCount
    epsilon: Decimal  # spent on each quarter of the table
    mechanism: str
    smallest_shown: int

    @property
    def epsilon_by_quarter(self) -> dict[str, Decimal]:
        return dict.fromkeys(self.key.quarters, self.epsilon)


@dataclass(frozen=True)
class Publication:
    table: ReleasedTable
    ledger_entries: tuple[BudgetEntry, ...]  # to record; empty when served from the cache
    reused: bool


def publish(
    table: CountTable,
    *,
    epsilon: Decimal,
    release_id: str,
    ledger: Iterable[BudgetEntry],
    rng: np.random.Generator,
    budget: BudgetPolicy | None = None,
    rules: SuppressionRules | None = None,
    cached: ReleasedTable | None = None,
) -> Publication:
    """The public version of `table`, and the ledger rows the service must record with it.

    Raises `UnprotectableTable` (publish nothing for this table) or `BudgetExhausted`
    (keep showing the previous release); neither spends ε.
    """
    if cached is not None:
        if cached.key != table.key:
            raise ValueError("the cached release is of a different table")
        return Publication(cached, (), reused=True)

    rules = rules or SuppressionRules()
    margins = margins_of(table)
    reasons = suppression_reasons(margins, rules)
    entries = charge(
        budget or BudgetPolicy(),
        ledger,
        compact_id=table.compact_id,
        quarters=table.quarters,
        epsilon=epsilon,
        release_id=release_id,
    )
    # One draw per entry, withheld ones included, so the noise an entry gets depends on the
    # seed and the table's shape, never on which entries happen to be withheld.
    noise = discrete_laplace(rng, float(epsilon), TABLE_SENSITIVITY, margins.size)

    def public(value: int, reason: SuppressionReason | None, draw: int) -> PublicCount:
        if reason is None:
            noisy = max(value + draw, 0)
            if noisy < rules.smallest_shown and noisy != 0:
                return Suppressed(SuppressedLabel.FEWER_THAN)
            return Released(noisy)
        if value < rules.smallest_shown:
            return Suppressed(SuppressedLabel.FEWER_THAN)
        return Suppressed(SuppressedLabel.WITHHELD)

    flat = [
        public(value, reason, int(n))
        for value, reason, n in zip(margins.values, reasons, noise, strict=True)
    ]
    cells, row_totals, column_totals, grand_total = split_entries(
        flat, margins.rows, margins.columns
    )
    released = ReleasedTable(
        key=table.key,
        release_id=release_id,
        cells=cells,
        row_totals=row_totals,
        column_totals=column_totals,
        grand_total=grand_total,
        epsilon=epsilon,
        mechanism=DISCRETE_LAPLACE,
        smallest_shown=rules.smallest_shown,
    )
    return Publication(released, entries, reused=False)
