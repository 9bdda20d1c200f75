"""Statistical disclosure control for the public transparency tables.

A public table is region × quarter counts of verified incidents for one compact and one
indicator (or all of them), with region, quarter and grand totals. Small counts can point at a
reporter or a victim, so before anything reaches the public page:

- `plan_suppression` withholds counts of 1–10, counts with fewer than 5 contributors, and
  enough complements that no withheld value can be worked out from what is shown, checked by
  linear programming (`suppression.py`, `audit.py`);
- `publish` charges the per-quarter ε budget (`budget.py`), adds discrete Laplace noise to
  what is shown (`noise.py`), and reuses an earlier release of the same table (`release.py`).

Each module's docstring records the decisions it embodies.
"""

from portal.domain.disclosure.budget import (
    DISCRETE_LAPLACE,
    BudgetEntry,
    BudgetExhausted,
    BudgetPolicy,
    charge,
    remaining,
    spent_by_quarter,
)
from portal.domain.disclosure.noise import discrete_laplace, discrete_laplace_variance
from portal.domain.disclosure.release import (
    TABLE_SENSITIVITY,
    Publication,
    PublicCount,
    Released,
    ReleasedTable,
    Suppressed,
    SuppressedLabel,
    publish,
)
from portal.domain.disclosure.suppression import (
    SuppressionPattern,
    SuppressionReason,
    SuppressionRules,
    UnprotectableTable,
    plan_suppression,
)
from portal.domain.disclosure.table import ALL_INDICATORS, CountTable, ReleaseKey

__all__ = [
    "ALL_INDICATORS",
    "DISCRETE_LAPLACE",
    "TABLE_SENSITIVITY",
    "BudgetEntry",
    "BudgetExhausted",
    "BudgetPolicy",
    "CountTable",
    "PublicCount",
    "Publication",
    "ReleaseKey",
    "Released",
    "ReleasedTable",
    "Suppressed",
    "SuppressedLabel",
    "SuppressionPattern",
    "SuppressionReason",
    "SuppressionRules",
    "UnprotectableTable",
    "charge",
    "discrete_laplace",
    "discrete_laplace_variance",
    "plan_suppression",
    "publish",
    "remaining",
    "spent_by_quarter",
]
