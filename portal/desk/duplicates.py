"""Duplicate suggestions: the reports that may tell of the same event as a report.

Found from clear coarse fields and keyed hashes alone, never plaintext (docs/desk.md): nothing is
unsealed to suggest them and nothing is stored for them.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import ColumnElement, Row, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from portal.domain.models import Report, ReportIndicator
from portal.domain.months import shift_month
from portal.domain.workflow import ReportStatus

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


@dataclass(frozen=True, slots=True)
class _Told:
    """What a report tells the comparison, read once from the row (ORM attributes are slow to
    read a thousand times over)."""

    id: int
    region: str | None
    month: dt.date
    force: str | None  # None when the reporter did not know who they were
    unit: str | None
    place: str | None
    day: str | None
    codes: frozenset[str]
    language: str
    organisation: int | None
    arrived: int  # the created day's ordinal

    @classmethod
    def of(cls, report: Report) -> _Told:
        codes = {i.indicator_code for i in report.indicators}
        return cls.given([getattr(report, column.key) for column in _TOLD_COLUMNS], codes)

    @classmethod
    def given(cls, values: Sequence[Any], codes: set[str]) -> _Told:
        """From the values of `_TOLD_COLUMNS` in that order (a row of them), and the report's
        indicator codes (its primary indicator when it has no indicator rows)."""
        (id_, region, month, force, unit, place, day, language, organisation, created, primary) = (
            values[: len(_TOLD_COLUMNS)]
        )
        return cls(
            id_,
            region,
            month,
            None if force == UNKNOWN_FORCE else force,
            unit,
            place,
            day,
            frozenset(codes or {primary}),
            language,
            organisation,
            created.toordinal(),
        )

    def fields(self) -> tuple[tuple[str, object], ...]:
        """The compared fields, None where the reporter left them empty."""
        return (
            ("region", self.region),
            ("month", self.month),
            ("force", self.force),
            ("unit", self.unit),
            ("place", self.place),
            ("day", self.day),
        )

    def values(self) -> list[tuple[str, object]]:
        """What is counted for u: the fields given, and each indicator code."""
        given = [(name, value) for name, value in self.fields() if value is not None]
        return given + [("indicator", code) for code in self.codes]


# What the suggestion query reads of each candidate: no sealed column, no ORM object.
_TOLD_COLUMNS = (
    Report.id,
    Report.region,
    Report.incident_month,
    Report.force_branch,
    Report.unit_key,
    Report.place_key,
    Report.day_key,
    Report.language,
    Report.organisation_id,
    Report.created_day,
    Report.primary_indicator,
)


def _gap_band(a: _Told, b: _Told) -> int:
    return bisect.bisect_left(ARRIVAL_GAP_BANDS, abs(a.arrived - b.arrived))


def _arrived_within(days: int) -> float:
    """P(two accounts of one event arrive at most `days` whole days apart)."""
    return 1 - math.exp(-(days + 1) / ARRIVAL_GAP_MEAN_DAYS) if days >= 0 else 0.0


_BAND_EDGES = (-1, *ARRIVAL_GAP_BANDS)
# m for each gap band; the last band is everything beyond the last edge.
_SAME_EVENT_GAP = (
    *(_arrived_within(hi) - _arrived_within(lo) for lo, hi in itertools.pairwise(_BAND_EDGES)),
    1 - _arrived_within(ARRIVAL_GAP_BANDS[-1]),
)
_NAMES = frozenset({"unit", "place"})


def _evidence(field: str, agree: bool, chance: float) -> float:
    m = SAME_EVENT_AGREES[field]
    return math.log2(m / chance) if agree else math.log2((1 - m) / (1 - chance))


class _InPlay:
    """A report and its candidates, counted once for all the pools drawn from them."""

    def __init__(self, told: Sequence[_Told]) -> None:
        self.size = len(told)
        self.tally = Counter(value for t in told for value in t.values())
        self.code_sets = Counter(t.codes for t in told)
        self.arrivals = sorted(t.arrived for t in told)

    def arrived_within(self, day: int, days: int) -> int:
        """How many arrived at most `days` days from `day`."""
        return bisect.bisect_right(self.arrivals, day + days) - bisect.bisect_left(
            self.arrivals, day - days
        )


class CandidatePool:
    """One report among its candidates, with how common each of its values is among them (the
    u side of the evidence): the weight of each agreement and disagreement is set once here."""

    def __init__(self, told: _Told, in_play: _InPlay) -> None:
        """`in_play` counts the report and its candidates, so the candidates' counts are those
        less the report's own."""
        self.told = told
        self.size = in_play.size - 1
        self._tally = in_play.tally
        self._own = Counter(told.values())
        sharing = sum(n for codes, n in in_play.code_sets.items() if codes & told.codes) - 1
        self._no_shared_indicator = _evidence("indicator", False, (sharing + 1) / (self.size + 2))
        # Candidates per arrival-gap band: within each band's upper edge, less the report itself.
        within = [in_play.arrived_within(told.arrived, e) - 1 for e in ARRIVAL_GAP_BANDS]
        gaps = [b - a for a, b in itertools.pairwise([0, *within, self.size])]
        self._arrival = [
            math.log2(m / ((gap + 1) / (self.size + len(_SAME_EVENT_GAP))))
            for gap, m in zip(gaps, _SAME_EVENT_GAP, strict=True)
        ]
        # (position in fields(), field, the report's value, bits if equal, bits if not).
        self._weights = [
            (n, field, value, *self._agreement(field, value))
            for n, (field, value) in enumerate(told.fields())
            if value is not None
        ]

    def _agreement(self, field: str, value: object) -> tuple[float, float]:
        chance = self.chance(field, value)
        return _evidence(field, True, chance), _evidence(field, False, chance)

    def chance(self, field: str, value: object) -> float:
        """u: how likely a report of another event carries `value` (add-one smoothed)."""
        count = self._tally[(field, value)] - self._own[(field, value)]
        return (count + 1) / (self.size + 2)

    def evidence_for(self, candidate: _Told) -> float:
        """Evidence, in bits, from clear coarse fields and keyed hashes alone, that `candidate`
        tells of the same event as the pool's report."""
        told = self.told
        theirs = candidate.fields()
        evidence = 0.0
        for n, field, mine, equal, unequal in self._weights:
            their = theirs[n][1]
            if their is None:
                continue
            if mine == their:
                evidence += equal
            elif field not in _NAMES or told.language == candidate.language:
                evidence += unequal
            # else: a name written in another language or script never hashes alike.
        shared = told.codes & candidate.codes
        if shared:
            chance = min(self.chance("indicator", code) for code in shared)
            evidence += _evidence("indicator", True, chance)
        else:
            evidence += self._no_shared_indicator
        # An organisation filing a batch gives all its reports one day: no evidence then.
        if told.organisation is None or told.organisation != candidate.organisation:
            evidence += self._arrival[_gap_band(told, candidate)]
        return evidence


