"""`portal demo`'s story: two years of synthetic evidence played through the real services.

Phases, each resumable and idempotent (a second run finds its work done and adds nothing):

1. per compact: the partner organisations and the member's account; the reports, submitted in
   short transactions (a web process sharing the SQLite file waits at most one batch); the
   intake jobs, run as the dispatcher runs them when there is no Redis; the desk's work, event
   by event in short transactions; then the board's plan, attestations and audits;
2. scorecards quarter by quarter, every compact twice (the second pass sees the other compacts'
   scorecards of the quarter, as the scoring job would), then the assessor's decision;
3. the scoring jobs the desk and the decisions queued, then the public releases.

Resuming relies on the plan being drawn again identically (a fixed seed and the same day): the
stored reports of a compact are matched to the plan in the order they were submitted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.assess.periods import Period
from portal.attachments import AttachmentLimits, DecodeGate
from portal.auth.passwords import PasswordHashParams
from portal.crypto import PrivateKey
from portal.database import Database
from portal.domain.models import (
    AssessorDatum,
    Compact,
    IncidentCluster,
    Organisation,
    OutboxJob,
    OutboxState,
    Report,
    Role,
    TierDecision,
    User,
)
from portal.domain.workflow import ReportStatus
from portal.jobs.runner import execute
from portal.keys.desks import unlock_desk_keys
from portal.keys.keyring import Keyring
from portal.provision.accounts import NewAccount, create_account
from portal.provision.demo_story import assessment, money
from portal.provision.demo_story.calendar import story_quarters
from portal.provision.demo_story.cast import CASTS, Cast
from portal.provision.demo_story.decisions import justification, tier_to_decide
from portal.provision.demo_story.desk import work_events
from portal.provision.demo_story.planner import (
    CompactPlan,
    PlannedEvent,
    PlannedReport,
    plan_compact,
    tour_receipt,
)
from portal.provision.demo_story.submit import Member, submit_all
from portal.provision.organisations import OrganisationFields, save_organisation
from portal.public.schedule import ReleaseSchedule

# (what is happening, units of work done, units in all)
Progress = Callable[[str, int, int], None]
# Reports or events per transaction: a web request waiting on the SQLite write lock waits for
# one batch (about a second), far inside its busy timeout.
BATCH = 25
# The donors' board raises the levy from the quarter after the fourth of the story.
LEVY_RAISED_AFTER = 3


def _silent(_step: str, _done: int, _total: int) -> None:
    return None


@dataclass(frozen=True)
class StoryEnv:
    database: Database
    keyring: Keyring
    password: str
    password_params: PasswordHashParams
    limits: AttachmentLimits
    gate: DecodeGate | None
    schedule: ReleaseSchedule
    rng: Callable[[], np.random.Generator]
    today: dt.date
    progress: Progress = _silent
    scale: float = 1.0


class _Tally:
    def __init__(self, env: StoryEnv, plans: dict[str, CompactPlan], periods: int) -> None:
        self.env = env
        reports = sum(len(p.reports()) for p in plans.values())
        events = sum(len(p.events()) for p in plans.values())
        # Submitting, intake and the desk's work per report; two scorings per quarter (and the
        # year covered whole) and compact; a release per compact.
        self.total = 2 * reports + events + 2 * (periods + 1) * len(plans) + len(plans)
        self.done = 0
        self.added = {"reports": 0, "incidents": 0, "scorecards": 0, "decisions": 0, "releases": 0}

    def step(self, what: str, units: int = 0) -> None:
        self.done += units
        self.env.progress(what, min(self.done, self.total), self.total)


def _user(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None:
        raise LookupError(f"the bare demo seed has no {email}; run `portal demo --empty` first")
    return user


def _compact(session: Session, country: str) -> Compact:
    compact = session.scalar(
        select(Compact).where(Compact.country == country).order_by(Compact.id).limit(1)
    )
    if compact is None:
        raise LookupError(f"no demo compact for {country}")
    return compact


def _organisation(
    session: Session, admin: User, name: str, country: str, env: StoryEnv
) -> Organisation:
    found = session.scalar(
        select(Organisation).where(Organisation.name == name, Organisation.country == country)
    )
    if found is not None:
        return found
    return save_organisation(
        session, admin, OrganisationFields(name, country, True, ""), env.keyring.server_key
    )


def _member_key(session: Session, cast: Cast, env: StoryEnv) -> PrivateKey:
    """The member's personal key: made with the account, or unlocked with the demo password
    (the same unlock a sign-in does)."""
    admin = _user(session, "admin@demo.test")
    organisation = _organisation(session, admin, cast.organisation, cast.country, env)
    user = session.scalar(select(User).where(func.lower(User.email) == cast.member_email))
    if user is not None:
        assert user.private_key_by_password is not None
        return env.keyring.personal.unlock_with_password(user.private_key_by_password, env.password)
    created = create_account(
        session,
        NewAccount(
            cast.member_email,
            cast.member_name,
            env.password,
            frozenset({Role.MEMBER}),
            organisation=organisation,
            is_demo=True,
        ),
        env.password_params,
        env.keyring.personal,
    )
    return created.personal_key


def seed_story(env: StoryEnv) -> dict[str, int]:
    """Play the story; returns what was added. Safe to run again, and to resume."""
    quarters = story_quarters(env.today)
    plans = {cast.country: plan_compact(cast, quarters, env.today, env.scale) for cast in CASTS}
    tally = _Tally(env, plans, len(quarters))
    verifier_key: PrivateKey | None = None
    for cast in CASTS:
        plan = plans[cast.country]
        with env.database.transaction() as session:
            member_key = _member_key(session, cast, env)
        _submit(env, cast, plan, member_key, tally)
        tally.step(f"{cast.country}: intake")
        _run_pending(env.database, queues=("intake",))
        tally.step(f"{cast.country}: intake", len(plan.reports()))
        if verifier_key is None:
            with env.database.transaction() as session:
                verifier = _user(session, "verifier@demo.test")
                assert verifier.private_key_by_password is not None
                verifier_key = env.keyring.personal.unlock_with_password(
                    verifier.private_key_by_password, env.password
                )
        _desk_work(env, cast, plan, verifier_key, member_key, tally)
        _assessors(env, cast, quarters)
    # Jobs queued so far mark scorecards stale; none exist yet, so they only clear the outbox.
    _run_pending(env.database)
    for period in quarters:
        _score(env, period, quarters, tally)
        # The annual assessment of a year the story covers whole, right after its last quarter:
        # its decision is the tier in force for the next year's quarters from the start.
        if period.quarter == 4 and all(Period(period.year, n) in quarters for n in (1, 2, 3)):
            _score(env, Period(period.year), quarters, tally)
    _run_pending(env.database)
    for cast in CASTS:
        with env.database.transaction() as session:
            compact = _compact(session, cast.country)
            admin = _user(session, "admin@demo.test")
            outcome = assessment.publish(
                session, compact, env.schedule, env.today, env.rng, admin
            )
            tally.added["releases"] += outcome.name == "RELEASED"
        tally.step("public releases", 1)
    return tally.added


def _ordered(plan: CompactPlan) -> list[PlannedReport]:
    """The plan's reports in the order they reach the portal (and are stored)."""
    return sorted(plan.reports(), key=lambda r: (r.created, r.exact_day))


