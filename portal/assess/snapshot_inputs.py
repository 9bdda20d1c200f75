"""A stored scoring snapshot read back into the engine's `ScoringInputs`.

Several periods' snapshots share most of their unit tallies (a year and its fourth quarter read
the same twelve months) and `gather_snapshots` lets them share each tally's entry, so a
`SnapshotReader` turns each shared entry into a `UnitMonthTally` once. Entries are told apart by
identity, which is safe while the snapshots, and so their entries, are alive.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from portal.domain.scoring import (
    ChecklistRatings,
    CompositionTally,
    CountTally,
    CoverageFigures,
    Evidence,
    Exposure,
    GroupRate,
    GroupRateTally,
    GroupShare,
    ProportionTally,
    RateTally,
    ScoringInputs,
    SuspensionEvidence,
    UnitMonthTally,
)


class SnapshotReader:
    """Reads snapshots of one batch, sharing the unit tallies they have in common."""

    def __init__(self) -> None:
        self._tallies: dict[int, UnitMonthTally] = {}

    def inputs(self, snapshot: dict[str, Any]) -> ScoringInputs:
        return _inputs(snapshot, self._tallies)


def _evidence(entry: dict[str, Any]) -> Evidence:
    kind = entry["kind"]
    if kind == "rate":
        direct = entry.get("direct")
        return RateTally(
            float(entry["weight_sum"]),
            int(entry["incidents"]),
            float(direct) if direct is not None else None,
        )
    if kind == "count":
        return CountTally(int(entry["count"]))
    if kind == "proportion":
        return ProportionTally(
            float(entry["successes"]),
            float(entry["failures"]),
            int(entry.get("pending", 0)),
            int(entry.get("unknown", 0)),
        )
    if kind == "checklist":
        return ChecklistRatings(tuple(float(s) for s in entry["scores"]))
    if kind == "composition":
        return CompositionTally(
            tuple(GroupShare(g, int(n), float(s)) for g, n, s in entry["groups"])
        )
    if kind == "group_rates":
        return GroupRateTally(
            tuple(GroupRate(g, float(w), float(p)) for g, w, p in entry["groups"])
        )
    raise ValueError(f"unknown evidence kind {kind!r}")


def inputs_from_snapshot(snapshot: dict[str, Any]) -> ScoringInputs:
    return _inputs(snapshot, {})


def inputs_from_snapshots(snapshots: Sequence[dict[str, Any]]) -> list[ScoringInputs]:
    """Several periods' inputs at once, each shared unit tally read once."""
    reader = SnapshotReader()
    return [reader.inputs(snapshot) for snapshot in snapshots]


def _unit_tallies(
    entries: list[list[Any]], tallies: dict[int, UnitMonthTally]
) -> tuple[UnitMonthTally, ...]:
    found = []
    for entry in entries:
        tally = tallies.get(id(entry))
        if tally is None:
            key, month, n = entry
            tally = UnitMonthTally(key, dt.date.fromisoformat(month + "-01"), int(n))
            tallies[id(entry)] = tally
        found.append(tally)
    return tuple(found)


def _inputs(snapshot: dict[str, Any], tallies: dict[int, UnitMonthTally]) -> ScoringInputs:
    exposure = snapshot["exposure"]
    return ScoringInputs(
        evidence={code: _evidence(entry) for code, entry in snapshot["evidence"].items()},
        exposure=Exposure(
            population=float(exposure["population"]),
            years=float(exposure["years"]),
            operations=float(exposure["operations"]),
            items_delivered=float(exposure["items_delivered"]),
        ),
        reporting_open=bool(snapshot["reporting_open"]),
        unit_tallies=_unit_tallies(snapshot["unit_tallies"], tallies),
        peer_estimates={code: tuple(v) for code, v in snapshot["peers"].items()},
        suspension=SuspensionEvidence(
            mass_casualty_incidents=int(snapshot["suspension"]["mass_casualty"]),
            reprisal_incidents=int(snapshot["suspension"]["reprisal"]),
        ),
        bootstrap_seed=int(snapshot["seed"]),
        coverage=_coverage(snapshot),
    )


def _coverage(snapshot: dict[str, Any]) -> CoverageFigures | None:
    found = snapshot.get("coverage")
    if found is None:
        return None  # a snapshot from before the gate: coverage was never measured
    share = found.get("population_share")
    return CoverageFigures(
        reports=int(found["reports"]),
        partners=int(found["partners"]),
        population_share=float(share) if share is not None else None,
        overdue_reports=int(found["overdue"]),
        disruptions=int(found["disruptions"]),
        reprisals=int(snapshot["suspension"]["reprisal"]),
    )
