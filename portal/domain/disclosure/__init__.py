"""Statistical disclosure control for the public transparency pages.

The public figures (docs/public-release.md, issue 10 points 8 and 9):

- `noisy.py`: one release's figures (a total and one figure per region over a half-year or a
  year) with discrete-Laplace noise, noisy thresholding so that no figure is invented from a
  true zero, 90% margins, consistent totals, the k ≥ 5 sources rule;
- `linkage.py`: the audit across every release ever published (an integer program per hidden
  figure), which the release service runs before writing anything;
- `budget.py`: the per-quarter ε ledger; `noise.py`: the noise itself.

The first design's region × quarter tables (`suppression.py` with `audit.py`, `release.py`,
`margins.py`, `table.py`): primary and complementary suppression checked by linear
programming, then noise. They no longer feed the page; their types read the ledger's format-1
rows, which stay in the budget and in the audit across releases.

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