def _stored_ids(session: Session, compact_id: int) -> list[str]:
    return list(
        session.scalars(
            select(Report.public_id).where(Report.compact_id == compact_id).order_by(Report.id)
        )
    )


def _submit(
    env: StoryEnv, cast: Cast, plan: CompactPlan, member_key: PrivateKey, tally: _Tally
) -> None:
    ordered = _ordered(plan)
    with env.database.transaction() as session:
        already = len(_stored_ids(session, _compact(session, cast.country).id))
    tally.step(f"{cast.country}: reports", already)
    for start in range(already, len(ordered), BATCH):
        batch = ordered[start : start + BATCH]
        with env.database.transaction() as session:
            compact = _compact(session, cast.country)
            member = Member(_user(session, cast.member_email), member_key)
            submit_all(
                session, compact, batch, member,
                keyring=env.keyring, limits=env.limits, gate=env.gate,
            )
        tally.added["reports"] += len(batch)
        tally.step(f"{cast.country}: reports", len(batch))


def _desk_work(
    env: StoryEnv,
    cast: Cast,
    plan: CompactPlan,
    verifier_key: PrivateKey,
    member_key: PrivateKey,
    tally: _Tally,
) -> None:
    with env.database.transaction() as session:
        compact = _compact(session, cast.country)
        stored = _stored_ids(session, compact.id)
        ordered = _ordered(plan)
        if len(stored) != len(ordered):
            raise RuntimeError(
                f"{cast.country}: the stored reports differ from the story's plan (seeded on "
                "another day?); start from an empty database"
            )
        public_ids = {id(p): public_id for p, public_id in zip(ordered, stored, strict=True)}
        statuses: dict[str, ReportStatus] = {
            public_id: status
            for public_id, status in session.execute(
                select(Report.public_id, Report.status).where(Report.compact_id == compact.id)
            )
        }
    events = plan.events()
    todo = [e for e in events if not _worked(e, public_ids, statuses)]
    tally.step(f"{cast.country}: desk", len(events) - len(todo))
    for start in range(0, len(todo), BATCH):
        batch = todo[start : start + BATCH]
        with env.database.transaction() as session:
            verifier = _user(session, "verifier@demo.test")
            member = Member(_user(session, cast.member_email), member_key)
            unlocked = unlock_desk_keys(session, verifier, verifier_key)
            work_events(session, verifier, unlocked, batch, public_ids, member, env.limits)
        tally.added["incidents"] += sum(1 for e in batch if e.state is not None)
        tally.step(f"{cast.country}: desk", len(batch))