# At most this many reports sharing the report's unit or place are added from beyond the window.
NAMED_BEYOND_WINDOW = 100


def suggest_duplicates(
    session: Session, report: Report, *, limit: int = 5, window: int = 1000
) -> list[Suggestion]:
    """Reports of the same desk within a month either side, most alike first; only those the
    evidence favours (a positive score), and none of the report's own incident.

    The candidates are the `window` such reports that reached the desk nearest in time to the
    report (ids follow arrival), half after it and the rest before: accounts of one event
    arrive close together, and each half is one walk of the primary key from the report's id.
    On a busy desk that is a few days of arrivals, so reports that share the report's unit or
    place key are added from the whole three months (the latest NAMED_BEYOND_WINDOW of them).
    """
    later = _candidate_rows(session, report, window // 2, Report.id > report.id, Report.id)
    before = window - len({row.id for row in later})
    earlier = _candidate_rows(session, report, before, Report.id < report.id, Report.id.desc())
    rows = [*later, *earlier]
    names = [
        column == key
        for column, key in (
            (Report.unit_key, report.unit_key),
            (Report.place_key, report.place_key),
        )
        if key is not None
    ]
    if names:
        rows += _candidate_rows(session, report, NAMED_BEYOND_WINDOW, or_(*names), Report.id.desc())
    first_rows: dict[int, Row[Any]] = {}
    codes: dict[int, set[str]] = {}
    for row in rows:  # a row per indicator of a candidate
        first_rows.setdefault(row.id, row)
        codes.setdefault(row.id, set())
        if row.indicator_code is not None:
            codes[row.id].add(row.indicator_code)
    others = [_Told.given(row, codes[report_id]) for report_id, row in first_rows.items()]
    same_incident = {
        report_id
        for report_id, row in first_rows.items()
        if report.cluster_id is not None and row.cluster_id == report.cluster_id
    }
    ranked = _rank(_Told.of(report), others, keep=limit + len(same_incident))
    best = [(s, i) for s, i in ranked if s > 0 and i not in same_incident][:limit]
    shown = session.scalars(select(Report).where(Report.id.in_([i for _, i in best])))
    by_id = {r.id: r for r in shown}
    return [Suggestion(by_id[report_id], round(score, 1)) for score, report_id in best]


def _candidate_rows(
    session: Session,
    report: Report,
    count: int,
    condition: ColumnElement[bool],
    order: ColumnElement[Any] | InstrumentedAttribute[int],
) -> Sequence[Row[Any]]:
    """`_TOLD_COLUMNS`, the cluster and one indicator code a row, of the first `count` of the
    report's candidates that meet `condition`, in `order`."""
    chosen = (
        select(*_TOLD_COLUMNS, Report.cluster_id)
        .where(
            Report.desk_id == report.desk_id,
            Report.id != report.id,
            condition,
            Report.incident_month.between(
                shift_month(report.incident_month, -1), shift_month(report.incident_month, 1)
            ),
            Report.status != ReportStatus.REJECTED,
        )
        .order_by(order)
        .limit(count)
        .subquery()
    )
    return session.execute(
        select(chosen, ReportIndicator.indicator_code).outerjoin(
            ReportIndicator, ReportIndicator.report_id == chosen.c.id
        )
    ).all()


def rank_duplicates(report: Report, candidates: Sequence[Report]) -> list[tuple[float, Report]]:
    """Every candidate with its evidence, direct and second-hand, most alike first."""
    by_id = {c.id: c for c in candidates}
    return [
        (score, by_id[i]) for score, i in _rank(_Told.of(report), [_Told.of(c) for c in candidates])
    ]


def _rank(
    told: _Told, others: Sequence[_Told], *, keep: int | None = None
) -> list[tuple[float, int]]:
    """(evidence, id) of the candidates, most alike first; with `keep`, the first `keep` are
    exact and candidates that cannot reach them may be left out."""
    in_play = _InPlay([told, *others])
    pool = CandidatePool(told, in_play)
    direct = {t.id: pool.evidence_for(t) for t in others}
    by_direct = sorted(others, key=lambda t: (-direct[t.id], -t.id))
    vouchers = [v for v in by_direct[:VOUCHERS] if direct[v.id] >= VOUCHER_BITS]
    lifted_by = others
    if keep is not None and vouchers and len(by_direct) > keep:
        # Second-hand evidence lifts a candidate by at most half the best voucher's evidence:
        # one that stays below the keep-th direct evidence then cannot reach the first `keep`.
        floor = direct[by_direct[keep - 1].id] - SECOND_HAND_SHARE * direct[vouchers[0].id]
        lifted_by = [t for t in others if direct[t.id] >= floor]
    total = dict(direct)
    for voucher in vouchers:
        # The voucher's candidates are taken as the report's (the same desk, a month apart).
        voucher_pool = CandidatePool(voucher, in_play)
        for t in lifted_by:
            if t.id != voucher.id:
                link = min(direct[voucher.id], voucher_pool.evidence_for(t))
                # One is never surer of a report through another than of that other.
                lifted = min(direct[t.id] + SECOND_HAND_SHARE * link, direct[voucher.id])
                total[t.id] = max(total[t.id], lifted)
    ranked = sorted(others, key=lambda t: (-total[t.id], -direct[t.id], -t.id))
    return [(total[t.id], t.id) for t in (ranked if keep is None else ranked[:keep])]
