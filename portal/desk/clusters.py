"""Incident clusters: reports about one event, their weight, corroboration and verification.

A cluster's weight is the noisy-OR of its graded reports' weights (shared/domain/indicators.md):
independent corroboration raises confidence, and a rejected report adds nothing. Verifying a
cluster changes the evidence behind a compact's indicators, so it queues a scoring job.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, defer

from portal import audit
from portal.domain.models import (
    ClusterOrganisation,
    ClusterState,
    IncidentCluster,
    Report,
    User,
)
from portal.domain.models.base import today
from portal.domain.months import shift_month
from portal.domain.scoring import incident_weight, report_weight
from portal.domain.workflow import ReportStatus
from portal.jobs.outbox import add_job

EVIDENCE_STATES = frozenset({ClusterState.VERIFIED, ClusterState.PARTIALLY_VERIFIED})


def new_cluster(session: Session, user: User, report: Report) -> IncidentCluster:
    """Start a cluster from one report: its indicator, region and month describe the event."""
    cluster = IncidentCluster(
        desk_id=report.desk_id,
        compact_id=report.compact_id,
        indicator_code=report.primary_indicator,
        region=report.region,
        incident_month=report.incident_month,
        unit_key=report.unit_key,
    )
    session.add(cluster)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        action="cluster.create",
        object_type="cluster",
        object_id=cluster.public_id,
    )
    link(session, user, report, cluster)
    return cluster


def link(session: Session, user: User, report: Report, cluster: IncidentCluster) -> None:
    if cluster.desk_id != report.desk_id:
        raise ValueError("a cluster holds reports of one desk")
    previous = report.cluster_id
    report.cluster_id = cluster.id
    if report.organisation_id is not None:
        known = session.scalar(
            select(ClusterOrganisation.id).where(
                ClusterOrganisation.cluster_id == cluster.id,
                ClusterOrganisation.organisation_id == report.organisation_id,
            )
        )
        if known is None:
            session.add(
                ClusterOrganisation(cluster_id=cluster.id, organisation_id=report.organisation_id)
            )
    if cluster.unit_key is None and report.unit_key is not None:
        cluster.unit_key = report.unit_key
    session.flush()
    recompute_weight(session, cluster.id)
    if previous is not None and previous != cluster.id:
        recompute_weight(session, previous)
    audit.record(
        session,
        actor_id=user.id,
        action="cluster.link",
        object_type="report",
        object_id=report.public_id,
        detail={"cluster": cluster.public_id},
    )


def unlink(session: Session, user: User, report: Report) -> None:
    cluster_id = report.cluster_id
    if cluster_id is None:
        return
    report.cluster_id = None
    session.flush()
    _refresh_organisations(session, cluster_id)
    recompute_weight(session, cluster_id)
    audit.record(
        session,
        actor_id=user.id,
        action="cluster.unlink",
        object_type="report",
        object_id=report.public_id,
    )


def _refresh_organisations(session: Session, cluster_id: int) -> None:
    still = set(
        session.scalars(
            select(Report.organisation_id).where(
                Report.cluster_id == cluster_id, Report.organisation_id.is_not(None)
            )
        )
    )
    session.execute(
        delete(ClusterOrganisation).where(
            ClusterOrganisation.cluster_id == cluster_id,
            ClusterOrganisation.organisation_id.not_in(still or {-1}),
        )
    )


def member_weights(session: Session, cluster_id: int) -> list[float]:
    rows = session.execute(
        select(Report.source_reliability, Report.information_credibility).where(
            Report.cluster_id == cluster_id,
            Report.status != ReportStatus.REJECTED,
            Report.source_reliability.is_not(None),
            Report.information_credibility.is_not(None),
        )
    ).all()
    return [report_weight(r, c) for r, c in rows if r is not None and c is not None]


def recompute_weight(session: Session, cluster_id: int) -> float:
    cluster = session.get(IncidentCluster, cluster_id)
    if cluster is None:
        return 0.0
    cluster.weight = incident_weight(member_weights(session, cluster_id))
    return cluster.weight


def set_state(
    session: Session,
    user: User,
    cluster: IncidentCluster,
    state: ClusterState,
    *,
    mass_casualty: bool | None = None,
    investigated_in_time: bool | None = None,
) -> list[int]:
    """Returns the outbox ids to dispatch after commit (the scoring job, when evidence moved)."""
    previous = cluster.state
    cluster.state = state
    if mass_casualty is not None:
        cluster.mass_casualty = mass_casualty
    if investigated_in_time is not None:
        cluster.investigated_in_time = investigated_in_time
    cluster.verified_day = today() if state in EVIDENCE_STATES else None
    recompute_weight(session, cluster.id)
    audit.record(
        session,
        actor_id=user.id,
        action="cluster.state",
        object_type="cluster",
        object_id=cluster.public_id,
        detail={"from": previous.value, "to": state.value},
    )
    if cluster.compact_id is not None and (state in EVIDENCE_STATES or previous in EVIDENCE_STATES):
        job = add_job(session, "scoring", "scorecards_stale", compact_id=cluster.compact_id)
        session.flush()
        return [job.id]
    return []


# Duplicate suggestions weigh a pair the way record linkage does (Fellegi & Sunter, 1969): a
# field two reports agree on adds log2(m / u) bits, a field they disagree on adds
# log2((1 - m) / (1 - u)), a field either left empty nothing. m is how often two accounts of one
# event agree on the field; u how often an account of another event happens to, counted value by
# value among the candidates themselves, so a shared rare indicator, force or place says more
# than a notorious checkpoint that half the candidates name. The m are round figures for how
# people recall an event, not fitted to a test set (docs/desk.md gives recall over many sets).
SAME_EVENT_AGREES: Final = {
    "region": 0.95,  # people know where it happened; a village on a border sits in the next one
    "month": 0.85,  # a date remembered a few days off crosses into the month before or after
    "force": 0.8,  # police, army and militia share checkpoints, vehicles and uniforms
    "indicator": 0.95,  # all describe what happened, some add a second thing or call it otherwise
    "unit": 0.7,  # a unit or place in other words: "ERD", "Emergency Response Division"
    "place": 0.7,
    "day": 0.8,  # an exact date given by both, sometimes a day off
}
# Someone who does not know who they were tells nothing about the force.
UNKNOWN_FORCE = "unknown"
# Accounts of one event reach the desk over days to weeks after it: the gap between two arrivals
# is taken as exponential with this mean, and compared in these bands of days.
ARRIVAL_GAP_MEAN_DAYS = 10.0
ARRIVAL_GAP_BANDS = (0, 2, 5, 10, 20, 40)
# Accounts of one event back each other: a candidate that one of the report's few most alike
# candidates finds alike too gains half of that second-hand evidence (the weaker of the two
# links), up to the evidence for the candidate vouching for it. Only candidates the evidence
# already favours 8 to 1 (3 bits) vouch for others.
VOUCHERS = 3
VOUCHER_BITS = 3.0
SECOND_HAND_SHARE = 0.5


@dataclass(frozen=True)
class Suggestion:
    report: Report
    score: float  # evidence for the same event, in bits: +1 doubles the odds


def _codes(report: Report) -> frozenset[str]:
    return frozenset(i.indicator_code for i in report.indicators) or frozenset(
        {report.primary_indicator}
    )


def _values(report: Report, codes: frozenset[str]) -> list[tuple[str, object]]:
    """What a report is compared on, each value counted for u."""
    coarse: list[tuple[str, object]] = [
        ("region", report.region),
        ("month", report.incident_month),
        ("force", report.force_branch),
    ]
    keyed = [
        (field, key)
        for field, key in (
            ("unit", report.unit_key),
            ("place", report.place_key),
            ("day", report.day_key),
        )
        if key
    ]
    return [*coarse, *(("indicator", code) for code in sorted(codes)), *keyed]


def _gap_band(a: Report, b: Report) -> int:
    return bisect.bisect_left(ARRIVAL_GAP_BANDS, abs((a.created_day - b.created_day).days))


def _arrived_within(days: int) -> float:
    """P(two accounts of one event arrive at most `days` whole days apart)."""
    return 1 - math.exp(-(days + 1) / ARRIVAL_GAP_MEAN_DAYS) if days >= 0 else 0.0


_BAND_EDGES = (-1, *ARRIVAL_GAP_BANDS)
# m for each gap band; the last band is everything beyond the last edge.
_SAME_EVENT_GAP = (
    *(_arrived_within(hi) - _arrived_within(lo) for lo, hi in itertools.pairwise(_BAND_EDGES)),
    1 - _arrived_within(ARRIVAL_GAP_BANDS[-1]),
)


def _evidence(field: str, agree: bool, chance: float) -> float:
    m = SAME_EVENT_AGREES[field]
    return math.log2(m / chance) if agree else math.log2((1 - m) / (1 - chance))


class CandidatePool:
    """One report among its candidates, with how common each of its values is among them (the
    u side of the evidence): the weight of each agreement and disagreement is set once here."""

    def __init__(
        self,
        report: Report,
        in_play: Sequence[Report],
        codes: Mapping[int, frozenset[str]],
        tally: Counter[tuple[str, object]],
    ) -> None:
        """`in_play` holds the report and its candidates; `tally` counts the values of all of
        them, so the candidates' counts are the tally less the report's own values."""
        self.report = report
        self.codes = codes
        self.size = len(in_play) - 1
        self._tally = tally
        self._own = Counter(_values(report, codes[report.id]))
        mine = codes[report.id]
        others = [r for r in in_play if r.id != report.id]
        sharing = sum(1 for r in others if mine & codes[r.id])
        self._no_shared_indicator = _evidence("indicator", False, (sharing + 1) / (self.size + 2))
        gaps = Counter(_gap_band(report, r) for r in others)
        self._arrival = [
            math.log2(m / ((gaps[band] + 1) / (self.size + len(_SAME_EVENT_GAP))))
            for band, m in enumerate(_SAME_EVENT_GAP)
        ]
        # (field, the report's value, bits if equal, bits if not), for the fields it filled in.
        self._fields = [
            (field, value, *self._weights(field, value))
            for field, value in _values(report, frozenset())
            if value is not None and not (field == "force" and value == UNKNOWN_FORCE)
        ]

    def _weights(self, field: str, value: object) -> tuple[float, float]:
        chance = self.chance(field, value)
        return _evidence(field, True, chance), _evidence(field, False, chance)

    def chance(self, field: str, value: object) -> float:
        """u: how likely a report of another event carries `value` (add-one smoothed)."""
        count = self._tally[(field, value)] - self._own[(field, value)]
        return (count + 1) / (self.size + 2)

    def evidence_for(self, candidate: Report) -> float:
        """Evidence, in bits, from clear coarse fields and keyed hashes alone, that `candidate`
        tells of the same event as the pool's report."""
        report = self.report
        evidence = 0.0
        for field, mine, equal, unequal in self._fields:
            theirs = _FIELD_OF[field](candidate)
            if theirs is None or (field == "force" and theirs == UNKNOWN_FORCE):
                continue
            if mine == theirs:
                evidence += equal
            elif field not in _NAMES or report.language == candidate.language:
                evidence += unequal
            # else: a name written in another language or script never hashes alike.
        shared = self.codes[report.id] & self.codes[candidate.id]
        if shared:
            chance = min(self.chance("indicator", code) for code in shared)
            evidence += _evidence("indicator", True, chance)
        else:
            evidence += self._no_shared_indicator
        # An organisation filing a batch gives all its reports one day: no evidence then.
        if report.organisation_id is None or report.organisation_id != candidate.organisation_id:
            evidence += self._arrival[_gap_band(report, candidate)]
        return evidence


