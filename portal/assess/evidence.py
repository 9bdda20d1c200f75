"""From the database to the scoring engine's inputs, through a stored, canonical snapshot.

`gather_snapshot` runs a handful of GROUP BY queries (never a walk over reports) and returns a
plain JSON-able dict; `inputs_from_snapshot` turns that dict into `ScoringInputs`. A scorecard is
always computed from the snapshot, never straight from the queries, so recomputing it from the
stored snapshot gives the identical result, bit for bit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session

from portal.assess.periods import Period
from portal.domain.catalogue import INDICATORS, EstimatorKind, ThresholdKind
from portal.domain.models import (
    AssessorDatum,
    ClusterState,
    Compact,
    CompactStatus,
    IncidentCluster,
    MonitoringPlan,
    Report,
    Scorecard,
    ScorecardEntry,
)
from portal.domain.months import shift_month
from portal.domain.scoring import (
    ChecklistRatings,
    CompositionTally,
    CountTally,
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

EVIDENCE = (ClusterState.VERIFIED, ClusterState.PARTIALLY_VERIFIED)
_HEX = re.compile(r"[0-9a-f]+")
RATE_CODES = tuple(i.code for i in INDICATORS if i.estimator is EstimatorKind.GAMMA_RATE)
DECIMALS = 6


def _r(value: float | None) -> float:
    return round(float(value or 0.0), DECIMALS)


class Snapshot(NamedTuple):
    """A period's canonical inputs and their digest (the seed inside is the digest's start)."""

    inputs: dict[str, Any]
    digest: str


def gather_snapshot(
    session: Session, compact: Compact, period: Period, plan: MonitoringPlan
) -> dict[str, Any]:
    return gather_snapshots(session, compact, [period], plan)[str(period)].inputs


def _monthly(session: Session, compact: Compact, first: dt.date, last: dt.date) -> list[Any]:
    """One pass over the compact's verified incidents: per indicator and month, every sum scoring
    needs. Incidents in other states add nothing to any of the sums, so they are not read."""
    verified = IncidentCluster.state == ClusterState.VERIFIED
    weight = IncidentCluster.weight
    return list(
        session.execute(
            select(
                IncidentCluster.indicator_code,
                IncidentCluster.incident_month,
                func.sum(weight),
                func.count(),
                func.sum(case((IncidentCluster.investigated_in_time.is_(True), weight), else_=0.0)),
                func.sum(
                    case((IncidentCluster.investigated_in_time.is_(False), weight), else_=0.0)
                ),
                func.sum(
                    case((and_(verified, IncidentCluster.mass_casualty.is_(True)), 1), else_=0)
                ),
                func.sum(case((verified, 1), else_=0)),
            )
            .where(
                IncidentCluster.compact_id == compact.id,
                IncidentCluster.state.in_(EVIDENCE),
                IncidentCluster.incident_month >= first,
                IncidentCluster.incident_month <= last,
            )
            .group_by(IncidentCluster.indicator_code, IncidentCluster.incident_month)
        ).all()
    )


# (incident month, [unit key, "YYYY-MM", n] as a snapshot stores it, that entry's text as
# `snapshot_digest` writes it)
_Tally = tuple[dt.date, list[Any], str]


@dataclass(frozen=True)
class _Gathered:
    """What one pass per table found for all the periods asked for, before it is split."""

    monthly: list[Any]
    reprisals: dict[dt.date, int]
    units: list[_Tally]  # in the entries' order
    assessor: list[AssessorDatum]
    peers: dict[str, dict[str, list[float]]]


def gather_snapshots(
    session: Session, compact: Compact, periods: Sequence[Period], plan: MonitoringPlan
) -> dict[str, Snapshot]:
    """Snapshots for several periods from one pass per table (a year's five scorecards cost
    about what one GROUP BY over the same incidents costs). Each period's snapshot is the one
    gathering that period alone gives: rows are split by month, never summed across periods."""
    first = min(p.first_month for p in periods)
    last = max(p.last_month for p in periods)
    # OA-3: verified reprisals whose best report is graded A–B and 1–2, per month.
    well_graded = exists().where(
        Report.cluster_id == IncidentCluster.id,
        Report.source_reliability.in_(("A", "B")),
        Report.information_credibility.in_((1, 2)),
    )
    reprisals = dict(
        session.execute(
            select(IncidentCluster.incident_month, func.count())
            .where(
                IncidentCluster.compact_id == compact.id,
                IncidentCluster.indicator_code == "OA-3",
                IncidentCluster.state.in_(EVIDENCE),
                IncidentCluster.incident_month >= first,
                IncidentCluster.incident_month <= last,
                well_graded,
            )
            .group_by(IncidentCluster.incident_month)
        ).all()
    )
    # HR-1 unit flags: each period reads the 12 months ending with it (`_snapshot`).
    units = session.execute(
        select(IncidentCluster.unit_key, IncidentCluster.incident_month, func.count())
        .where(
            IncidentCluster.compact_id == compact.id,
            IncidentCluster.indicator_code == "HR-1",
            IncidentCluster.state.in_(EVIDENCE),
            IncidentCluster.unit_key.is_not(None),
            IncidentCluster.incident_month > min(_window_start(p) for p in periods),
            IncidentCluster.incident_month <= last,
        )
        .group_by(IncidentCluster.unit_key, IncidentCluster.incident_month)
    ).all()
    # Sorted once: each period's tallies are a filtered, so still sorted, part of the list. The
    # periods' snapshots share the tallies they have in common; nothing changes a snapshot.
    found = _Gathered(
        monthly=_monthly(session, compact, first, last),
        reprisals=reprisals,
        units=_tallies(units),
        assessor=_assessor_data(session, compact, periods),
        peers=_peer_estimates(session, compact, periods),
    )
    return {str(period): _snapshot(compact, period, plan, found) for period in periods}


def _tallies(units: Sequence[Any]) -> list[_Tally]:
    """The unit tallies of every period, each entry and its text made once (a batch's rows are
    thousands of (unit, month) pairs over a few hundred units and a few months)."""
    months: dict[dt.date, str] = {}
    plain: dict[str, bool] = {}
    tallies: list[_Tally] = []
    # In the entries' order: unit key, then "YYYY-MM", then count.
    keyed = (row for row in units if row[0])
    for key, month, n in sorted(keyed, key=lambda r: (r[0], r[1].year, r[1].month, r[2])):
        name = months.get(month)
        if name is None:
            name = months[month] = month.isoformat()[:7]
        hexadecimal = plain.get(key)
        if hexadecimal is None:
            hexadecimal = plain[key] = _HEX.fullmatch(key) is not None
        entry = [key, name, int(n)]
        # A hexadecimal key needs no escaping: this is the text json.dumps writes for the entry.
        text = f'["{key}","{name}",{entry[2]}]' if hexadecimal else _canonical(entry)
        tallies.append((month, entry, text))
    return tallies


def _window_start(period: Period) -> dt.date:
    """Unit flags look at the 12 incident months ending with the period: after this month."""
    return shift_month(period.last_month, -12)


def _snapshot(compact: Compact, period: Period, plan: MonitoringPlan, found: _Gathered) -> Snapshot:
    start, end = period.first_month, period.last_month
    rows = [r for r in found.monthly if start <= r[1] <= end]
    evidence: dict[str, dict[str, Any]] = {}
    rate: dict[str, list[float]] = {}
    for code, _month, weight_sum, count, *_rest in sorted(rows, key=lambda r: (r[0], r[1])):
        if code in RATE_CODES and count:
            total = rate.setdefault(code, [0.0, 0])
            total[0] += float(weight_sum or 0.0)
            total[1] += int(count)
    for code, (weight_sum, count) in rate.items():
        evidence[code] = {"kind": "rate", "weight_sum": _r(weight_sum), "incidents": int(count)}
    oa3 = sum(n for month, n in found.reprisals.items() if start <= month <= end)
    if oa3:
        evidence["OA-3"] = {"kind": "count", "count": int(oa3)}
    # OA-1 and CH-2: of verified incidents, the weight investigated (or acknowledged) in time.
    for code, sources in (("OA-1", ("HR-1", "CH-1")), ("CH-2", ("CH-1",))):
        yes = sum(float(r[4] or 0.0) for r in rows if r[0] in sources)
        no = sum(float(r[5] or 0.0) for r in rows if r[0] in sources)
        if yes or no:
            evidence[code] = {"kind": "proportion", "successes": _r(yes), "failures": _r(no)}
    wanted = {str(period), str(period.year)}
    _add_assessor_data([d for d in found.assessor if d.period in wanted], evidence)
    window_start = _window_start(period)
    tallies = [t for t in found.units if window_start < t[0] <= end]
    exposure = plan.exposure or {}
    snapshot: dict[str, Any] = {
        "compact": compact.public_id,
        "period": str(period),
        "plan_version": plan.version,
        "catalogue_version": plan.catalogue_version,
        "reporting_open": compact.status == CompactStatus.ACTIVE
        and compact.start_day <= period.first_month
        and period.end_day <= compact.end_day,
        "exposure": {
            "population": _r(exposure.get("population", compact.population)),
            "years": period.years,
            "operations": _r(exposure.get("operations")),
            "items_delivered": _r(exposure.get("items_delivered")),
        },
        "evidence": dict(sorted(evidence.items())),
        "unit_tallies": [entry for _month, entry, _text in tallies],
        "peers": found.peers.get(str(period), {}),
        "suspension": {
            "mass_casualty": int(sum(int(r[6] or 0) for r in rows)),
            "reprisal": int(sum(int(r[7] or 0) for r in rows if r[0] == "OA-3")),
        },
    }
    digest = _digest(snapshot, tallies)
    snapshot["seed"] = int(digest[:8], 16)
    return Snapshot(snapshot, digest)


def _assessor_data(
    session: Session, compact: Compact, periods: Sequence[Period]
) -> list[AssessorDatum]:
    """Every assessor entry any of the periods reads: its own and, for a quarter, its year's."""
    wanted = {str(p) for p in periods} | {str(p.year) for p in periods}
    return list(
        session.scalars(
            select(AssessorDatum)
            .where(AssessorDatum.compact_id == compact.id, AssessorDatum.period.in_(wanted))
            .order_by(AssessorDatum.id)
        ).all()
    )


