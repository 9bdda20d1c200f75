"""The ε budget ledger: how much privacy each compact × quarter has spent on public releases.

Pure logic; persistence is the service's. The contract for whoever stores it:

- Store `BudgetEntry` rows as they come (append-only; a correction is never an edit, since the
  privacy already spent cannot be unspent). Keep ε as an exact decimal (NUMERIC), so ten spends
  of 0.1 fill a cap of 1.0 exactly.
- Read the compact's rows, call `charge`, and insert what it returns in the same transaction
  as the released table, holding a lock on the compact (e.g. SELECT … FOR UPDATE on its row):
  two releases charged against the same stale ledger could together overspend the cap.
- (release_id, quarter) is unique; `charge` refuses a release id already in the ledger too.
- A release touching several quarters spends ε on each of them, or on none: `BudgetExhausted`
  is raised before anything is recorded.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

DISCRETE_LAPLACE: Final = "discrete_laplace"


@dataclass(frozen=True)
class BudgetPolicy:
    # indicators.md asks for a per-quarter budget; 1.0 is the default a compact may override.
    epsilon_per_quarter: Decimal = Decimal("1.0")

    def __post_init__(self) -> None:
        if not (self.epsilon_per_quarter.is_finite() and self.epsilon_per_quarter > 0):
            raise ValueError("the per-quarter ε cap must be a positive finite decimal")


@dataclass(frozen=True)
class BudgetEntry:
    """One ledger row: what a release spent on one compact × quarter."""

    compact_id: str
    quarter: str
    epsilon: Decimal
    mechanism: str
    release_id: str


class BudgetExhausted(Exception):
    """The release would take a quarter past its ε cap; nothing was spent."""

    def __init__(
        self,
        compact_id: str,
        quarter: str,
        spent: Decimal,
        requested: Decimal,
        cap: Decimal,
        reserved: Decimal = Decimal(0),
    ) -> None:
        kept = f", {reserved} kept for scheduled releases" if reserved else ""
        super().__init__(
            f"compact {compact_id}, quarter {quarter}: {spent} of {cap} ε spent{kept}, "
            f"{requested} more requested"
        )
        self.reserved = reserved
        self.compact_id = compact_id
        self.quarter = quarter
        self.spent = spent
        self.requested = requested
        self.cap = cap


def spent_by_quarter(ledger: Iterable[BudgetEntry], compact_id: str) -> dict[str, Decimal]:
    spent: defaultdict[str, Decimal] = defaultdict(Decimal)
    for entry in ledger:
        if entry.compact_id == compact_id:
            spent[entry.quarter] += entry.epsilon
    return dict(spent)


def remaining(
    policy: BudgetPolicy, ledger: Iterable[BudgetEntry], compact_id: str, quarter: str
) -> Decimal:
    spent = spent_by_quarter(ledger, compact_id).get(quarter, Decimal(0))
    return max(policy.epsilon_per_quarter - spent, Decimal(0))


def charge(
    policy: BudgetPolicy,
    ledger: Iterable[BudgetEntry],
    *,
    compact_id: str,
    quarters: Iterable[str],
    epsilon: Decimal,
    release_id: str,
    mechanism: str = DISCRETE_LAPLACE,
    reserved: Mapping[str, Decimal] | None = None,
) -> tuple[BudgetEntry, ...]:
    """The rows to record for spending ε on each quarter, or BudgetExhausted if any overflows.

    `reserved` is ε per quarter that must stay unspent (kept for scheduled releases still to
    come); an extra release is charged as if it were already spent."""
    if not (epsilon.is_finite() and epsilon > 0):
        raise ValueError("ε must be a positive finite decimal")
    if not release_id:
        raise ValueError("a release needs an id")
    ledger = tuple(ledger)
    if any(entry.release_id == release_id for entry in ledger):
        raise ValueError(f"release {release_id} has already been charged")
    spent = spent_by_quarter(ledger, compact_id)
    entries = tuple(
        BudgetEntry(compact_id, quarter, epsilon, mechanism, release_id)
        for quarter in dict.fromkeys(quarters)
    )
    for entry in entries:
        already = spent.get(entry.quarter, Decimal(0))
        kept = (reserved or {}).get(entry.quarter, Decimal(0))
        if already + kept + epsilon > policy.epsilon_per_quarter:
            raise BudgetExhausted(
                compact_id, entry.quarter, already, epsilon, policy.epsilon_per_quarter, kept
            )
    return entries
