"""The demo's events and reports, drawn from a fixed seed: the same story every time.

Nothing here touches the database. `plan_compact` turns a compact's cast (cast.py) and the time
line into events (one incident each) with the reports that tell of them and what the desk will
do with them; `submit.py`, `desk.py` and `assessment.py` then play that plan through the
services.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from portal.assess.periods import Period
from portal.crypto import ReceiptCode
from portal.domain.models import ClusterState
from portal.domain.workflow import ReportStatus
from portal.provision.demo_story.calendar import month_days, months_of
from portal.provision.demo_story.cast import Cast, Region
from portal.provision.demo_story.narratives import ACCOUNTS, CLOSINGS

SEED = 20261206
# Anonymous reports (each costs one Argon2id for its receipt) per compact: one about a closed
# quarter, one in the open queue. Everything else comes from the partner organisation's member.
ANONYMOUS_CLOSED = 1
ANONYMOUS_OPEN = 1
DUPLICATE_SHARE = 0.12


@dataclass
class PlannedReport:
    choice: str
    month: dt.date
    exact_day: dt.date
    created: dt.date
    region: str
    branch: str
    language: str
    narrative: str = field(repr=False)
    place: str
    unit: str
    anonymous: bool
    hide_organisation: bool
    grade: tuple[str, int]
    # What the desk does: a verdict, or where an open report stops.
    status: ReportStatus
    question: int | None = None  # index into QUESTIONS, when the desk asks
    answered: bool = False
    attachment: str | None = None  # "photo" or "letter"
    tour: bool = False  # carries the published tour receipt


@dataclass
class PlannedEvent:
    reports: list[PlannedReport]
    state: ClusterState | None  # None: rejected, no incident is made
    investigated: dt.date | None = None
    acknowledged: dt.date | None = None
    mass_casualty: bool = False

    @property
    def indicator(self) -> str:
        return self.reports[0].choice.split(".")[0]


@dataclass(frozen=True)
class CompactPlan:
    country: str
    closed: tuple[tuple[PlannedEvent, ...], ...]  # per story quarter
    open: tuple[PlannedEvent, ...]

    def events(self) -> list[PlannedEvent]:
        return [e for quarter in self.closed for e in quarter] + list(self.open)

    def reports(self) -> list[PlannedReport]:
        return [r for e in self.events() for r in e.reports]


def tour_receipt() -> ReceiptCode:
    """The published receipt of the tour's anonymous report: part of the demo like its
    password, so it opens nothing but a synthetic report."""
    rng = random.Random(f"{SEED}:tour-receipt")
    return ReceiptCode(f"{rng.randrange(10**15, 10**16):016d}")


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    keys = sorted(k for k, w in weights.items() if w > 0)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _region(rng: random.Random, cast: Cast) -> Region:
    regions = list(cast.regions)
    return rng.choices(regions, weights=[r.population * r.hotspot for r in regions])[0]


def _narrative(rng: random.Random, language: str, choice: str) -> str:
    text = rng.choice(ACCOUNTS[language][choice])
    if rng.random() < 0.45:
        text = f"{text} {rng.choice(CLOSINGS[language])}"
    return text


class _Drawer:
    """Draws reports and events for one compact from its own seeded generator."""

    def __init__(self, cast: Cast, today: dt.date, scale: float) -> None:
        self.cast = cast
        self.today = today
        self.open_reports = max(4, round(cast.arc.open_reports * scale))
        self.rng = random.Random(f"{SEED}:{cast.country}")
        # Regions each quarter's reports are spread over first, so that the monitoring reaches
        # most of the population (the coverage gate), then the hotspots.
        ordered = sorted(cast.regions, key=lambda r: -r.population)
        total = sum(r.population for r in cast.regions) + cast.other_regions_population
        self.spread: list[Region] = []
        covered = 0
        for region in ordered:
            if covered >= 0.78 * total:
                break
            self.spread.append(region)
            covered += region.population

    def report(
        self,
        choice: str,
        month: dt.date,
        region: Region,
        status: ReportStatus,
        *,
        anonymous: bool = False,
        unit: str | None = None,
        branch: str | None = None,
    ) -> PlannedReport:
        rng = self.rng
        day = month + dt.timedelta(days=rng.randrange(month_days(month)))
        day = min(day, self.today)
        created = min(day + dt.timedelta(days=rng.choice((0, 1, 2, 3, 5, 8, 13, 21))), self.today)
        language = _weighted(rng, region.languages)
        if unit is None:
            grave = choice.startswith("HR-1")
            unit = "" if grave or rng.random() < 0.55 else rng.choice(self.cast.units)
        if anonymous:
            grade = rng.choice((("C", 3), ("D", 3), ("C", 2), ("F", 6)))
        else:
            grade = rng.choice((("B", 2), ("B", 2), ("B", 3), ("C", 2), ("A", 2)))
        return PlannedReport(
            choice=choice,
            month=month,
            exact_day=day,
            created=created,
            region=region.code,
            branch=branch or _weighted(rng, self.cast.branches),
            language=language,
            narrative=_narrative(rng, language, choice),
            place=rng.choice(region.places),
            unit=unit,
            anonymous=anonymous,
            hide_organisation=not anonymous and rng.random() < 0.08,
            grade=grade,
            status=status,
        )

    def closed_event(
        self, choice: str, month: dt.date, region: Region, quarter: int
    ) -> PlannedEvent:
        rng = self.rng
        code = choice.split(".")[0]
        roll = rng.random()
        hurdle = code in ("HR-1", "OA-3")
        if roll < 0.62:
            state: ClusterState | None = ClusterState.VERIFIED
        elif roll < 0.8:
            state = ClusterState.PARTIALLY_VERIFIED
        elif roll < 0.9 and not hurdle:
            state = ClusterState.UNVERIFIED
        else:
            state = None
        if code == "OA-3":
            # Outside the story's one reprisal, threats are documented only in part (graded C):
            # they reach the desk's records, not the hard hurdle.
            state = ClusterState.PARTIALLY_VERIFIED if state else None
        verdict = {
            ClusterState.VERIFIED: ReportStatus.VERIFIED,
            ClusterState.PARTIALLY_VERIFIED: ReportStatus.PARTIALLY_VERIFIED,
            ClusterState.UNVERIFIED: ReportStatus.UNVERIFIED,
            None: ReportStatus.REJECTED,
        }[state]
        first = self.report(choice, month, region, verdict)
        if code == "OA-3":
            first.grade = ("C", 3)
        reports = [first]
        if state is not None and rng.random() < DUPLICATE_SHARE:
            twin = self.report(choice, month, region, ReportStatus.DUPLICATE)
            _same_event(twin, first)
            reports.append(twin)
        if rng.random() < 0.1 and not first.anonymous:
            first.question = rng.randrange(2)
            first.answered = True
        event = PlannedEvent(reports, state)
        self._responses(event, quarter)
        return event

    def _responses(self, event: PlannedEvent, quarter: int) -> None:
        if event.state not in (ClusterState.VERIFIED, ClusterState.PARTIALLY_VERIFIED):
            return
        if event.indicator not in ("HR-1", "CH-1"):
            return
        rate = self.cast.arc.investigated[0 if quarter < 4 else 1]
        month = event.reports[0].month
        end = month + dt.timedelta(days=month_days(month) - 1)
        if self.rng.random() < rate:
            opened = end + dt.timedelta(days=self.rng.randrange(10, 80))
            event.investigated = min(opened, self.today)
            if event.indicator == "CH-1" and self.rng.random() < 0.6:
                event.acknowledged = event.investigated
        elif self.rng.random() < 0.3:
            # Too late: opened after the 90-day window.
            late = end + dt.timedelta(days=self.rng.randrange(100, 160))
            event.investigated = late if late <= self.today else None


def _same_event(twin: PlannedReport, first: PlannedReport) -> None:
    """A second account of the same event: the same day, place and unit, sent later."""
    twin.exact_day, twin.place, twin.unit = first.exact_day, first.place, first.unit
    twin.created = max(twin.created, first.exact_day)


def _monthly_count(rng: random.Random, cast: Cast, month: dt.date, per_quarter: int) -> int:
    base = per_quarter / 3 * cast.seasons[month.month - 1]
    return max(1, round(base * rng.uniform(0.9, 1.1)))


def plan_compact(
    cast: Cast, quarters: tuple[Period, ...], today: dt.date, scale: float = 1.0
) -> CompactPlan:
    """`scale` shrinks the volumes (tests play the whole story on a fraction of the reports)."""
    drawer = _Drawer(cast, today, scale)
    rng = drawer.rng
    arc = cast.arc
    per_quarter = max(3, round(arc.reports_per_quarter * scale))
    closed: list[tuple[PlannedEvent, ...]] = []
    for index, period in enumerate(quarters):
        events: list[PlannedEvent] = []
        spread = list(drawer.spread)
        rng.shuffle(spread)
        for month in months_of(period):
            for _ in range(_monthly_count(rng, cast, month, per_quarter)):
                region = spread.pop() if spread else _region(rng, cast)
                choice = _weighted(rng, arc.mix)
                events.append(drawer.closed_event(choice, month, region, index))
        events += _story_events(drawer, period, index)
        closed.append(tuple(events))
    _anonymous(rng, [r for quarter in closed for e in quarter for r in e.reports], ANONYMOUS_CLOSED)
    _attachments(rng, [e for quarter in closed for e in quarter])
    open_events = _open_events(drawer, quarters[-1].end_day + dt.timedelta(days=1), today)
    return CompactPlan(cast.country, tuple(closed), tuple(open_events))


def _story_events(drawer: _Drawer, period: Period, index: int) -> list[PlannedEvent]:
    """The arc's set pieces: the verified reprisal and the flagged unit's grave violations."""
    cast, rng = drawer.cast, drawer.rng
    found: list[PlannedEvent] = []
    if index in cast.arc.reprisal_quarters:
        region = cast.regions[0]
        month = months_of(period)[1]
        first = drawer.report("OA-3.reprisal", month, region, ReportStatus.VERIFIED,
                              branch="intelligence", unit="")
        first.grade = ("A", 2)
        twin = drawer.report("OA-3.reprisal", month, region, ReportStatus.DUPLICATE,
                             branch="intelligence", unit="")
        twin.grade = ("B", 2)
        _same_event(twin, first)
        found.append(PlannedEvent([first, twin], ClusterState.VERIFIED))
    for _ in range(cast.arc.flagged_quarters.count(index)):
        region = rng.choice(cast.regions[:3])
        month = rng.choice(months_of(period))
        choice = rng.choice(("HR-1.torture", "HR-1.killing", "HR-1.disappeared"))
        report = drawer.report(choice, month, region, ReportStatus.VERIFIED,
                               unit=cast.arc.flagged_unit or "", branch="army")
        report.grade = ("B", 2)
        event = PlannedEvent([report], ClusterState.VERIFIED)
        drawer._responses(event, index)
        found.append(event)
    return found


def _anonymous(rng: random.Random, reports: list[PlannedReport], n: int) -> None:
    """Make `n` reports anonymous (with a receipt), preferring grave ones."""
    grave = [r for r in reports if r.choice.startswith(("HR-1", "CH-1")) and r.question is None]
    for report in rng.sample(grave or reports, min(n, len(grave or reports))):
        report.anonymous = True
        report.hide_organisation = False
        report.grade = ("C", 2)


def _attachments(rng: random.Random, events: list[PlannedEvent]) -> None:
    """A photo with a few diversion and civilian-harm reports, a letter with a complaint."""
    for choice, kind, n in (
        ("AD-1", "photo", 1),
        ("CH-1", "photo", 1),
        ("OA-1", "letter", 1),
    ):
        candidates = [e.reports[0] for e in events if e.indicator == choice]
        for report in rng.sample(candidates, min(n, len(candidates))):
            report.attachment = kind


def _open_events(drawer: _Drawer, first_day: dt.date, today: dt.date) -> list[PlannedEvent]:
    """The queue as the demo verifier finds it: reports of the running quarter at every step."""
    cast, rng = drawer.cast, drawer.rng
    months = []
    month = first_day.replace(day=1)
    while month <= today:
        months.append(month)
        month = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    # Every step appears in a queue of four already (a small demo keeps the tour's report).
    R, W, V, T = (
        ReportStatus.RECEIVED, ReportStatus.NEEDS_INFO, ReportStatus.IN_REVIEW, ReportStatus.TRIAGED
    )
    steps = (R, W, V, T, R, V, W, R, T, V, R)
    events: list[PlannedEvent] = []
    for i in range(drawer.open_reports):
        status = steps[i % len(steps)]
        region = drawer.spread[i % len(drawer.spread)] if i % 2 else _region(rng, cast)
        month = months[min(len(months) - 1, i * len(months) // drawer.open_reports)]
        report = drawer.report(_weighted(rng, cast.arc.mix), month, region, status)
        # Reports still waiting arrived recently: a desk clears its backlog within weeks.
        report.created = max(report.created, today - dt.timedelta(days=rng.randrange(1, 40)))
        report.created = max(report.created, report.exact_day)
        if status is ReportStatus.NEEDS_INFO:
            report.question = rng.randrange(2)
        if status is ReportStatus.IN_REVIEW and i % 3 == 0 and not report.anonymous:
            report.question = rng.randrange(2)
            report.answered = True
        state = ClusterState.OPEN if status in (ReportStatus.IN_REVIEW,) else None
        events.append(PlannedEvent([report], state))
    # The tour's anonymous report waits for its reporter's answer: the follow-up page shows the
    # verifier's question.
    waiting = [e.reports[0] for e in events if e.reports[0].status is ReportStatus.NEEDS_INFO]
    for report in waiting[:ANONYMOUS_OPEN]:
        report.anonymous = True
        report.hide_organisation = False
        report.grade = ("C", 3)
        report.tour = cast.country == "IQ"
    return events
