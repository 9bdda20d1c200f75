"""The cached release reads back exactly as it was published."""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.domain.disclosure import CountTable, UnprotectableTable, publish
from portal.public.ledger import table_from_json, table_to_json


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
