"""Publishing a table: what the public sees, what the ledger records, and reuse."""

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings

from portal.domain.disclosure import (
    TABLE_SENSITIVITY,
    BudgetEntry,
    BudgetExhausted,
    BudgetPolicy,
    Publication,
    PublicCount,
    Released,
    ReleasedTable,
    Suppressed,
    SuppressedLabel,
    SuppressionReason,
    UnprotectableTable,
    discrete_laplace_variance,
    plan_suppression,
    publish,
)

from .attacker import Entry, entries_of, withheld_of
from .strategies import count_grids, count_table

EPSILON = Decimal("0.5")


def public_entries(table: ReleasedTable) -> dict[Entry, PublicCount]:
    shown: dict[Entry, PublicCount] = {}
    for i, row in enumerate(table.cells):
        for j, value in enumerate(row):
            shown[("cell", i, j)] = value
    shown |= {("row", i): value for i, value in enumerate(table.row_totals)}
    shown |= {("column", j): value for j, value in enumerate(table.column_totals)}
    shown[("grand",)] = table.grand_total
    return shown


def release(
    counts: list[list[int]],
    seed: int = 0,
    *,
    rng: np.random.Generator | None = None,
    release_id: str = "release-1",
    ledger: tuple[BudgetEntry, ...] = (),
    budget: BudgetPolicy | None = None,
    cached: ReleasedTable | None = None,
) -> Publication:
    return publish(
        count_table(counts),
        epsilon=EPSILON,
        release_id=release_id,
        ledger=ledger,
        rng=rng or np.random.default_rng(seed),
        budget=budget,
        cached=cached,
    )


@settings(max_examples=40, deadline=None)
@given(count_grids())
def test_public_table_never_shows_a_count_of_1_to_10(counts: list[list[int]]) -> None:
    try:
        publication = release(counts)
    except UnprotectableTable:
        return
    exact = entries_of(counts)
    withheld = withheld_of(plan_suppression(count_table(counts)))
    for entry, shown in public_entries(publication.table).items():
        if isinstance(shown, Released):
            # Decided before noise: a shown entry's exact count is 0 or at least 11 …
            assert exact[entry] == 0 or exact[entry] >= 11, entry
            # … and after noise the number printed is never 1–10 either.
            assert shown.value == 0 or shown.value >= 11, entry
        if entry in withheld:
            small = withheld[entry] is SuppressionReason.SMALL_COUNT
            label = SuppressedLabel.FEWER_THAN if small else SuppressedLabel.WITHHELD
            assert shown == Suppressed(label)
    assert publication.table.epsilon_by_quarter == dict.fromkeys(
        publication.table.key.quarters, EPSILON
    )
    assert [(e.quarter, e.epsilon) for e in publication.ledger_entries] == [
        (q, EPSILON) for q in publication.table.key.quarters
    ]
    assert not publication.reused


def test_same_seed_publishes_the_same_table() -> None:
    counts = [[0, 5, 30], [20, 25, 40], [33, 12, 60]]
    assert release(counts, seed=3).table == release(counts, seed=3).table
    assert release(counts, seed=3).table != release(counts, seed=4).table


def test_each_entry_is_noised_for_the_whole_table_sensitivity() -> None:
    # One incident moves its cell and three totals, so each entry gets noise at ε/4.
    rng = np.random.default_rng(5)
    noise = []
    for n in range(60):
        publication = release([[500] * 8] * 8, rng=rng, release_id=f"r{n}")
        shown = [c for row in publication.table.cells for c in row]
        assert all(isinstance(c, Released) for c in shown)
        noise += [c.value - 500 for c in shown if isinstance(c, Released)]
    expected = discrete_laplace_variance(float(EPSILON), TABLE_SENSITIVITY)
    assert np.var(noise) == pytest.approx(expected, rel=0.2)


def test_noisy_small_values_are_shown_as_fewer_than_11_and_negatives_as_zero() -> None:
    publication = release([[0] * 8] * 8, seed=1)
    shown = list(public_entries(publication.table).values())
    assert Released(0) in shown
    assert Suppressed(SuppressedLabel.FEWER_THAN) in shown
    assert all(isinstance(s, Suppressed) or s.value == 0 or s.value >= 11 for s in shown)


def test_a_cached_release_is_reused_without_spending() -> None:
    counts = [[0, 5, 30], [20, 25, 40], [33, 12, 60]]
    first = release(counts, seed=1)
    exhausted = first.ledger_entries * 2  # twice 0.5 on every quarter: the cap is reached
    rng = np.random.default_rng(9)
    state = rng.bit_generator.state
    again = release(
        [[0, 6, 30], [20, 25, 40], [33, 12, 60]],
        cached=first.table,
        ledger=exhausted,
        rng=rng,
        release_id="release-2",
    )
    assert again.reused
    assert again.table is first.table
    assert again.ledger_entries == ()
    assert rng.bit_generator.state == state


def test_a_cache_of_another_table_is_refused() -> None:
    first = release([[30]])
    with pytest.raises(ValueError):
        publish(
            count_table([[30]], compact_id="compact-2"),
            epsilon=EPSILON,
            release_id="release-2",
            ledger=(),
            rng=np.random.default_rng(0),
            cached=first.table,
        )


def test_a_refused_release_draws_no_noise_and_records_nothing() -> None:
    first = release([[30, 40]])
    rng = np.random.default_rng(9)
    state = rng.bit_generator.state
    with pytest.raises(BudgetExhausted):
        release(
            [[30, 40]],
            rng=rng,
            ledger=first.ledger_entries,
            release_id="release-2",
            budget=BudgetPolicy(Decimal("0.75")),
        )
    with pytest.raises(UnprotectableTable):
        release([[1]] * 8, rng=rng, release_id="release-3")
    assert rng.bit_generator.state == state


def test_a_large_count_with_few_contributors_is_withheld_not_called_small() -> None:
    table = count_table([[30, 40], [50, 60]], contributors=[[2, 40], [50, 60]])
    publication = publish(
        table, epsilon=EPSILON, release_id="r", ledger=(), rng=np.random.default_rng(0)
    )
    assert publication.table.cells[0][0] == Suppressed(SuppressedLabel.WITHHELD)
