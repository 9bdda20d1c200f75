"""One rounding rule for every number a scorecard stores.

Scorecards must be recomputable bit-for-bit from stored inputs. Floating sums depend on the order
rows arrive in and special functions may differ in the last bit between library builds, so every
input sum and every output is rounded to the plan's decimals (6 by default) at the boundary.
"""


def canonical(value: float, decimals: int) -> float:
    """Round for storage; adding 0.0 turns -0.0 into 0.0 so equal values also print the same."""
    return round(float(value), decimals) + 0.0
