"""From the database to the scoring engine's inputs, through a stored, canonical snapshot.

`gather_snapshot` runs a handful of GROUP BY queries (never a walk over reports) and returns a
plain JSON-able dict; `inputs_from_snapshot` (snapshot_inputs.py) turns that dict into
`ScoringInputs`. A scorecard is always computed from the snapshot, never straight from the
queries, so recomputing it from the stored snapshot gives the identical result, bit for bit.
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

from portal.assess import coverage
from portal.assess.data_kinds import standing
from portal.assess.periods import Period
from portal.assess.plans import plan_rules, region_population
from portal.assess.snapshot_inputs import (
    SnapshotReader,
    inputs_from_snapshot,
    inputs_from_snapshots,
)
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
from portal.domain.models.base import today as base_today
from portal.domain.months import shift_month
from portal.domain.scoring import PlanRules

EVIDENCE = (ClusterState.VERIFIED, ClusterState.PARTIALLY_VERIFIED)
_HEX = re.compile(r"[0-9a-f]+")
RATE_CODES = tuple(i.code for i in INDICATORS if i.estimator is EstimatorKind.GAMMA_RATE)
DECIMALS = 6


def _r(value: float | None) -> float:
    return round(float(value or 0.0), DECIMALS)


class Snapshot(NamedTuple):
    """A period's canonical inputs and their digest (the seed inside is the digest's start),
    and the early warnings read in the same pass (shown, never scored, so not in the digest)."""

    inputs: dict[str, Any]
    digest: str
    early_warning: dict[str, int]


def gather_snapshot(
    session: Session,
    compact: Compact,
    period: Period,
    plan: MonitoringPlan,
    today: dt.date | None = None,
) -> dict[str, Any]:
    return gather_snapshots(session, compact, [period], plan, today)[str(period)].inputs


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
    reports: coverage.ReportCounts
    records: coverage.MonitoringRecords
    clocks: list[coverage.ClockRow]
    rules: PlanRules
    today: dt.date


def gather_snapshots(
    session: Session,
    compact: Compact,
    periods: Sequence[Period],
    plan: MonitoringPlan,
    today: dt.date | None = None,
) -> dict[str, Snapshot]:
    """Snapshots for several periods from one pass per table (a year's five scorecards cost
    about what one GROUP BY over the same incidents costs). Each period's snapshot is the one
    gathering that period alone gives: rows are split by month, never summed across periods.
    `today` decides which response windows have closed and which reports are overdue."""
    today = today or base_today()
    rules = plan_rules(plan)
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
        reports=coverage.report_counts(session, compact, first, last, rules, today),
        records=coverage.monitoring_records(session, compact, periods),
        clocks=coverage.clock_rows(session, compact, periods, rules),
        rules=rules,
        today=today,
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
    # OA-1 and CH-2 run on clocks: incidents whose response window closed in the period.
    evidence.update(coverage.clock_tallies(period, found.clocks, found.rules, found.today))
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
            "mass_casualty": int(sum(int(r[4] or 0) for r in rows)),
            "reprisal": int(sum(int(r[5] or 0) for r in rows if r[0] == "OA-3")),
        },
        "coverage": coverage.coverage_figures(
            period, found.reports, found.records, region_population(plan)
        ),
    }
    digest = _digest(snapshot, tallies)
    snapshot["seed"] = int(digest[:8], 16)
    return Snapshot(snapshot, digest, coverage.early_warning(found.reports, period))


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
    """The newest assessor entry per indicator for this period (or, for a quarter, its year).

    For most indicators the assessor's data is the evidence. For OA-1 and CH-2 (incident clocks)
    the entry adds to the incident tally, and for AD-1 audited items are counted beside the
    reports: indicators.md, "assessor-entered counts never silently replace the tally".
    """
    newest: dict[str, dict[str, Any]] = {}
    # Corrected, withdrawn and unreadable entries are left out: one wrong row never breaks the
    # scorecard (portal/assess/data_kinds.py).
    for row in standing(rows):  # in id order: later rows (newer entries) win
        newest[row.indicator_code] = dict(row.values)
    for code, values in sorted(newest.items()):
        kind = values.get("kind")
        if kind == "proportion" and code in coverage.CLOCK_SOURCES:
            found = evidence.get(code, {"kind": "proportion", "successes": 0.0,
                                        "failures": 0.0, "pending": 0, "unknown": 0})
            found["successes"] = _r(found["successes"] + float(values["successes"]))
            found["failures"] = _r(found["failures"] + float(values["failures"]))
            found["assessor"] = {"successes": _r(values["successes"]),
                                 "failures": _r(values["failures"])}
            evidence[code] = found
        elif kind == "proportion":
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
            found["direct"] = _r(float(values["items"]))
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
    # indicators.md: peers are compacts whose monitoring met their own plan's minimum; a
    # compact whose newest scorecard did not is left out rather than read from an older one.
    for period, code, estimate in session.execute(
        select(latest.c.period, ScorecardEntry.indicator_code, ScorecardEntry.estimate)
        .join(latest, latest.c.sid == ScorecardEntry.scorecard_id)
        .join(Scorecard, Scorecard.id == latest.c.sid)
        .where(
            ScorecardEntry.indicator_code.in_(peer_codes),
            ScorecardEntry.estimate.is_not(None),
            Scorecard.coverage_met.is_(True),
        )
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



__all__ = [
    "Snapshot",
    "SnapshotReader",
    "gather_snapshot",
    "gather_snapshots",
    "inputs_from_snapshot",
    "inputs_from_snapshots",
    "snapshot_digest",
]
