"""How much a report, and an incident built from reports, counts.

w = R × C from the verifier's Admiralty grades; corroborating reports of one incident combine by
noisy-OR, w = 1 − Π(1 − w_i): each independent report is another chance that the incident happened,
so two doubtful reports count for more than one but never for more than a certain one.

Incident weights are meant to be computed when a verifier grades or re-clusters (and stored on the
incident), not at scoring time; `incident_weights` does a whole compact at once when a plan's grade
weights change and every stored weight must be recomputed.
"""

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from portal.domain.scoring.errors import ScoringInputError
from portal.domain.scoring.plan import DEFAULT_PLAN, ScoringPlan
from portal.domain.scoring.rounding import canonical

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]


def report_weight(reliability: str, credibility: int, plan: ScoringPlan = DEFAULT_PLAN) -> float:
    try:
        r = plan.reliability_weights[reliability]
        c = plan.credibility_weights[credibility]
    except KeyError:
        raise ScoringInputError(f"unknown grade {reliability}{credibility}") from None
    return canonical(r * c, plan.decimals)


def incident_weight(
    report_weights: Iterable[float], decimals: int = DEFAULT_PLAN.decimals
) -> float:
    """Noisy-OR of the weights of an incident's independent corroborating reports."""
    weights = sorted(report_weights)  # a float product depends on order; sorting pins it down
    if not all(0.0 <= w <= 1.0 for w in weights):
        raise ScoringInputError("report weights must lie between 0 and 1")
    untrue = 1.0
    for w in weights:
        untrue *= 1.0 - w
    return canonical(1.0 - untrue, decimals)


def report_weights(
    reliability: npt.NDArray[np.str_],
    credibility: npt.NDArray[np.integer],
    plan: ScoringPlan = DEFAULT_PLAN,
) -> FloatArray:
    """`report_weight` over whole columns, for recomputing many incidents at once."""
    letters = np.array(sorted(plan.reliability_weights))
    numbers = np.array(sorted(plan.credibility_weights))
    r_at = np.searchsorted(letters, reliability).clip(0, len(letters) - 1)
    c_at = np.searchsorted(numbers, credibility).clip(0, len(numbers) - 1)
    if not (np.all(letters[r_at] == reliability) and np.all(numbers[c_at] == credibility)):
        raise ScoringInputError("unknown reliability or credibility grade in the batch")
    r_weight = np.array([plan.reliability_weights[str(k)] for k in letters], dtype=np.float64)
    c_weight = np.array([plan.credibility_weights[int(k)] for k in numbers], dtype=np.float64)
    weights: FloatArray = np.round(r_weight[r_at] * c_weight[c_at], plan.decimals)
    return weights


def incident_weights(
    incident_of_report: IndexArray,
    weight_of_report: FloatArray,
    incidents: int,
    decimals: int = DEFAULT_PLAN.decimals,
) -> FloatArray:
    """Noisy-OR per incident for a batch: reports carry the 0-based index of their incident.

    Works in log space, Σ log(1 − w_i), so one `bincount` does every incident in O(reports). A
    certain report (w = 1) gives log 0 = −inf and the incident weight 1, as it should. Agrees with
    `incident_weight` after rounding (the last bit of the unrounded value may differ).
    """
    if np.any((weight_of_report < 0.0) | (weight_of_report > 1.0)):
        raise ScoringInputError("report weights must lie between 0 and 1")
    with np.errstate(divide="ignore"):
        log_untrue = np.log1p(-weight_of_report)
    summed = np.bincount(incident_of_report, weights=log_untrue, minlength=incidents)
    return np.asarray(np.round(-np.expm1(summed), decimals) + 0.0, dtype=np.float64)
