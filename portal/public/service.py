"""Releasing a compact's public figures: each scheduled release once, never once per page view.

`public_table` is what the page calls: it reads the ledger and, only when a scheduled release
now due has not been made yet, makes it (`release`). Everything after the first visit past a
release date reads the stored figures. `release(..., again=True)` is the deliberate extra
release of the newest release due (the CLI's `--again`, after late verifications): it spends ε
again and is refused when any quarter it covers would pass its cap, counting the ε kept for the
scheduled releases not due yet, leaving the last figures up.

Every release passes the audit across releases (`portal.domain.disclosure.linkage`) before
anything is written: a figure whose showing would let the releases together pin a hidden one is
hidden too ("withheld"), and when no choice of figures passes, nothing is published.

Two first visits can arrive together. The compact's row is locked before the ledger is read,
so the second waits, then finds the first one's release and reuses it: two releases charged
against the same stale ledger could together overspend the cap (see `budget.py`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal import audit
from portal.assess.periods import Period
from portal.domain.disclosure import (
    DISCRETE_LAPLACE,
    BudgetEntry,
    BudgetExhausted,
    Released,
    ReleaseKey,
    charge,
)
from portal.domain.disclosure.linkage import Aggregate, Cell, pinned
from portal.domain.disclosure.noisy import Figure, Hidden, NoisyFigures, noisy_figures
from portal.domain.models import Compact, PrivacyBudgetSpend
from portal.public.counts import area_counts, release_key, table_cells
from portal.public.ledger import (
    WITHHELD,
    PublishedRelease,
    StoredRelease,
    budget_entries,
    latest_for,
    release_to_json,
    stored_releases,
    withheld_to_json,
)
from portal.public.schedule import ReleaseSchedule, ScheduledRelease


class Outcome(StrEnum):
    NOTHING_DUE = "nothing_due"  # no scheduled release has fallen due yet
    CACHED = "cached"  # the releases due were made earlier; shown again
    RELEASED = "released"  # made now, ε spent
    WITHHELD = "withheld"  # made now, but no figure could be protected; nothing spent
    REFUSED = "refused"  # a quarter's ε cap would be passed; nothing spent
    PREPARING = "preparing"  # the instance's data are still being loaded; nothing released yet


@dataclass(frozen=True)
class PublicTable:
    """What the page shows: the newest release due and its outcome, and every published
    release (newest first)."""

    outcome: Outcome
    due: ScheduledRelease | None
    published: tuple[StoredRelease, ...]
    due_withheld: bool
    refused: BudgetExhausted | None = None
    made: int = 0  # releases written by this call (the caller commits when > 0)

    @property
    def spent(self) -> bool:
        return self.made > 0


def lock_compact(session: Session, compact_id: int) -> None:
    """Serialise releases of one compact until the transaction ends."""
    if session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks; a write takes the database's single writer lock, which
        # the next writer waits for (busy_timeout), and its reads then see our rows.
        session.execute(
            update(Compact)
            .where(Compact.id == compact_id)
            .values(current_tier=Compact.current_tier)
        )
    else:
        session.execute(select(Compact.id).where(Compact.id == compact_id).with_for_update())


def ledger_rows(session: Session, compact: Compact) -> list[PrivacyBudgetSpend]:
    return list(
        session.scalars(
            select(PrivacyBudgetSpend)
            .where(PrivacyBudgetSpend.compact_id == compact.id)
            .order_by(PrivacyBudgetSpend.id)
        )
    )


def _published(releases: Sequence[StoredRelease]) -> tuple[StoredRelease, ...]:
    """The newest release of each period with figures to show (legacy tables are never shown
    again), latest period first and, of two ending together, the year before its half."""
    newest: dict[ReleaseKey, StoredRelease] = {}
    for stored in releases:
        if stored.figures is not None:
            newest[stored.key] = stored  # releases come oldest first: the last one wins
    return tuple(
        sorted(
            newest.values(),
            key=lambda r: (r.key.quarters[-1], len(r.key.quarters), r.last_row),
            reverse=True,
        )
    )


def _view(
    compact: Compact,
    due: tuple[ScheduledRelease, ...],
    releases: Sequence[StoredRelease],
    outcome: Outcome | None = None,
    refused: BudgetExhausted | None = None,
    made: int = 0,
) -> PublicTable:
    if not due:
        return PublicTable(Outcome.NOTHING_DUE, None, _published(releases), False, None, made)
    newest = due[-1]
    stored = latest_for(releases, release_key(compact, newest.quarters))
    due_withheld = stored is not None and stored.withheld
    return PublicTable(
        outcome or Outcome.CACHED, newest, _published(releases), due_withheld, refused, made
    )


def public_table(
    session: Session,
    compact: Compact,
    schedule: ReleaseSchedule,
    *,
    today: dt.date,
    rng: Callable[[], np.random.Generator],
    hold: bool = False,
) -> PublicTable:
    """The figures for the page, making the scheduled releases due and missing first.
    The caller commits when `spent` is true. With `hold` (the demo's story is still being
    seeded) nothing is released: a release then would count too few incidents and spend ε on a
    window the story releases again once its data are in."""
    due = schedule.due(compact.start_day, compact.end_day, today)
    rows = ledger_rows(session, compact)
    releases = stored_releases(rows)
    missing = [s for s in due if latest_for(releases, release_key(compact, s.quarters)) is None]
    if not missing:
        return _view(compact, due, releases)
    if hold:
        return _view(compact, due, releases, Outcome.PREPARING)
    # The ledger only grows, so a release refused on this unlocked read stays refused: answer
    # without taking the lock, or every visit to such a page would queue for it.
    refusals = [_refusal(schedule, rows, release_key(compact, s.quarters)) for s in missing]
    if all(r is not None for r in refusals):
        return _view(compact, due, releases, Outcome.REFUSED, refusals[-1])
    return release(session, compact, schedule, today=today, rng=rng)


def release(
    session: Session,
    compact: Compact,
    schedule: ReleaseSchedule,
    *,
    today: dt.date,
    rng: Callable[[], np.random.Generator],
    again: bool = False,
    actor_id: int | None = None,
) -> PublicTable:
    """Make the scheduled releases due now and missing (or, with `again`, a new one of the
    newest release due)."""
    lock_compact(session, compact.id)
    due = schedule.due(compact.start_day, compact.end_day, today)
    rows = ledger_rows(session, compact)
    releases = stored_releases(rows)
    if not due:
        return _view(compact, due, releases)
    if again:
        targets = [due[-1]]
        reserved = schedule.reserved(compact.start_day, compact.end_day, today)
    else:
        targets = [
            s for s in due if latest_for(releases, release_key(compact, s.quarters)) is None
        ]
        reserved = None
    if not targets:
        return _view(compact, due, releases)

    outcome = Outcome.CACHED
    refused: BudgetExhausted | None = None
    made = 0
    for target in targets:
        outcome, refused = _make(
            session, compact, schedule, target, today, rng, rows, releases, reserved, actor_id
        )
        if outcome is not Outcome.REFUSED:
            made += 1
            rows = ledger_rows(session, compact)
            releases = stored_releases(rows)
    return _view(compact, due, releases, outcome, refused, made)


def _make(
    session: Session,
    compact: Compact,
    schedule: ReleaseSchedule,
    target: ScheduledRelease,
    today: dt.date,
    rng: Callable[[], np.random.Generator],
    rows: list[PrivacyBudgetSpend],
    releases: tuple[StoredRelease, ...],
    reserved: dict[str, Decimal] | None,
    actor_id: int | None,
) -> tuple[Outcome, BudgetExhausted | None]:
    key = release_key(compact, target.quarters)
    # Checked before any noise is drawn or any audit solved: a refused release costs nothing.
    refused = _refusal(schedule, rows, key, reserved)
    if refused is not None:
        return Outcome.REFUSED, refused

    release_id = secrets.token_urlsafe(18)
    epsilon = schedule.epsilon_per_release
    exact, _ = area_counts(session, compact, target.quarters)
    figures: NoisyFigures | None = noisy_figures(exact, epsilon, schedule.allocation, rng())
    assert figures is not None
    figures = guard_across_releases(
        session,
        compact,
        key,
        target.name,
        figures,
        releases,
        protection=schedule.protection,
    )
    if figures is None:
        entries: tuple[BudgetEntry, ...] = tuple(
            BudgetEntry(key.compact_id, quarter, Decimal(0), WITHHELD, release_id)
            for quarter in key.quarters
        )
        released = withheld_to_json(key, release_id, target.name)
        outcome = Outcome.WITHHELD
    else:
        entries = charge(
            schedule.budget,
            budget_entries(rows),
            compact_id=key.compact_id,
            quarters=key.quarters,
            epsilon=epsilon,
            release_id=release_id,
            reserved=reserved,
        )
        published = PublishedRelease(
            name=target.name,
            epsilon=epsilon,
            total=figures.total,
            regions=figures.regions,
            total_level=figures.total_level,
            region_level=figures.region_level,
            zero_risk=schedule.allocation.zero_risk,
            smallest_shown=schedule.allocation.smallest_shown,
        )
        released = release_to_json(key, release_id, published)
        outcome = Outcome.RELEASED
    for entry in entries:
        session.add(
            PrivacyBudgetSpend(
                compact_id=compact.id,
                quarter=entry.quarter,
                epsilon=float(entry.epsilon),
                mechanism=entry.mechanism,
                release_id=release_id,
                released=released,
                spent_day=today,
            )
        )
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        action="public.release",
        object_type="compact",
        object_id=compact.slug,
        detail={
            "release": release_id,
            "period": target.name,
            "quarters": list(key.quarters),
            "epsilon": str(epsilon) if outcome is Outcome.RELEASED else "0",
            "mechanism": DISCRETE_LAPLACE if outcome is Outcome.RELEASED else WITHHELD,
        },
    )
    return outcome, None


def release_aggregates(
    release_id: str, key: ReleaseKey, stored: StoredRelease | None, figures: NoisyFigures | None
) -> list[Aggregate]:
    """The sums a release published, as sets of region × quarter cells."""
    everything = frozenset((r, q) for r in key.regions for q in key.quarters)
    found: list[Aggregate] = []
    total: Figure | None = None
    regions: tuple[Figure, ...] = ()
    if figures is not None:
        total, regions = figures.total, figures.regions
    elif stored is not None and stored.figures is not None:
        total, regions = stored.figures.total, stored.figures.regions
    elif stored is not None and stored.legacy is not None:
        table = stored.legacy
        for i, region in enumerate(key.regions):
            for j, quarter in enumerate(key.quarters):
                shown = isinstance(table.cells[i][j], Released)
                cell = frozenset({(region, quarter)})
                found.append(Aggregate(release_id, f"{region} {quarter}", cell, shown))
            found.append(
                Aggregate(
                    release_id,
                    region,
                    frozenset((region, q) for q in key.quarters),
                    isinstance(table.row_totals[i], Released),
                )
            )
        for j, quarter in enumerate(key.quarters):
            found.append(
                Aggregate(
                    release_id,
                    quarter,
                    frozenset((r, quarter) for r in key.regions),
                    isinstance(table.column_totals[j], Released),
                )
            )
        found.append(
            Aggregate(release_id, "total", everything, isinstance(table.grand_total, Released))
        )
        return found
    if total is None:
        return found
    found.append(Aggregate(release_id, "total", everything, total.shown))
    for region, figure in zip(key.regions, regions, strict=True):
        found.append(
            Aggregate(
                release_id, region, frozenset((region, q) for q in key.quarters), figure.shown
            )
        )
    return found


def guard_across_releases(
    session: Session,
    compact: Compact,
    key: ReleaseKey,
    name: str,
    figures: NoisyFigures,
    releases: Sequence[StoredRelease],
    *,
    protection: int,
) -> NoisyFigures | None:
    """The audit across releases, run on every release before it is written."""
    past = [a for r in releases for a in release_aggregates(r.release_id, r.key, r, None)]
    quarters = sorted({q for a in past for _, q in a.cells} | set(key.quarters))
    cells = table_cells(session, compact, tuple(Period.parse(q) for q in quarters))
    return protect(past, key, figures, cells, protection=protection)


def protect(
    past: Sequence[Aggregate],
    key: ReleaseKey,
    figures: NoisyFigures,
    cells: Mapping[Cell, int],
    *,
    protection: int,
) -> NoisyFigures | None:
    """Hide more of the candidate until every release ever published, with it, pins no hidden
    figure that the earlier ones did not pin already; None when hiding everything still would.

    Earlier pins can only come from counts that changed since (late verifications): nothing
    this release does can undo them, so they do not block it."""
    around: set[Cell] = {(r, q) for r in key.regions for q in key.quarters}
    before = {
        (p.aggregate.release, p.aggregate.label)
        for p in pinned(past, cells, protection=protection, around=around)
    }
    candidate = figures
    while True:
        mine = release_aggregates("candidate", key, None, candidate)
        pins = [
            p
            for p in pinned([*past, *mine], cells, protection=protection, around=around)
            if (p.aggregate.release, p.aggregate.label) not in before
        ]
        if not pins:
            return candidate
        hidden = _complement(key, candidate, pins[0].aggregate.cells)
        if hidden is None:
            return None
        candidate = hidden


def _complement(
    key: ReleaseKey, figures: NoisyFigures, pinned_cells: frozenset[Cell]
) -> NoisyFigures | None:
    """One more figure of the candidate hidden: a shown region sharing cells with the pinned
    figure, else the smallest shown region, else the total; None when nothing is left."""
    shown = [i for i, f in enumerate(figures.regions) if f.shown]
    touching = [i for i in shown if any(r == key.regions[i] for r, _ in pinned_cells)]
    pool = touching or shown
    withheld = dataclasses.replace
    if pool:
        pick = min(pool, key=lambda i: (figures.regions[i].value or 0, i))
        regions = list(figures.regions)
        regions[pick] = withheld(regions[pick], value=None, hidden=Hidden.WITHHELD)
        return withheld(figures, regions=tuple(regions))
    if figures.total.shown:
        return withheld(figures, total=withheld(figures.total, value=None, hidden=Hidden.WITHHELD))
    return None


def _refusal(
    schedule: ReleaseSchedule,
    rows: list[PrivacyBudgetSpend],
    key: ReleaseKey,
    reserved: dict[str, Decimal] | None = None,
) -> BudgetExhausted | None:
    try:
        charge(
            schedule.budget,
            budget_entries(rows),
            compact_id=key.compact_id,
            quarters=key.quarters,
            epsilon=schedule.epsilon_per_release,
            release_id="not-yet-drawn",
            reserved=reserved,
        )
    except BudgetExhausted as refused:
        return refused
    return None
