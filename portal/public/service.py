"""Releasing a compact's public table: once per scheduled window, never once per page view.

`public_table` is what the page calls: it reads the ledger and, only when the scheduled release
now due has not been made yet, makes it (`release`). Everything after the first visit past a
release date reads the cached table. `release(..., again=True)` is the deliberate extra release
(the CLI's `--again`, after late verifications): it spends ε again and is refused once any
quarter it covers has spent its cap, leaving the last table up.

Two first visits can arrive together. The compact's row is locked before the ledger is read,
so the second waits, then finds the first one's release and reuses it: two releases charged
against the same stale ledger could together overspend the cap (see `budget.py`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal import audit
from portal.domain.disclosure import (
    DISCRETE_LAPLACE,
    BudgetEntry,
    BudgetExhausted,
    ReleaseKey,
    UnprotectableTable,
    charge,
    publish,
)
from portal.domain.models import Compact, PrivacyBudgetSpend
from portal.public.counts import exact_table, release_key
from portal.public.ledger import (
    WITHHELD,
    StoredRelease,
    budget_entries,
    latest_for,
    latest_table,
    stored_releases,
    table_to_json,
    withheld_to_json,
)
from portal.public.schedule import ReleaseSchedule


class Outcome(StrEnum):
    NOTHING_DUE = "nothing_due"  # no scheduled release has fallen due yet
    CACHED = "cached"  # the release due was made earlier; shown again
    RELEASED = "released"  # made now, ε spent
    WITHHELD = "withheld"  # made now, but the table could not be protected; nothing spent
    REFUSED = "refused"  # a quarter's ε cap would be passed; nothing spent


@dataclass(frozen=True)
class PublicTable:
    """What the page shows: the due window, its outcome, and the table to display (the due
    one, or when that is missing the last one published)."""

    outcome: Outcome
    due: tuple[str, ...]
    shown: StoredRelease | None
    due_withheld: bool
    refused: BudgetExhausted | None = None

    @property
    def spent(self) -> bool:
        return self.outcome in (Outcome.RELEASED, Outcome.WITHHELD)


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


def public_table(
    session: Session,
    compact: Compact,
    schedule: ReleaseSchedule,
    *,
    today: dt.date,
    rng: Callable[[], np.random.Generator],
) -> PublicTable:
    """The table for the page, making the scheduled release first if it is due and missing.
    The caller commits when `spent` is true."""
    quarters = schedule.due_quarters(compact.start_day, compact.end_day, today)
    rows = ledger_rows(session, compact)
    releases = stored_releases(rows)
    if not quarters:
        return PublicTable(Outcome.NOTHING_DUE, (), latest_table(releases), False)
    key = release_key(compact, quarters)
    cached = latest_for(releases, key)
    if cached is not None:
        return _shown(Outcome.CACHED, cached, releases)
    # The ledger only grows, so a release refused on this unlocked read stays refused: answer
    # without taking the lock, or every visit to such a page would queue for it.
    refused = _refusal(schedule, rows, key)
    if refused is not None:
        return PublicTable(Outcome.REFUSED, key.quarters, latest_table(releases), False, refused)
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
    """Make the release due now (or, with `again`, a new one of the same window)."""
    lock_compact(session, compact.id)
    quarters = schedule.due_quarters(compact.start_day, compact.end_day, today)
    rows = ledger_rows(session, compact)
    releases = stored_releases(rows)
    if not quarters:
        return PublicTable(Outcome.NOTHING_DUE, (), latest_table(releases), False)
    key = release_key(compact, quarters)
    cached = latest_for(releases, key)
    if cached is not None and not again:
        return _shown(Outcome.CACHED, cached, releases)

    # Checked before the suppression search, so a refused release costs no solver time. An
    # extra release may not touch the ε kept for scheduled releases still to come.
    reserved = schedule.reserved(compact.start_day, compact.end_day, today) if again else None
    refused = _refusal(schedule, rows, key, reserved)
    if refused is not None:
        shown = cached if cached is not None and not cached.withheld else latest_table(releases)
        due_withheld = cached is not None and cached.withheld
        return PublicTable(Outcome.REFUSED, key.quarters, shown, due_withheld, refused)

    ledger = budget_entries(rows)
    release_id = secrets.token_urlsafe(18)
    epsilon = schedule.epsilon_per_release

    table = exact_table(session, compact, quarters)
    try:
        publication = publish(
            table,
            epsilon=epsilon,
            release_id=release_id,
            ledger=ledger,
            rng=rng(),
            budget=schedule.budget,
            rules=schedule.rules,
        )
    except UnprotectableTable:
        entries: tuple[BudgetEntry, ...] = tuple(
            BudgetEntry(key.compact_id, quarter, Decimal(0), WITHHELD, release_id)
            for quarter in key.quarters
        )
        released = withheld_to_json(key, release_id)
        outcome = Outcome.WITHHELD
    else:
        entries = publication.ledger_entries
        released = table_to_json(publication.table)
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
            "quarters": list(key.quarters),
            "epsilon": str(epsilon) if outcome is Outcome.RELEASED else "0",
            "mechanism": DISCRETE_LAPLACE if outcome is Outcome.RELEASED else WITHHELD,
        },
    )
    releases = stored_releases(ledger_rows(session, compact))
    made = latest_for(releases, key)
    assert made is not None and made.release_id == release_id
    return _shown(outcome, made, releases)


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


def _shown(
    outcome: Outcome, due: StoredRelease, releases: tuple[StoredRelease, ...]
) -> PublicTable:
    if due.withheld:
        return PublicTable(outcome, due.key.quarters, latest_table(releases), True)
    return PublicTable(outcome, due.key.quarters, due, False)
