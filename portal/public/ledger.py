"""`privacy_budget_spends` as both the ε ledger and the cache of what was released.

Each release writes one row per quarter it covers (the ε that quarter was charged), and every
row of a release carries the released table as JSON, so the page shows it again without
drawing new noise. Rows are only ever added: spent privacy cannot be unspent.

A release that could not be protected is recorded too, as rows of ε = 0 with the mechanism
`withheld` and no figures: the page then says why nothing is shown without running the
audit again on every visit.

Format 2 (issue 10, point 8) stores one release of the fixed hierarchy (`schedule.py`): its
name, the total and one figure per region, each shown value with its 90% noise interval or the
reason it is hidden, and the noise levels. Format 1 rows are the region × quarter tables of the
first design, whose figures the noise could invent: they are never shown again, but they were
published, so they stay in the ledger, in the budget and in the audit across releases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from portal.domain.disclosure import (
    BudgetEntry,
    PublicCount,
    Released,
    ReleasedTable,
    ReleaseKey,
    Suppressed,
    SuppressedLabel,
)
from portal.domain.disclosure.noisy import Figure, Hidden, Level
from portal.domain.models import PrivacyBudgetSpend

FORMAT: Final = 2
LEGACY_FORMAT: Final = 1
WITHHELD: Final = "withheld"


@dataclass(frozen=True)
class StoredRelease:
    """One release as the page shows it: a table, or the fact that none could be published."""

    release_id: str
    key: ReleaseKey
    day: dt.date
    figures: PublishedRelease | None  # None: withheld, or a legacy table
    last_row: int  # the newest ledger row of the release, to tell releases' order
    legacy: ReleasedTable | None = None  # a format-1 table: published once, never shown again

    @property
    def withheld(self) -> bool:
        return self.figures is None and self.legacy is None


@dataclass(frozen=True)
class PublishedRelease:
    """One release of the hierarchy as published (format 2)."""

    name: str  # "2026-H1", "2026-H2", "2026"
    epsilon: Decimal
    total: Figure
    regions: tuple[Figure, ...]
    total_level: Level
    region_level: Level
    zero_risk: float
    smallest_shown: int


def _figure_to_json(figure: Figure) -> list[Any]:
    return [figure.value, figure.interval, figure.hidden.value if figure.hidden else None]


def _figure_from_json(data: list[Any]) -> Figure:
    value, interval, hidden = data
    return Figure(
        None if value is None else int(value),
        int(interval),
        None if hidden is None else Hidden(hidden),
    )


def _level_to_json(level: Level) -> list[Any]:
    return [level.epsilon, level.threshold, level.interval]


def _level_from_json(data: list[Any]) -> Level:
    return Level(float(data[0]), int(data[1]), int(data[2]))


def release_to_json(
    key: ReleaseKey, release_id: str, published: PublishedRelease
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "key": _key_to_json(key),
        "release_id": release_id,
        "name": published.name,
        "epsilon": str(published.epsilon),
        "total": _figure_to_json(published.total),
        "regions": [_figure_to_json(f) for f in published.regions],
        "levels": {
            "total": _level_to_json(published.total_level),
            "regions": _level_to_json(published.region_level),
        },
        "zero_risk": published.zero_risk,
        "smallest_shown": published.smallest_shown,
    }


def release_from_json(data: dict[str, Any]) -> PublishedRelease:
    return PublishedRelease(
        name=str(data["name"]),
        epsilon=Decimal(str(data["epsilon"])),
        total=_figure_from_json(data["total"]),
        regions=tuple(_figure_from_json(f) for f in data["regions"]),
        total_level=_level_from_json(data["levels"]["total"]),
        region_level=_level_from_json(data["levels"]["regions"]),
        zero_risk=float(data["zero_risk"]),
        smallest_shown=int(data["smallest_shown"]),
    )


def budget_entries(rows: Iterable[PrivacyBudgetSpend]) -> tuple[BudgetEntry, ...]:
    return tuple(
        BudgetEntry(
            compact_id=str(row.compact_id),
            quarter=row.quarter,
            # repr of a float is its shortest round trip, so 0.5 reads back as exactly 0.5.
            epsilon=Decimal(repr(row.epsilon)),
            mechanism=row.mechanism,
            release_id=row.release_id,
        )
        for row in rows
    )


def spent_by_quarter(rows: Iterable[PrivacyBudgetSpend]) -> dict[str, Decimal]:
    spent: dict[str, Decimal] = {}
    for entry in budget_entries(rows):
        spent[entry.quarter] = spent.get(entry.quarter, Decimal(0)) + entry.epsilon
    return spent


def _count_to_json(count: PublicCount) -> int | str:
    return count.value if isinstance(count, Released) else count.label.value


def _count_from_json(value: Any) -> PublicCount:
    if isinstance(value, bool):
        raise ValueError("a stored count is not a boolean")
    if isinstance(value, int):
        return Released(value)
    return Suppressed(SuppressedLabel(value))


def _key_to_json(key: ReleaseKey) -> dict[str, Any]:
    return {
        "compact_id": key.compact_id,
        "scope": key.scope,
        "regions": list(key.regions),
        "quarters": list(key.quarters),
    }


def table_to_json(table: ReleasedTable) -> dict[str, Any]:
    """A format-1 table (the first design), kept to read and to test the legacy rows."""
    return {
        "format": LEGACY_FORMAT,
        "key": _key_to_json(table.key),
        "release_id": table.release_id,
        "cells": [[_count_to_json(c) for c in row] for row in table.cells],
        "row_totals": [_count_to_json(c) for c in table.row_totals],
        "column_totals": [_count_to_json(c) for c in table.column_totals],
        "grand_total": _count_to_json(table.grand_total),
        "epsilon": str(table.epsilon),
        "mechanism": table.mechanism,
        "smallest_shown": table.smallest_shown,
    }


def withheld_to_json(key: ReleaseKey, release_id: str, name: str) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "key": _key_to_json(key),
        "release_id": release_id,
        "name": name,
        WITHHELD: True,
    }


def _key_from_json(data: dict[str, Any]) -> ReleaseKey:
    return ReleaseKey(
        compact_id=str(data["compact_id"]),
        scope=str(data["scope"]),
        regions=tuple(str(r) for r in data["regions"]),
        quarters=tuple(str(q) for q in data["quarters"]),
    )


def table_from_json(data: dict[str, Any]) -> ReleasedTable:
    if data.get("format") != LEGACY_FORMAT:
        # Reading an unknown layout as "no cache" would publish fresh noise; refuse instead.
        raise ValueError(f"unknown stored release format {data.get('format')!r}")
    return ReleasedTable(
        key=_key_from_json(data["key"]),
        release_id=str(data["release_id"]),
        cells=tuple(tuple(_count_from_json(c) for c in row) for row in data["cells"]),
        row_totals=tuple(_count_from_json(c) for c in data["row_totals"]),
        column_totals=tuple(_count_from_json(c) for c in data["column_totals"]),
        grand_total=_count_from_json(data["grand_total"]),
        epsilon=Decimal(str(data["epsilon"])),
        mechanism=str(data["mechanism"]),
        smallest_shown=int(data["smallest_shown"]),
    )


def stored_releases(rows: Sequence[PrivacyBudgetSpend]) -> tuple[StoredRelease, ...]:
    """Every release in the ledger rows of one compact, oldest first."""
    newest: dict[str, PrivacyBudgetSpend] = {}
    for row in rows:
        if row.release_id not in newest or row.id > newest[row.release_id].id:
            newest[row.release_id] = row
    found = []
    for release_id, row in newest.items():
        data = row.released
        if data.get("format") not in (FORMAT, LEGACY_FORMAT):
            # Reading an unknown layout as "no release" would publish fresh noise; refuse.
            raise ValueError(f"release {release_id}: unknown stored format")
        legacy = None
        figures = None
        if data.get("format") == LEGACY_FORMAT:
            legacy = None if data.get(WITHHELD) else table_from_json(data)
        elif not data.get(WITHHELD):
            figures = release_from_json(data)
        found.append(
            StoredRelease(
                release_id=release_id,
                key=_key_from_json(data["key"]),
                day=row.spent_day,
                figures=figures,
                last_row=row.id,
                legacy=legacy,
            )
        )
    return tuple(sorted(found, key=lambda r: r.last_row))


def latest_for(releases: Sequence[StoredRelease], key: ReleaseKey) -> StoredRelease | None:
    return next((r for r in reversed(releases) if r.key == key), None)
