"""Primary and complementary suppression, judged by an independent LP attacker."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.domain.disclosure import (
    CountTable,
    SuppressionReason,
    SuppressionRules,
    UnprotectableTable,
    plan_suppression,
)

from .attacker import attack, entries_of, withheld_of
from .strategies import count_grids, count_table

RULES = SuppressionRules()


def _assert_refusal_is_justified(counts: list[list[int]], rules: SuppressionRules) -> None:
    # A refusal is only right if withholding every non-zero entry still pins a small count.
    values = entries_of(counts)
    everything = {entry for entry, value in values.items() if value > 0}
    small = {entry for entry in everything if values[entry] <= 10}
    ranges = attack(counts, everything, small)
    assert any(r.high - r.low < rules.protection_level for r in ranges.values())


@settings(max_examples=40, deadline=None)
@given(count_grids())
def test_no_published_entry_has_an_exact_count_of_1_to_10(counts: list[list[int]]) -> None:
    try:
        pattern = plan_suppression(count_table(counts))
    except UnprotectableTable:
        _assert_refusal_is_justified(counts, RULES)
        return
    withheld = withheld_of(pattern)
    for entry, value in entries_of(counts).items():
        if entry not in withheld:
            assert value == 0 or value >= 11, entry
        elif 1 <= value <= 10:
            assert withheld[entry] is SuppressionReason.SMALL_COUNT
        else:
            # Zeros are never withheld, so anything else withheld is a large complement.
            assert value >= 11
            assert withheld[entry] is SuppressionReason.COMPLEMENTARY


# Grids of 0–2 only are where refusals happen, so both paths get exercised.
@settings(max_examples=30, deadline=None)
@given(st.one_of(count_grids(), count_grids(values=st.integers(0, 2))), st.integers(1, 5))
def test_attacker_cannot_narrow_any_withheld_entry(
    counts: list[list[int]], protection_level: int
) -> None:
    rules = SuppressionRules(protection_level=protection_level)
    try:
        pattern = plan_suppression(count_table(counts), rules)
    except UnprotectableTable:
        _assert_refusal_is_justified(counts, rules)
        return
    values = entries_of(counts)
    withheld = withheld_of(pattern)
    for entry, found in attack(counts, set(withheld)).items():
        assert found.low <= values[entry] <= found.high, entry
        assert found.low < found.high, f"{entry} pinned to {found.low}"
        assert found.high - found.low >= protection_level - 1e-6, (entry, found)


def test_lone_small_count_and_everything_it_shows_through_are_withheld() -> None:
    pattern = plan_suppression(count_table([[5]]))
    assert pattern.cells == ((SuppressionReason.SMALL_COUNT,),)
    assert pattern.row_totals == pattern.column_totals == (SuppressionReason.SMALL_COUNT,)
    assert pattern.grand_total is SuppressionReason.SMALL_COUNT


def test_zero_is_published_and_never_a_complement() -> None:
    counts = [[0, 5, 30], [20, 25, 40], [33, 12, 60]]
    pattern = plan_suppression(count_table(counts))
    assert pattern.cells[0][0] is None
    assert pattern.cells[0][1] is SuppressionReason.SMALL_COUNT
    # The cheapest protecting rectangle, with nothing else given up.
    complements = {
        (i, j)
        for i, row in enumerate(pattern.cells)
        for j, reason in enumerate(row)
        if reason is SuppressionReason.COMPLEMENTARY
    }
    assert complements == {(0, 2), (1, 1), (1, 2)}
    assert pattern.row_totals == (None, None, None)
    assert pattern.grand_total is None


def test_single_row_withholds_the_column_total_that_would_give_the_cell_away() -> None:
    pattern = plan_suppression(count_table([[5, 20]]))
    assert pattern.cells == ((SuppressionReason.SMALL_COUNT, SuppressionReason.COMPLEMENTARY),)
    assert pattern.column_totals == (
        SuppressionReason.SMALL_COUNT,
        SuppressionReason.COMPLEMENTARY,
    )
    assert pattern.row_totals == (None,)


def test_two_ones_in_a_row_are_not_left_summing_to_two() -> None:
    counts = [[1, 1, 30], [40, 50, 60]]
    pattern = plan_suppression(count_table(counts))
    ranges = attack(counts, set(withheld_of(pattern)))
    assert ranges[("cell", 0, 0)].high - ranges[("cell", 0, 0)].low >= 3


def test_table_of_small_counts_whose_labels_alone_pin_them_is_refused() -> None:
    # Eight regions with one incident each: a quarter total of "fewer than 11" over eight
    # "fewer than 11" cells leaves each cell at most 3.
    with pytest.raises(UnprotectableTable):
        plan_suppression(count_table([[1]] * 8))
    assert plan_suppression(count_table([[1]] * 8), SuppressionRules(protection_level=2))


def test_few_contributors_withhold_a_large_count() -> None:
    counts = [[30, 40], [50, 60]]
    contributors = [[2, 40], [50, 60]]
    pattern = plan_suppression(count_table(counts, contributors))
    assert pattern.cells[0][0] is SuppressionReason.FEW_CONTRIBUTORS
    assert sum(reason is not None for row in pattern.cells for reason in row) == 4


def test_incident_counts_of_11_or_more_need_no_contributor_check() -> None:
    pattern = plan_suppression(count_table([[11, 12], [13, 14]]))
    assert all(reason is None for row in pattern.cells for reason in row)


@pytest.mark.parametrize(
    ("smallest_shown", "min_contributors", "protection_level"),
    [(2, 5, 1), (11, 0, 3), (11, 5, 0), (11, 5, 10)],
)
def test_rules_that_cannot_protect_are_rejected(
    smallest_shown: int, min_contributors: int, protection_level: int
) -> None:
    with pytest.raises(ValueError):
        SuppressionRules(smallest_shown, min_contributors, protection_level)


@pytest.mark.parametrize(
    ("regions", "quarters", "counts"),
    [
        ((), ("2026Q1",), ()),
        (("a",), (), ((),)),
        (("a", "a"), ("2026Q1",), ((1,), (2,))),
        (("a", "b"), ("2026Q1", "2026Q2"), ((1, 2), (3,))),
        (("a",), ("2026Q1",), ((-1,),)),
        (("a",), ("2026Q1",), ((True,),)),
    ],
)
def test_malformed_tables_are_rejected(
    regions: tuple[str, ...], quarters: tuple[str, ...], counts: tuple[tuple[int, ...], ...]
) -> None:
    with pytest.raises(ValueError):
        CountTable("compact-1", "HR-1", regions, quarters, counts)


@pytest.mark.parametrize("counts,contributors", [(((5,),), ((0,),)), (((0,),), ((2,),))])
def test_contributors_must_fit_the_count(
    counts: tuple[tuple[int, ...], ...], contributors: tuple[tuple[int, ...], ...]
) -> None:
    with pytest.raises(ValueError):
        CountTable("compact-1", "HR-1", ("a",), ("2026Q1",), counts, contributors)


def test_an_incident_may_have_more_contributors_than_one() -> None:
    # Several organisations reporting one incident: more sources than incidents is fine.
    table = CountTable("compact-1", "HR-1", ("a",), ("2026Q1",), ((5,),), ((6,),))
    assert table.contributors == ((6,),)
