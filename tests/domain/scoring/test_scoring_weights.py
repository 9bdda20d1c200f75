"""Report and incident weights: w = R × C, then noisy-OR over an incident's reports."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.scoring import (
    ScoringInputError,
    ScoringPlan,
    incident_weight,
    incident_weights,
    report_weight,
    report_weights,
)
from portal.domain.scoring.plan import default_reliability_weights


def test_report_weight_is_reliability_times_credibility() -> None:
    assert report_weight("B", 2) == 0.64  # 0.8 × 0.8, not 0.6400000000000001
    assert report_weight("A", 1) == 1.0
    assert report_weight("E", 5) == 0.0025
    assert report_weight("F", 6) == 0.2


def test_report_weight_follows_the_plan_not_a_constant() -> None:
    plan = ScoringPlan(
        version="co-designed-2", reliability_weights={**default_reliability_weights(), "F": 0.25}
    )
    assert report_weight("F", 1, plan) == 0.25


def test_unknown_grades_are_refused() -> None:
    with pytest.raises(ScoringInputError):
        report_weight("G", 1)
    with pytest.raises(ScoringInputError):
        report_weight("A", 7)


def test_noisy_or_of_two_reports_by_hand() -> None:
    # B2 (0.64) and C3 (0.3): 1 − (1 − 0.64)(1 − 0.3) = 1 − 0.36 × 0.7 = 1 − 0.252 = 0.748
    assert incident_weight([0.64, 0.3]) == 0.748
    assert incident_weight([0.3, 0.64]) == 0.748
    assert incident_weight([1.0, 0.05]) == 1.0  # one certain report makes the incident certain
    assert incident_weight([]) == 0.0


def test_report_weights_of_a_batch_match_one_by_one() -> None:
    reliability = np.array(["A", "B", "F", "E", "C"])
    credibility = np.array([1, 2, 6, 5, 3])
    pairs = zip(reliability, credibility, strict=True)
    expected = [report_weight(str(r), int(c)) for r, c in pairs]
    assert report_weights(reliability, credibility).tolist() == expected
    with pytest.raises(ScoringInputError):
        report_weights(np.array(["Z"]), np.array([1]))


@given(
    st.lists(
        st.tuples(st.integers(0, 9), st.floats(0.0, 1.0, allow_nan=False)), min_size=1, max_size=60
    )
)
def test_incident_weights_of_a_batch_match_one_by_one(reports: list[tuple[int, float]]) -> None:
    incident_of = np.array([i for i, _ in reports], dtype=np.intp)
    weight_of = np.array([w for _, w in reports], dtype=np.float64)
    batch = incident_weights(incident_of, weight_of, 10)
    for incident in range(10):
        alone = incident_weight([w for i, w in reports if i == incident])
        assert batch[incident] == pytest.approx(alone, abs=1.1e-6)


@given(st.lists(st.floats(0.0, 1.0, allow_nan=False), max_size=8), st.floats(0.0, 1.0))
def test_another_report_never_lowers_an_incident_weight(weights: list[float], extra: float) -> None:
    before = incident_weight(weights)
    after = incident_weight([*weights, extra])
    assert before <= after <= 1.0
    assert after >= max([extra, *weights]) - 1e-6