_FIELD_OF: Final[dict[str, Callable[[Report], object]]] = {
    "region": lambda r: r.region,
    "month": lambda r: r.incident_month,
    "force": lambda r: r.force_branch,
    "unit": lambda r: r.unit_key,
    "place": lambda r: r.place_key,
    "day": lambda r: r.day_key,
}
_NAMES = frozenset({"unit", "place"})


def suggest_duplicates(
    session: Session, report: Report, *, limit: int = 5, window: int = 1000
) -> list[Suggestion]:
    """Reports of the same desk within a month either side, most alike first; only those the
    evidence favours (a positive score)."""
    candidates = session.scalars(
        select(Report)
        .where(
            Report.desk_id == report.desk_id,
            Report.id != report.id,
            Report.incident_month.between(
                shift_month(report.incident_month, -1), shift_month(report.incident_month, 1)
            ),
            Report.status != ReportStatus.REJECTED,
        )
        .options(defer(Report.payload_sealed))
        .order_by(Report.id.desc())
        .limit(window)
    ).all()
    scored = [
        (score, c)
        for score, c in rank_duplicates(report, candidates)
        if report.cluster_id is None or c.cluster_id != report.cluster_id
    ]
    return [Suggestion(c, round(score, 1)) for score, c in scored[:limit] if score > 0]