def _worked(
    event: PlannedEvent, public_ids: dict[int, str], statuses: dict[str, ReportStatus]
) -> bool:
    """Whether the desk already played this event (a batch commits whole events)."""
    first = event.reports[0]
    return first.status is ReportStatus.RECEIVED or (
        statuses[public_ids[id(first)]] is not ReportStatus.RECEIVED
    )


def _assessors(env: StoryEnv, cast: Cast, quarters: tuple[Period, ...]) -> None:
    with env.database.transaction() as session:
        compact = _compact(session, cast.country)
        done = session.scalar(
            select(AssessorDatum.id).where(AssessorDatum.compact_id == compact.id).limit(1)
        )
        if done is not None:
            return
        assessor = _user(session, "assessor@demo.test")
        admin = _user(session, "admin@demo.test")
        assessment.board_plan(session, assessor, compact, cast)
        partners = [
            _organisation(session, admin, name, cast.country, env) for name in cast.partners
        ]
        assessment.attest_partners(
            session, assessor, compact, partners[: cast.arc.attesting_partners],
            sorted({q.year for q in quarters}),
        )
        assessment.enter_audits(session, assessor, compact, cast, quarters)


def _score(env: StoryEnv, period: Period, quarters: tuple[Period, ...], tally: _Tally) -> None:
    """Two passes over the compacts (peers' scorecards of the quarter exist for the second),
    then each compact's decision."""
    waiting = []
    with env.database.transaction() as session:
        for cast in CASTS:
            compact = _compact(session, cast.country)
            decided = session.scalar(
                select(TierDecision.id).where(
                    TierDecision.compact_id == compact.id, TierDecision.period == str(period)
                )
            )
            if decided is None:
                waiting.append(cast)
    tally.step(f"scorecards {period}", 2 * (len(CASTS) - len(waiting)))
    index = quarters.index(period) if period in quarters else None
    for round_ in (1, 2):
        if round_ == 2 and waiting and index == LEVY_RAISED_AFTER:
            with env.database.transaction() as session:
                money.raise_levy(
                    session, _user(session, "admin@demo.test"),
                    period.end_day + dt.timedelta(days=1),
                )
        for cast in waiting:
            with env.database.transaction() as session:
                compact = _compact(session, cast.country)
                assessor = _user(session, "assessor@demo.test")
                card = assessment.score_quarter(session, assessor, compact, period, env.today)
                if round_ == 2:
                    tier = tier_to_decide(cast, period, quarters, card)
                    assessment.decide(
                        session, assessor, compact, card, tier,
                        justification(cast, period, quarters, card, tier),
                    )
                    tally.added["scorecards"] += 1
                    tally.added["decisions"] += 1
                    if index is not None:
                        money.after_decision(
                            session, _user(session, "admin@demo.test"), assessor, compact,
                            cast, period, index, env.today,
                        )
            tally.step(f"scorecards {period}", 1)


def _run_pending(database: Database, *, queues: tuple[str, ...] | None = None) -> None:
    """Run what the dispatcher runs inline after a commit when there is no Redis."""
    with database.transaction() as session:
        query = select(OutboxJob.id).where(OutboxJob.state == OutboxState.PENDING)
        if queues is not None:
            query = query.where(OutboxJob.queue.in_(queues))
        ids = list(session.scalars(query.order_by(OutboxJob.id)))
    for outbox_id in ids:
        execute(database, outbox_id)


def story_present(session: Session) -> bool:
    return session.scalar(select(IncidentCluster.id).limit(1)) is not None


def tour(session: Session) -> str | None:
    """The tour receipt's display form, once the tour's report exists."""
    if not story_present(session):
        return None
    return tour_receipt().display()


__all__ = ["Progress", "StoryEnv", "seed_story", "story_present", "tour"]
