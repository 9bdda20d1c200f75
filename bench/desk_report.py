"""The desk's report page at a million reports, for bench/desk.py.

The loaded reports carry random bytes for a payload: no verifier could open one, and the page
answers 409 for them. So one loaded report (an open IQ report, the one bench/desk.py times the
duplicate suggestions of) is made openable the way the product would have sealed it: a report is
filed through `submit_report` to the IQ desk key, and its sealed payload, its public id (the
sealed parts are bound to it) and its desk key wrap are moved onto the loaded row; the filed row
is deleted. The loaded row keeps its own clear fields, place in the id order and indicators, so
its duplicate candidates are those of a report of that age on a desk of that size.

The verifier then opens it once through the product (`open_for`: its keyed match hashes are
made under the desk's match key), and NAMED reports of the same desk and quarter are given its
place key, as if they named the same checkpoint: the suggestions' third SELECT (reports sharing
the unit or place, from beyond the window) then has its full NAMED_BEYOND_WINDOW to read.
"""

from __future__ import annotations

import cProfile
import pstats
import time
from collections.abc import Callable
from typing import Any

import psycopg
from sqlalchemy import delete, select, update

from portal.desk.duplicates import NAMED_BEYOND_WINDOW
from portal.desk.service import open_for
from portal.domain.models import (
    Compact,
    Desk,
    DeskKey,
    KeyHolder,
    OutboxJob,
    Report,
    ReportKeyWrap,
    User,
)
from portal.domain.months import shift_month
from portal.keys.desks import provision_desk_key, unlock_desk_keys
from portal.reporter.service import Submission, submit_report

# More than NAMED_BEYOND_WINDOW, so that the named SELECT reads its full limit.
NAMED = 150
TARGET_PAGE_SECONDS = 0.030  # issue 14.5: the whole report page, at p95


def provision_missing_desk_keys(services: Any) -> list[str]:
    """A desk key for every desk without one, wrapped to its members (granting them), as an
    operator's first `portal staff create` for a desk does. Without it a verifier holds no
    desk: the queue is empty and no report opens."""
    made = []
    with services.database.transaction() as session:
        for desk in session.scalars(select(Desk).order_by(Desk.id)):
            if session.scalar(select(DeskKey.id).where(DeskKey.desk_id == desk.id)) is None:
                provision_desk_key(session, desk, include_pending=True)
                made.append(desk.code)
    return made