def rank_duplicates(report: Report, candidates: Sequence[Report]) -> list[tuple[float, Report]]:
    """Every candidate with its evidence, direct and second-hand, most alike first."""
    in_play = [report, *candidates]
    codes = {r.id: _codes(r) for r in in_play}
    tally = Counter(value for r in in_play for value in _values(r, codes[r.id]))
    pool = CandidatePool(report, in_play, codes, tally)
    direct = {c.id: pool.evidence_for(c) for c in candidates}
    ranked = sorted(candidates, key=lambda c: (-direct[c.id], -c.id))
    total = dict(direct)
    for voucher in ranked[:VOUCHERS]:
        if direct[voucher.id] < VOUCHER_BITS:
            break
        # The voucher's candidates are taken as the report's (the same desk, a month apart).
        voucher_pool = CandidatePool(voucher, in_play, codes, tally)
        for c in candidates:
            if c.id != voucher.id:
                link = min(direct[voucher.id], voucher_pool.evidence_for(c))
                # One is never surer of a report through another than of that other.
                lifted = min(direct[c.id] + SECOND_HAND_SHARE * link, direct[voucher.id])
                total[c.id] = max(total[c.id], lifted)
    scored = [(total[c.id], c) for c in candidates]
    scored.sort(key=lambda pair: (-pair[0], -direct[pair[1].id], -pair[1].id))
    return scored