def _add_assessor_data(rows: list[AssessorDatum], evidence: dict[str, dict[str, Any]]) -> None:
    """The newest assessor entry per indicator for this period (or, for a quarter, its year)."""
    for row in rows:  # in id order: later rows (newer entries) win
        values = dict(row.values)
        kind = values.get("kind")
        code = row.indicator_code
        if kind == "proportion":
            evidence[code] = {
                "kind": "proportion",
                "successes": _r(values["successes"]),
                "failures": _r(values["failures"]),
            }
        elif kind == "checklist":
            evidence[code] = {"kind": "checklist", "scores": [_r(s) for s in values["scores"]]}
        elif kind == "composition":
            evidence[code] = {
                "kind": "composition",
                "groups": [
                    [g["group"], int(g["force_count"]), _r(g["population_share"])]
                    for g in sorted(values["groups"], key=lambda g: g["group"])
                ],
            }
        elif kind == "group_rates":
            evidence[code] = {
                "kind": "group_rates",
                "groups": [
                    [g["group"], _r(g["weight_sum"]), _r(g["population"])]
                    for g in sorted(values["groups"], key=lambda g: g["group"])
                ],
            }
        elif kind == "diverted_items" and code == "AD-1":
            found = evidence.get("AD-1", {"kind": "rate", "weight_sum": 0.0, "incidents": 0})
            found["weight_sum"] = _r(found["weight_sum"] + float(values["items"]))
            found["incidents"] = int(found["incidents"]) + int(values["items"])
            evidence["AD-1"] = found