def openable_report(
    services: Any,
    conn: psycopg.Connection,
    desk_id: int,
    pick: str,
    verifier_id: int,
    password: str,
) -> tuple[int, str]:
    """(id, public id) of the loaded report made openable, made on the first run."""
    found = conn.execute(
        "SELECT r.id, r.public_id FROM reports r JOIN report_key_wraps w ON w.report_id = r.id "
        "WHERE r.desk_id = %s AND w.holder = 'desk' LIMIT 1",
        [desk_id],
    ).fetchone()
    if found:
        return int(found[0]), str(found[1])
    row = conn.execute(pick).fetchone()
    assert row is not None
    target = int(row[0])
    with services.database.transaction() as session:
        report = session.get(Report, target)
        compact = session.get(Compact, report.compact_id) if report else None
        assert report is not None and compact is not None and report.region
        filed = submit_report(
            session,
            Submission(
                compact_public_id=compact.public_id,
                choice_keys=("IC-1.checkpoint-money",),
                incident_month=report.incident_month,
                region=report.region,
                force_branch="police",
                narrative="They stopped the minibus at the checkpoint and took everyone's money.",
                language=report.language,
                place="Checkpoint 12, Airport Road",
                unit="54th Brigade",
                # Not after the day it arrived: a report can arrive before the 9th of its month.
                exact_date=min(report.incident_month.replace(day=9), report.created_day),
            ),
            keyring=services.keyring,
            limits=services.config.attachments,
            today_=report.created_day,
        )
        moved = session.get(Report, filed.report_id)
        assert moved is not None
        public_id, payload = moved.public_id, moved.payload_sealed
        session.execute(
            update(ReportKeyWrap)
            .where(ReportKeyWrap.report_id == moved.id, ReportKeyWrap.holder == KeyHolder.DESK)
            .values(report_id=target)
        )
        session.execute(delete(OutboxJob).where(OutboxJob.id.in_(filed.outbox_ids)))
        session.expunge(moved)
        # The database's ON DELETE CASCADE takes its receipt wrap and indicator rows.
        session.execute(delete(Report).where(Report.id == filed.report_id))
        report.public_id, report.payload_sealed, report.shredded = public_id, payload, False
    with services.database.transaction() as session:
        # Open it once as the verifier would: this makes its keyed match hashes.
        verifier = session.get(User, verifier_id)
        report = session.get(Report, target)
        assert verifier is not None and report is not None
        assert verifier.private_key_by_password is not None
        personal = services.keyring.personal.unlock_with_password(
            verifier.private_key_by_password, password
        )
        open_for(session, verifier, report, unlock_desk_keys(session, verifier, personal))
        session.flush()
        place_key, month = report.place_key, report.incident_month
    low, high = shift_month(month, -1), shift_month(month, 1)
    conn.execute(
        "UPDATE reports SET place_key = %s WHERE id IN (SELECT id FROM reports WHERE desk_id = %s "
        "AND incident_month BETWEEN %s AND %s AND id <> %s AND status <> 'rejected' "
        "ORDER BY id LIMIT %s)",
        [place_key, desk_id, low, high, target, NAMED],
    )
    return target, public_id


def profile_page(get: Callable[[], None], repetitions: int, top: int = 25) -> None:
    """Where the page's time goes: cProfile over `repetitions` GETs, by cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repetitions):
        get()
    profiler.disable()
    print(f"\nProfile of {repetitions} report page GETs (cumulative seconds, top {top})")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)


def statement_times(get: Callable[[], None], repetitions: int) -> None:
    """Each SQL statement of a report page GET, with its median time on the cursor.

    Timed from before to after the cursor's execute (the round trip and PostgreSQL's work,
    not the fetch or the ORM's objects), over `repetitions` GETs after one warm-up. The
    duplicate candidates run on their own thread and connection, beside the others: they are
    listed where they finished in the first GET, marked, and not added to the page's sum.
    """
    import statistics
    import threading

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    per_get: list[list[tuple[str, float, bool]]] = []
    started: dict[int, float] = {}
    page_thread = threading.get_ident()

    def before(*_args: object) -> None:
        started[threading.get_ident()] = time.perf_counter()

    def after(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        me = threading.get_ident()
        text = " ".join(statement.split())[:90]
        per_get[-1].append((text, time.perf_counter() - started.pop(me), me != page_thread))

    event.listen(Engine, "before_cursor_execute", before)
    event.listen(Engine, "after_cursor_execute", after)
    try:
        for _ in range(repetitions + 1):
            per_get.append([])
            get()
    finally:
        event.remove(Engine, "before_cursor_execute", before)
        event.remove(Engine, "after_cursor_execute", after)
    runs = per_get[1:]
    times: dict[tuple[str, bool], list[float]] = {}
    for run in runs:
        for text, seconds, beside in run:
            times.setdefault((text, beside), []).append(seconds)
    print(f"\nStatements of a report page GET (median of {len(runs)} GETs, ms on the cursor)")
    total = 0.0
    for key in dict.fromkeys((text, beside) for text, _, beside in runs[0]):
        median = statistics.median(times[key])
        if not key[1]:
            total += median
        print(f"  {1000 * median:6.2f}  {'(own thread) ' if key[1] else ''}{key[0]}")
    count = sum(1 for _, _, beside in runs[0] if not beside)
    print(f"  {1000 * total:6.2f}  in all, {count} statements on the page's connection")


assert NAMED > NAMED_BEYOND_WINDOW
