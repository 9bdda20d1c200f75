"""The per-quarter ε ledger: spends are recorded, and none may pass the cap."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.domain.disclosure import (
    DISCRETE_LAPLACE,
    BudgetEntry,
    BudgetExhausted,
    BudgetPolicy,
    charge,
    remaining,
    spent_by_quarter,
)

POLICY = BudgetPolicy(epsilon_per_quarter=Decimal("1.0"))
QUARTERS = ("2026Q1", "2026Q2", "2026Q3")

spends = st.lists(
    st.tuples(
        st.sampled_from(("compact-1", "compact-2")),
        st.lists(st.sampled_from(QUARTERS), min_size=1, max_size=3, unique=True),
        st.sampled_from([Decimal(e) for e in ("0.05", "0.1", "0.25", "0.3", "0.5", "1.0")]),
    ),
    max_size=25,
)


@settings(max_examples=100, deadline=None)
@given(spends)
def test_ledger_records_every_spend_and_never_passes_the_cap(
    requests: list[tuple[str, list[str], Decimal]],
) -> None:
    ledger: list[BudgetEntry] = []
    expected: dict[tuple[str, str], Decimal] = {}
    for n, (compact, quarters, epsilon) in enumerate(requests):
        would_overflow = any(
            expected.get((compact, q), Decimal(0)) + epsilon > POLICY.epsilon_per_quarter
            for q in quarters
        )
        try:
            entries = charge(
                POLICY,
                ledger,
                compact_id=compact,
                quarters=quarters,
                epsilon=epsilon,
                release_id=f"release-{n}",
            )
        except BudgetExhausted as refused:
            assert would_overflow
            assert refused.spent + refused.requested > refused.cap
            continue
        assert not would_overflow
        assert [(e.compact_id, e.quarter, e.epsilon) for e in entries] == [
            (compact, q, epsilon) for q in quarters
        ]
        assert all(e.mechanism == DISCRETE_LAPLACE for e in entries)
        assert all(e.release_id == f"release-{n}" for e in entries)
        ledger.extend(entries)
        for q in quarters:
            expected[(compact, q)] = expected.get((compact, q), Decimal(0)) + epsilon

    for compact in ("compact-1", "compact-2"):
        spent = spent_by_quarter(ledger, compact)
        assert spent == {q: e for (c, q), e in expected.items() if c == compact}
        assert all(e <= POLICY.epsilon_per_quarter for e in spent.values())


def test_ten_spends_of_a_tenth_fill_the_cap_exactly() -> None:
    ledger: list[BudgetEntry] = []
    for n in range(10):
        ledger += charge(
            POLICY,
            ledger,
            compact_id="c",
            quarters=["2026Q1"],
            epsilon=Decimal("0.1"),
            release_id=f"r{n}",
        )
    assert remaining(POLICY, ledger, "c", "2026Q1") == 0
    with pytest.raises(BudgetExhausted) as refused:
        charge(
            POLICY,
            ledger,
            compact_id="c",
            quarters=["2026Q1"],
            epsilon=Decimal("0.1"),
            release_id="r10",
        )
    assert (refused.value.quarter, refused.value.spent) == ("2026Q1", Decimal("1.0"))


def test_a_release_over_several_quarters_is_all_or_nothing() -> None:
    ledger = list(
        charge(
            POLICY,
            [],
            compact_id="c",
            quarters=["2026Q2"],
            epsilon=Decimal("0.8"),
            release_id="first",
        )
    )
    with pytest.raises(BudgetExhausted) as refused:
        charge(
            POLICY,
            ledger,
            compact_id="c",
            quarters=["2026Q1", "2026Q2"],
            epsilon=Decimal("0.3"),
            release_id="second",
        )
    assert refused.value.quarter == "2026Q2"
    assert remaining(POLICY, ledger, "c", "2026Q1") == Decimal("1.0")


def test_other_compacts_budgets_are_separate() -> None:
    ledger = charge(
        POLICY, [], compact_id="a", quarters=["2026Q1"], epsilon=Decimal("1.0"), release_id="x"
    )
    assert charge(
        POLICY,
        ledger,
        compact_id="b",
        quarters=["2026Q1"],
        epsilon=Decimal("1.0"),
        release_id="y",
    )


def test_a_release_id_cannot_be_charged_twice() -> None:
    ledger = charge(
        POLICY, [], compact_id="c", quarters=["2026Q1"], epsilon=Decimal("0.1"), release_id="x"
    )
    with pytest.raises(ValueError):
        charge(
            POLICY,
            ledger,
            compact_id="c",
            quarters=["2026Q2"],
            epsilon=Decimal("0.1"),
            release_id="x",
        )


@pytest.mark.parametrize("epsilon", [Decimal(0), Decimal(-1), Decimal("NaN"), Decimal("Infinity")])
def test_meaningless_spends_are_rejected(epsilon: Decimal) -> None:
    with pytest.raises(ValueError):
        charge(POLICY, [], compact_id="c", quarters=["q"], epsilon=epsilon, release_id="x")


def test_a_cap_must_be_positive() -> None:
    with pytest.raises(ValueError):
        BudgetPolicy(Decimal(0))