def _peer_estimates(
    session: Session, compact: Compact, periods: Sequence[Period]
) -> dict[str, dict[str, list[float]]]:
    """Per period, other compacts of the same fragility band: their latest estimate for it."""
    peer_codes = [i.code for i in INDICATORS if i.pass_rule.kind is ThresholdKind.PEER_MEDIAN]
    latest = (
        select(Scorecard.period, func.max(Scorecard.id).label("sid"))
        .join(Compact, Compact.id == Scorecard.compact_id)
        .where(
            Scorecard.period.in_({str(p) for p in periods}),
            Compact.id != compact.id,
            Compact.fragility_band == compact.fragility_band,
        )
        .group_by(Scorecard.compact_id, Scorecard.period)
        .subquery()
    )
    peers: dict[str, dict[str, list[float]]] = {}
    for period, code, estimate in session.execute(
        select(latest.c.period, ScorecardEntry.indicator_code, ScorecardEntry.estimate)
        .join(latest, latest.c.sid == ScorecardEntry.scorecard_id)
        .where(ScorecardEntry.indicator_code.in_(peer_codes), ScorecardEntry.estimate.is_not(None))
    ):
        peers.setdefault(period, {}).setdefault(code, []).append(_r(estimate))
    return {
        period: {code: sorted(values) for code, values in sorted(found.items())}
        for period, found in peers.items()
    }


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def snapshot_digest(snapshot: dict[str, Any]) -> str:
    body = {k: v for k, v in snapshot.items() if k != "seed"}
    return hashlib.sha256(_canonical(body).encode()).hexdigest()


def _digest(snapshot: dict[str, Any], tallies: list[_Tally]) -> str:
    """`snapshot_digest`, with the unit tallies (most of a snapshot's text) written once for all
    the periods of a batch. "unit_tallies" is the last key in sorted order: its text ends the
    object."""
    body = {k: v for k, v in snapshot.items() if k not in ("seed", "unit_tallies")}
    if any(key > "unit_tallies" for key in body):
        return snapshot_digest(snapshot)
    units = ",".join(text for _month, _entry, text in tallies)
    canonical = f'{_canonical(body)[:-1]},"unit_tallies":[{units}]}}'
    return hashlib.sha256(canonical.encode()).hexdigest()


def _evidence(entry: dict[str, Any]) -> Evidence:
    kind = entry["kind"]
    if kind == "rate":
        return RateTally(float(entry["weight_sum"]), int(entry["incidents"]))
    if kind == "count":
        return CountTally(int(entry["count"]))
    if kind == "proportion":
        return ProportionTally(float(entry["successes"]), float(entry["failures"]))
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
    """Several periods' inputs at once. Their unit tallies overlap (a year and its fourth quarter
    read the same twelve months) and `gather_snapshots` lets them share each tally's entry, so an
    entry is read once. Entries are told apart by identity, which is safe while the snapshots,
    and so their entries, are alive: for the whole call."""
    tallies: dict[int, UnitMonthTally] = {}
    return [_inputs(snapshot, tallies) for snapshot in snapshots]


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
    )
