"""The stored release reads back exactly as it was published (both ledger formats)."""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.domain.disclosure import CountTable, ReleaseKey, UnprotectableTable, publish
from portal.domain.disclosure.noisy import Allocation, AreaCounts, noisy_figures
from portal.public.ledger import (
    PublishedRelease,
    release_from_json,
    release_to_json,
    table_from_json,
    table_to_json,
)


@settings(max_examples=60, deadline=None)
@given(
    counts=st.integers(1, 4).flatmap(
        lambda columns: st.lists(
            st.lists(st.integers(0, 60), min_size=columns, max_size=columns),
            min_size=1,
            max_size=5,
        )
    ),
    seed=st.integers(0, 2**32),
)
def test_a_released_table_survives_the_json_round_trip(counts: list[list[int]], seed: int) -> None:
    table = CountTable(
        compact_id="7",
        scope="ALL",
        regions=tuple(f"XX-{i}" for i in range(len(counts))),
        quarters=tuple(f"2026-Q{j + 1}" for j in range(len(counts[0]))),
        counts=tuple(tuple(row) for row in counts),
    )
    try:
        published = publish(
            table,
            epsilon=Decimal("0.5"),
            release_id="r",
            ledger=(),
            rng=np.random.default_rng(seed),
        ).table
    except UnprotectableTable:
        return
    stored = json.loads(json.dumps(table_to_json(published)))
    assert table_from_json(stored) == published


def test_an_unknown_stored_format_is_refused_not_read_as_missing() -> None:
    with pytest.raises(ValueError, match="format"):
        table_from_json({"format": 99})


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.integers(0, 300), min_size=1, max_size=20),
    seed=st.integers(0, 2**32),
)
def test_a_release_of_the_hierarchy_survives_the_json_round_trip(
    counts: list[int], seed: int
) -> None:
    regions = tuple(f"XX-{i}" for i in range(len(counts)))
    exact = AreaCounts(regions, tuple(counts), tuple(min(c, 9) for c in counts), 30)
    figures = noisy_figures(exact, Decimal("0.5"), Allocation(), np.random.default_rng(seed))
    published = PublishedRelease(
        name="2026-H1",
        epsilon=Decimal("0.5"),
        total=figures.total,
        regions=figures.regions,
        total_level=figures.total_level,
        region_level=figures.region_level,
        zero_risk=1e-6,
        smallest_shown=11,
    )
    key = ReleaseKey("7", "ALL", regions, ("2026-Q1", "2026-Q2"))
    stored = json.loads(json.dumps(release_to_json(key, "r", published)))
    assert release_from_json(stored) == published
