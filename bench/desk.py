"""What the desk queue costs with a million reports in PostgreSQL, against its own raw SQL.

Run: .venv/bin/python bench/desk.py [--try-indexes] [--keep] [--reuse] [--skip-http]
     [--report-page-only] [--page-runs 1] [--profile-page 0] [--statements 0]
     [--reports 1000000] [--repetitions 50] [--case-seconds 6]
     [--server postgresql://postgres@127.0.0.1:5432] [--database cw_bench_desk]

Load. A database of its own (--database, cw_bench_desk by default, dropped first if it is there;
the bench refuses any server but 127.0.0.1) is created, migrated to head with Alembic, and given 4
desks (IQ, PH, SO, NE: 55/25/15/5 % of the reports), one compact each and a few verifiers made with
`create_account`. Then 1,000,000 reports and their 1-2 indicator rows go in with COPY (psycopg
`cursor.copy()`), the columns drawn with numpy: ~5 % open (received/triaged/in_review/needs_info,
mostly in the last 60 days), priorities 0-150 skewed low, regions of the desk's country
(`portal.i18n.places.regions`, Zipf-like), created days over 3 years (more recent = more), 8 %
assigned, languages by desk from the 7 locales, a sealed payload of 200 random bytes (NULL once
retention has shredded it). The two tables' secondary indexes and foreign keys are dropped for the
COPY and rebuilt from the catalogue's own definitions; the bench checks that the indexes and
constraints afterwards are exactly those of the migration. VACUUM ANALYZE ends the load; each
step's time is printed.

Measure. For a verifier of the biggest and the smallest desk (IQ + NE, 60 % of all reports),
each case runs through `queue_page` with a fresh ORM session per repetition (the product path:
pool checkout with pre-ping, the SELECT, 50 ORM objects, the selectin load of their indicators)
and, in the same run, as the exact SELECT that `queue_page` emitted (captured with
`do_orm_execute`, compiled with literal binds) on a raw psycopg cursor with fetchall. Printed:
p50/p95 over --repetitions (fewer, at least 5, once a path has used --case-seconds), the ORM/raw
ratio of the p50s, whether the ORM p95 meets the 50 ms target, and the plan's first nodes. Page
201 follows the cursor from page 1 with queue_page (for at most 60 s) and checks it against the
cursor OFFSET finds; page 2001 takes its cursor from OFFSET. The full page GET /desk/ is timed
through the Flask test client after signing in through /auth/login (a pending second factor is
marked done in the database: it is not what this measures), with GET /healthz through the same
app as its baseline. EXPLAIN (ANALYZE, BUFFERS) is printed for the three slowest cases.

Suggestions. The report page also runs `suggest_duplicates`: for an open IQ report and one
created two years ago, it is timed with a fresh session (the report loaded by id, the candidates'
SELECT, the ranking) against that SELECT on psycopg.

The report page. The open IQ report is made openable (bench/desk_report.py: a report filed
through `submit_report` lends it its sealed payload; 150 reports of its quarter are given its
place key) and `GET /desk/reports/<id>` is timed through the same signed-in client, against
/healthz, with the client process's CPU per page, the same page with `suggest_duplicates`
stubbed out, and the suggestions of that report alone; the issue 14.5 target is p95 <= 30 ms.
--report-page-only measures only this (--page-runs times), --profile-page N prints where N page
GETs spend their time, --statements N each SQL statement's median time on the cursor over N
GETs (the candidates, read on their own thread, marked apart). The suggestions are also run 25
times on one connection: a jump after the fifth would be PostgreSQL's plan for any values of a
prepared statement (portal/database.py). Before measuring, the process settles its garbage
collector as each gunicorn worker does (portal/web/worker.py).

--try-indexes: candidate indexes are created in this database only (never in a model or a
migration), the cases measured again, before/after printed with EXPLAIN of the slowest, and the
candidates dropped. Candidate 1 is plain (desk_id, priority DESC, id) + (priority DESC, id) with
the queries as they are (plus the keyset with an extra `priority <= p`); candidate 2 is
(desk_id, (-priority), id) + ((-priority), id) with the keyset as a row comparison, the form
queue.py would need (see `proposed_page`).

The database is dropped at the end unless --keep, with its instance folder (its keys; kept as
$TMPDIR/cw-bench-instance-DATABASE); --reuse skips the load when a kept database of the same size
is there. Bounded: one COPY pass, each path of a case at most --case-seconds after
5 samples, the page walk 60 s, each raw statement 60 s. Other work on the machine shows in every
number, so the load average is printed at the start and the end: compare ratios within one run.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import itertools
import os
import random
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import psycopg  # noqa: E402
from alembic import command  # noqa: E402
from desk_report import (  # noqa: E402  bench/desk_report.py, beside this script
    TARGET_PAGE_SECONDS,
    openable_report,
    profile_page,
    provision_missing_desk_keys,
    statement_times,
)
from sqlalchemy import and_, event, or_, select, text, tuple_  # noqa: E402
from sqlalchemy.dialects import postgresql  # noqa: E402
from sqlalchemy.orm import Session, defer, lazyload  # noqa: E402

from portal.auth.passwords import PasswordHashParams  # noqa: E402
from portal.cli.database import alembic_config  # noqa: E402
from portal.config import LOCALES, Config  # noqa: E402
from portal.crypto import KdfParams  # noqa: E402
from portal.desk.duplicates import suggest_duplicates  # noqa: E402
from portal.desk.queue import (  # noqa: E402
    Assigned,
    QueueFilters,
    QueuePage,
    Sort,
    queue_page,
    queue_query,
)
from portal.desk.queue import _decode as decode_cursor  # noqa: E402  the product's own format
from portal.desk.queue import _encode as encode_cursor  # noqa: E402
from portal.domain.catalogue import INDICATOR_CODES  # noqa: E402
from portal.domain.models import (  # noqa: E402
    Compact,
    CompactDesk,
    CompactStatus,
    Desk,
    Report,
    Role,
    User,
)
from portal.domain.workflow import ReportStatus  # noqa: E402
from portal.i18n.places import regions  # noqa: E402
from portal.provision.accounts import NewAccount, create_account  # noqa: E402
from portal.web.worker import settle as settle_worker  # noqa: E402

HOST = "127.0.0.1"  # the only server this bench ever talks to
DATABASE = "cw_bench_desk"  # the default; --database names another (dropped and made again)
TARGET_SECONDS = 0.050  # the queue page's p95 target
PASSWORD = "bench password, not for production 7"
FAST_HASH = PasswordHashParams(memory_kib=8 * 1024, iterations=1, lanes=1)
FAST_KDF = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
STATEMENT_TIMEOUT_MS = 60_000
DEEP_WALK_SECONDS = 60.0

S = ReportStatus
OPEN = (S.RECEIVED, S.TRIAGED, S.IN_REVIEW, S.NEEDS_INFO)


@dataclass(frozen=True)
class DeskSpec:
    code: str
    share: float
    languages: dict[str, float]
    partner: str


# The demo's four countries; the languages are the 7 UI locales as reporters in each would use them.
DESKS = (
    DeskSpec("IQ", 0.55, {"ar": 0.62, "ckb": 0.28, "en": 0.10}, "Ministry of Interior"),
    DeskSpec("PH", 0.25, {"fil": 0.72, "en": 0.28}, "Department of National Defense"),
    DeskSpec("SO", 0.15, {"so": 0.80, "ar": 0.12, "en": 0.08}, "Federal security sector"),
    DeskSpec("NE", 0.05, {"ha": 0.58, "fr": 0.37, "en": 0.05}, "Ministry of Defence"),
)
assert {lang for d in DESKS for lang in d.languages} == set(LOCALES)
VERIFIER_DESKS = ("IQ", "NE")  # the biggest desk's verifier, who also covers the smallest one
COLLEAGUES_PER_DESK = 3

CLOSED_SPLIT = {
    S.CLOSED: 0.35,
    S.VERIFIED: 0.25,
    S.REJECTED: 0.22,
    S.PARTIALLY_VERIFIED: 0.08,
    S.UNVERIFIED: 0.06,
    S.DUPLICATE: 0.04,
}
OPEN_SPLIT = {S.RECEIVED: 0.35, S.TRIAGED: 0.20, S.IN_REVIEW: 0.30, S.NEEDS_INFO: 0.15}
VERDICT_STATUSES = {
    S.VERIFIED,
    S.PARTIALLY_VERIFIED,
    S.UNVERIFIED,
    S.REJECTED,
    S.DUPLICATE,
    S.CLOSED,
}
FORCES = {
    "police": 0.34,
    "army": 0.26,
    "militia": 0.16,
    "intelligence": 0.08,
    "border": 0.06,
    "gendarmerie": 0.05,
    "other": 0.05,
}
CHANNELS = {"web": 0.70, "sms": 0.20, "api": 0.10}

REPORT_COLUMNS = (
    "indicator_codes",
    "id",
    "public_id",
    "desk_id",
    "compact_id",
    "country",
    "region",
    "incident_month",
    "primary_indicator",
    "force_branch",
    "severity",
    "channel",
    "language",
    "status",
    "priority",
    "source_reliability",
    "information_credibility",
    "cluster_id",
    "assigned_to_id",
    "organisation_id",
    "created_day",
    "last_activity_day",
    "retention_until",
    "receipt_lookup",
    "fingerprint",
    "unit_key",
    "place_key",
    "day_key",
    "intake_done",
    "payload_sealed",
    "shredded",
)


# --------------------------------------------------------------------------------------------
# The database


def server_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.hostname != HOST:
        raise SystemExit(f"--server must be on {HOST}, not {parts.hostname!r}")
    return raw.rstrip("/")


def pg(url: str, **kwargs: Any) -> psycopg.Connection:
    """A raw psycopg connection; `url` is a plain postgresql:// URL."""
    return psycopg.connect(url, **kwargs)


def database_name(raw: str) -> str:
    """A plain identifier: it is written into DROP and CREATE DATABASE."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", raw):
        raise SystemExit(f"--database must be a plain lower-case name, not {raw!r}")
    return raw


def database_exists(server: str, database: str) -> bool:
    with pg(f"{server}/postgres", autocommit=True) as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
            is not None
        )


def recreate_database(server: str, database: str) -> None:
    with pg(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {database}")


def drop_database(server: str, database: str) -> None:
    with pg(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def schema_snapshot(conn: psycopg.Connection, tables: tuple[str, ...]) -> list[str]:
    """Every index and constraint definition of `tables`, to compare before and after a load."""
    rows = conn.execute(
        """
        SELECT 'index ' || indexname || ': ' || indexdef FROM pg_indexes
         WHERE schemaname = 'public' AND tablename = ANY(%(t)s)
        UNION ALL
        SELECT 'constraint ' || conname || ': ' || pg_get_constraintdef(c.oid)
          FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
         WHERE r.relname = ANY(%(t)s)
        ORDER BY 1
        """,
        {"t": list(tables)},
    ).fetchall()
    return [r[0] for r in rows]


@dataclass
class Dropped:
    """What was taken off the tables for the COPY, in the order to put it back."""

    constraints: list[tuple[str, str, str]] = field(default_factory=list)  # table, name, def
    indexes: list[str] = field(default_factory=list)  # CREATE INDEX statements


def drop_for_copy(conn: psycopg.Connection, tables: tuple[str, ...]) -> Dropped:
    """Drop secondary indexes, unique and foreign-key constraints (not primary keys)."""
    dropped = Dropped()
    # Foreign keys pointing at or from these tables, then unique constraints.
    rows = conn.execute(
        """
        SELECT r.relname, c.conname, pg_get_constraintdef(c.oid), c.contype
          FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
         WHERE c.contype IN ('f', 'u')
           AND (r.relname = ANY(%(t)s)
                OR c.confrelid IN (SELECT oid FROM pg_class WHERE relname = ANY(%(t)s)))
         ORDER BY c.contype DESC, r.relname, c.conname  -- 'u' first when re-adding
        """,
        {"t": list(tables)},
    ).fetchall()
    for table, name, _definition, _kind in sorted(rows, key=lambda r: r[3] == "u"):
        conn.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    dropped.constraints = [(t, n, d) for t, n, d, k in sorted(rows, key=lambda r: r[3] != "u")]
    indexes = conn.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
         WHERE i.schemaname = 'public' AND i.tablename = ANY(%(t)s)
           AND i.indexname NOT IN (SELECT conname FROM pg_constraint)
        """,
        {"t": list(tables)},
    ).fetchall()
    for name, definition in indexes:
        conn.execute(f'DROP INDEX "{name}"')
        dropped.indexes.append(definition)
    return dropped


def restore_after_copy(url: str, dropped: Dropped) -> None:
    """Build the indexes on two connections at once (2 cores), then add the constraints back.

    Unique constraints are built as unique indexes in the same pool and attached with
    `ADD CONSTRAINT ... USING INDEX`, which gives the same constraint and index as before.
    """
    builds = list(dropped.indexes)
    attach = []
    for table, name, definition in dropped.constraints:
        unique = re.fullmatch(r"UNIQUE \((.+)\)", definition)
        if unique:
            builds.append(f'CREATE UNIQUE INDEX "{name}" ON public."{table}" ({unique.group(1)})')
            attach.append(
                f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" UNIQUE USING INDEX "{name}"'
            )
        else:
            attach.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    errors: list[BaseException] = []

    def worker(statements: list[str]) -> None:
        try:
            with pg(url, autocommit=True) as conn:
                conn.execute("SET maintenance_work_mem = '256MB'")
                conn.execute("SET max_parallel_maintenance_workers = 0")
                for statement in statements:
                    conn.execute(statement)
        except BaseException as error:  # reported by the caller
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(builds[k::2],)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    with pg(url, autocommit=True) as conn:
        for statement in attach:
            conn.execute(statement)


# --------------------------------------------------------------------------------------------
# The load


def weighted(rng: random.Random, weights: dict[Any, float], k: int) -> list[Any]:
    return rng.choices(list(weights), weights=list(weights.values()), k=k)


def zipf_weights(items: list[str], rng: random.Random, s: float = 1.0) -> dict[str, float]:
    shuffled = list(items)
    rng.shuffle(shuffled)
    return {item: 1.0 / (rank + 1) ** s for rank, item in enumerate(shuffled)}


@dataclass
class World:
    """The rows the reports reference, and the people the bench signs in as."""

    desk_ids: dict[str, int]
    compact_ids: dict[str, int]
    assignees: dict[str, list[int]]  # desk code -> verifier ids
    verifier_id: int
    verifier_email: str
    region_weights: dict[str, dict[str, float]]


def seed_world(session: Session, personal: Any, rng: random.Random) -> World:
    """Desks, compacts and verifiers through the models and `create_account`, like the product."""
    from portal.i18n.places import country_name

    today = dt.date.today()
    for spec in DESKS:
        desk = Desk(code=spec.code, name=f"{country_name(spec.code)} desk", country=spec.code)
        session.add(desk)
        session.flush()
        session.add(
            Compact(
                slug=f"{spec.code.lower()}-bench",
                country=spec.code,
                partner=spec.partner,
                title=f"{country_name(spec.code)} bench compact",
                start_day=today.replace(year=today.year - 4, day=1),
                end_day=today.replace(year=today.year + 4, day=1),
                status=CompactStatus.ACTIVE,
                desks=[CompactDesk(desk_id=desk.id)],
            )
        )
    session.flush()
    email = "bench-verifier@bench.test"
    main = create_account(
        session,
        NewAccount(
            email, "Bench Verifier", PASSWORD, frozenset({Role.VERIFIER}), frozenset(VERIFIER_DESKS)
        ),
        FAST_HASH,
        personal,
    ).user
    assignees: dict[str, list[int]] = {d.code: [] for d in DESKS}
    for code in VERIFIER_DESKS:
        assignees[code].append(main.id)
    for spec in DESKS:
        for n in range(COLLEAGUES_PER_DESK):
            colleague = create_account(
                session,
                NewAccount(
                    f"v{n}-{spec.code.lower()}@bench.test",
                    f"Verifier {n} {spec.code}",
                    PASSWORD,
                    frozenset({Role.VERIFIER}),
                    frozenset({spec.code}),
                ),
                FAST_HASH,
                personal,
            ).user
            assignees[spec.code].append(colleague.id)
    session.commit()
    desk_ids = {d.code: d.id for d in session.scalars(select(Desk))}
    compact_ids = {c.country: c.id for c in session.scalars(select(Compact))}
    region_weights = {
        spec.code: zipf_weights([p.code for p in regions(spec.code)], rng) for spec in DESKS
    }
    return World(desk_ids, compact_ids, assignees, main.id, email, region_weights)


def report_rows(n: int, world: World, seed: int) -> Iterator[tuple[tuple[Any, ...], list[str]]]:
    """Yield (report row, indicator codes) in id order; ids follow the created day.

    Columns are drawn with numpy (a dependency of scipy, which the portal uses), 100,000 rows at
    a time, and zipped into rows for COPY: a million rows take seconds of Python, not minutes.
    """
    gen = np.random.default_rng(seed)
    today = np.datetime64(dt.date.today(), "D")
    span = 3 * 365
    # Volume grows over the three years: density rises linearly towards today.
    ages = np.sort((span * (1.0 - np.sqrt(gen.random(n)))).astype(np.int64))[::-1]
    indicator_weights = zipf_weights(list(INDICATOR_CODES), random.Random(seed), s=0.8)

    def draw(weights: dict[Any, float], size: int) -> np.ndarray:
        keys = list(weights)
        p = np.array(list(weights.values()), dtype=float)
        return np.array(keys, dtype=object)[gen.choice(len(keys), size=size, p=p / p.sum())]

    open_split = {s.value: w for s, w in OPEN_SPLIT.items()}
    closed_split = {s.value: w for s, w in CLOSED_SPLIT.items()}
    graded_values = [s.value for s in VERDICT_STATUSES if s != S.DUPLICATE]
    payloads = os.urandom(200 * 4096)
    chunk = 100_000
    for first in range(0, n, chunk):
        count = min(chunk, n - first)
        age = ages[first : first + count]
        created = today - age
        desk = draw({d.code: d.share for d in DESKS}, count)
        is_open = gen.random(count) < np.where(age <= 60, 0.45, 0.003)
        status = np.where(is_open, draw(open_split, count), draw(closed_split, count))
        priority = np.minimum(150, gen.exponential(np.where(is_open, 28.0, 14.0)).astype(np.int64))
        region = np.empty(count, dtype=object)
        language = np.empty(count, dtype=object)
        assigned = np.full(count, None, dtype=object)
        working = np.isin(status, [S.IN_REVIEW.value, S.NEEDS_INFO.value])
        assigned_p = np.where(working, 0.85, np.where(is_open, 0.15, 0.065))  # ~8 % in all
        takes = gen.random(count) < assigned_p
        for spec in DESKS:
            mine = desk == spec.code
            size = int(mine.sum())
            region[mine] = draw(world.region_weights[spec.code], size)
            language[mine] = draw(spec.languages, size)
            people = np.array(world.assignees[spec.code], dtype=object)
            pick = mine & takes
            assigned[pick] = people[gen.integers(0, len(people), int(pick.sum()))]
        months = created.astype("datetime64[M]")
        back = np.minimum(gen.exponential(1.2, count).astype(np.int64), 11)
        incident_month = (months - back).astype("datetime64[D]")
        last_activity = created + np.minimum(age, gen.exponential(20.0, count).astype(np.int64))
        keep = np.where(
            status == S.REJECTED.value, 180, np.where(status == S.CLOSED.value, 730, -1)
        )
        retention_until = last_activity + np.maximum(keep, 0)
        has_retention = keep >= 0
        shredded = has_retention & (retention_until < today)
        graded = np.isin(status, graded_values)
        nothing = np.full(count, None, dtype=object)
        letters = np.array(list("ABCDEF"), dtype=object)[gen.integers(0, 6, count)]
        reliability = np.where(graded, letters, nothing)
        credibility = np.where(graded, gen.integers(1, 7, count).astype(object), nothing)
        primary = draw(indicator_weights, count)
        second = draw(indicator_weights, count)
        two = (gen.random(count) < 0.35) & (second != primary)
        received_today = (status == S.RECEIVED.value) & (age <= 1)
        ids = base64.urlsafe_b64encode(os.urandom(18 * count)).decode()  # 24 characters a row
        keys = os.urandom(32 * 5 * count).hex()  # 5 x 64 hex characters per row
        unit = (gen.random(count) < 0.4).tolist()
        starts = range(0, 320 * count, 320)
        offsets = (gen.integers(0, 4096, count) * 200).tolist()
        columns = (
            range(first + 1, first + count + 1),
            [ids[k : k + 22] for k in range(0, 24 * count, 24)],  # like token_urlsafe(16)
            [world.desk_ids[c] for c in desk],
            [world.compact_ids[c] for c in desk],
            desk.tolist(),
            region.tolist(),
            incident_month.tolist(),
            primary.tolist(),
            draw(FORCES, count).tolist(),
            draw({1: 0.30, 2: 0.45, 3: 0.25}, count).tolist(),
            draw(CHANNELS, count).tolist(),
            language.tolist(),
            status.tolist(),
            priority.tolist(),
            reliability.tolist(),
            credibility.tolist(),
            itertools.repeat(None),  # cluster_id: no clusters in this bench
            assigned.tolist(),
            itertools.repeat(None),  # organisation_id: hidden by the reporter
            created.tolist(),
            last_activity.tolist(),
            [
                d if h else None
                for d, h in zip(retention_until.tolist(), has_retention, strict=True)
            ],
            [keys[k : k + 64] for k in range(0, 320 * count, 320)],  # receipt_lookup, unique
            [keys[k : k + 64] for k in range(64, 320 * count, 320)],  # fingerprint
            [keys[k + 128 : k + 192] if u else None for k, u in zip(starts, unit, strict=True)],
            [keys[k : k + 64] for k in range(192, 320 * count, 320)],  # place_key
            [keys[k : k + 64] for k in range(256, 320 * count, 320)],  # day_key
            (~received_today).tolist(),
            [
                None if gone else payloads[o : o + 200]
                for o, gone in zip(offsets, shredded, strict=True)
            ],
            shredded.tolist(),
        )
        indicator_pairs = zip(primary.tolist(), second.tolist(), two.tolist(), strict=True)
        rows = zip(*columns, strict=False)  # two columns are itertools.repeat(None)
        for row, (one, other, both) in zip(rows, indicator_pairs, strict=True):
            yield row, [one, other] if both else [one]


def load(
    server: str, database: str, n: int, world_factory: Callable[[], World], seed: int
) -> tuple[World, dict[str, float]]:
    url = f"{server}/{database}"
    timings: dict[str, float] = {}
    started = time.perf_counter()
    recreate_database(server, database)
    command.upgrade(alembic_config(sqlalchemy_url(url)), "head")
    timings["create + migrate"] = time.perf_counter() - started
    world = world_factory()
    tables = ("reports", "report_indicators")
    with pg(url) as conn:
        before = schema_snapshot(conn, tables)
        conn.execute("SET maintenance_work_mem = '512MB'")
        conn.execute("SET max_parallel_maintenance_workers = 2")
        dropped = drop_for_copy(conn, tables)
        conn.commit()
        t0 = time.perf_counter()
        indicator_rows: list[tuple[int, int, str]] = []
        with conn.cursor() as cur:
            columns = ", ".join(REPORT_COLUMNS)
            with cur.copy(f"COPY reports ({columns}) FROM STDIN") as copy:
                for row, codes in report_rows(n, world, seed):
                    copy.write_row((",".join(sorted(codes)), *row))
                    for code in codes:
                        indicator_rows.append((len(indicator_rows) + 1, row[0], code))
            with cur.copy(
                "COPY report_indicators (id, report_id, indicator_code) FROM STDIN"
            ) as copy:
                for irow in indicator_rows:
                    copy.write_row(irow)
        conn.commit()
        timings["generate + COPY"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        restore_after_copy(url, dropped)
        conn.execute("SELECT setval(pg_get_serial_sequence('reports', 'id'), %s)", [n])
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('report_indicators', 'id'), %s)",
            [len(indicator_rows)],
        )
        conn.commit()
        timings["indexes + constraints"] = time.perf_counter() - t0
        after = schema_snapshot(conn, tables)
        if before != after:
            missing = sorted(set(before) - set(after))
            extra = sorted(set(after) - set(before))
            raise RuntimeError(f"schema differs after the load: missing {missing}, extra {extra}")
        conn.commit()
        t0 = time.perf_counter()
        conn.autocommit = True
        conn.execute("VACUUM (ANALYZE) reports")
        conn.execute("VACUUM (ANALYZE) report_indicators")
        timings["VACUUM ANALYZE"] = time.perf_counter() - t0
    timings["total"] = time.perf_counter() - started
    timings["indicator rows"] = float(len(indicator_rows))
    return world, timings


def sqlalchemy_url(url: str) -> str:
    return "postgresql+psycopg://" + url.removeprefix("postgresql://")


# --------------------------------------------------------------------------------------------
# Measuring


@dataclass(frozen=True)
class Case:
    name: str
    filters: QueueFilters
    sort: Sort = Sort.PRIORITY
    # Start after this many pages: the cursor is that of the row at deep_pages x 50, found with
    # OFFSET, and (walk=True) checked by following the cursor page by page with queue_page.
    deep_pages: int = 0
    walk: bool = False
    # "product": queue_page as it is. Proposals for queue.py, measured with --try-indexes:
    # "bounded": the same query plus the index-usable conjunct `priority <= last priority`;
    # "row": ORDER BY -priority, id and the keyset as one row comparison
    # (-priority, id) > (-last priority, last id), for an index on ((-priority), id).
    keyset: str = "product"


@dataclass
class Timing:
    samples: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def p95(self) -> float:
        if len(self.samples) < 2:
            return self.samples[0] if self.samples else float("nan")
        return statistics.quantiles(self.samples, n=100, method="inclusive")[94]


@dataclass
class Result:
    case: Case
    orm: Timing
    raw: Timing
    rows: int
    sql: str
    plan: str = ""

    @property
    def ratio(self) -> float:
        return self.orm.p50 / self.raw.p50 if self.raw.p50 else float("nan")

    @property
    def meets(self) -> bool:
        return self.orm.p95 < TARGET_SECONDS


def repeat(run: Callable[[], object], repetitions: int, budget: float) -> Timing:
    """Up to `repetitions` timed runs after one warm-up, stopping after `budget` seconds (>= 5)."""
    run()  # warm caches and lazy initialisation outside the measurement
    samples: list[float] = []
    stop = time.perf_counter() + budget
    for _ in range(repetitions):
        t0 = time.perf_counter()
        run()
        samples.append(time.perf_counter() - t0)
        if time.perf_counter() > stop and len(samples) >= 5:
            break
    return Timing(samples)


def proposed_page(
    session: Session, desk_ids: list[int], viewer_id: int, case: Case, cursor: str | None
) -> QueuePage:
    """`queue_page` with the keyset written so that PostgreSQL can start an index range at it.

    "bounded" adds `priority <= p` to the product's `priority < p OR (priority = p AND id > i)`:
    same rows, but the scan starts at priority p (it still steps over the rows of priority p
    before id i). "row" orders by (-priority, id), which is the same order as priority DESC,
    id ASC, and pages with the row comparison (-priority, id) > (-p, i): one index range that
    starts exactly at the cursor, given an index on ((-priority), id).
    """
    query = queue_query(desk_ids, viewer_id, case.filters, case.sort)
    if case.sort != Sort.PRIORITY:
        raise ValueError("the proposals are for the priority sort")
    last = decode_cursor(cursor, case.sort) if cursor else None
    if case.keyset == "bounded" and last:
        priority, last_id = last
        query = query.where(
            Report.priority <= priority,
            or_(Report.priority < priority, and_(Report.priority == priority, Report.id > last_id)),
        )
    elif case.keyset == "row":
        query = query.order_by(None).order_by(-Report.priority, Report.id)
        if last:
            query = query.where(tuple_(-Report.priority, Report.id) > tuple_(-last[0], last[1]))
    rows = list(session.scalars(query.limit(51)))
    more = len(rows) > 50
    rows = rows[:50]
    cursor = encode_cursor(case.sort, rows[-1]) if more and rows else None
    return QueuePage(reports=rows, next_cursor=cursor, sort=case.sort, filters=case.filters)


class QueueTooShort(Exception):
    """A deep-page case asks for a page beyond the end of the queue (a small --reports)."""


class Bench:
    def __init__(self, database: Any, raw_url: str, world: World, args: argparse.Namespace) -> None:
        self.database = database  # portal.database.Database: the product's engine and sessions
        self.raw_url = raw_url
        self.raw = pg(raw_url, autocommit=True)
        self.raw.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
        self.world = world
        self.args = args
        self.desk_ids = [world.desk_ids[c] for c in VERIFIER_DESKS]
        self.cursors: dict[tuple[Any, ...], str | None] = {}

    @staticmethod
    def cursor_key(case: Case) -> tuple[Any, ...]:
        return (case.filters, case.sort, case.deep_pages)

    def page(self, case: Case, capture: list[Any] | None = None) -> QueuePage:
        session = self.database.sessions()
        if capture is not None:

            @event.listens_for(session, "do_orm_execute")
            def _grab(state: Any) -> None:
                if not capture:
                    capture.append(state.statement)

        cursor = self.cursors.get(self.cursor_key(case))
        try:
            if case.keyset != "product":
                return proposed_page(session, self.desk_ids, self.world.verifier_id, case, cursor)
            return queue_page(
                session,
                self.desk_ids,
                self.world.verifier_id,
                case.filters,
                sort=case.sort,
                cursor=cursor,
            )
        finally:
            session.close()

    def prepare(self, case: Case, label: str) -> None:
        """Find the deep page's cursor with OFFSET; with walk=True, also reach it page by page.

        The walk goes through the case's own query form (the product's, or a proposal's), so
        ending on OFFSET's cursor shows that the form pages through the same rows in the same
        order as ORDER BY ... OFFSET does.
        """
        if not case.deep_pages:
            return
        key = self.cursor_key(case)
        position = case.deep_pages * 50
        if key not in self.cursors:
            query = queue_query(self.desk_ids, self.world.verifier_id, case.filters, case.sort)
            keys = query.with_only_columns(Report.priority, Report.id)
            found = self.fetch_raw(literal_sql(keys.offset(position - 1).limit(1)))
            if not found:
                raise QueueTooShort(f"the queue has fewer than {position:,} rows")
            row = found[0]
            last: Any = SimpleNamespace(priority=row[0], id=row[1])  # what _encode reads
            self.cursors[key] = encode_cursor(case.sort, last)
        cursor = self.cursors[key]
        if not case.walk:
            print(f"  [{label}] {case.name}: cursor of row {position:,} found with OFFSET")
            return
        session = self.database.sessions()
        walked: str | None = None
        pages = 0
        t0 = time.perf_counter()
        try:
            while pages < case.deep_pages and time.perf_counter() - t0 < DEEP_WALK_SECONDS:
                if case.keyset == "product":
                    page = queue_page(
                        session,
                        self.desk_ids,
                        self.world.verifier_id,
                        case.filters,
                        sort=case.sort,
                        cursor=walked,
                    )
                else:
                    page = proposed_page(
                        session, self.desk_ids, self.world.verifier_id, case, walked
                    )
                pages += 1
                session.expunge_all()
                walked = page.next_cursor
        finally:
            session.close()
        seconds = time.perf_counter() - t0
        each = seconds / max(pages, 1) * 1000
        if pages == case.deep_pages:
            if walked != cursor:
                raise RuntimeError(f"{case.name}: the walk ended on {walked}, OFFSET on {cursor}")
            print(
                f"  [{label}] {case.name}: walked {pages} pages in {seconds:.1f} s "
                f"({each:.0f} ms a page); same cursor as OFFSET {position:,}"
            )
        else:
            print(
                f"  [{label}] {case.name}: walked {pages} pages in {seconds:.1f} s "
                f"({each:.0f} ms a page), stopped at {DEEP_WALK_SECONDS:.0f} s; "
                f"cursor of page {case.deep_pages} from OFFSET {position:,}"
            )

    def sql_of(self, case: Case) -> tuple[str, int]:
        captured: list[Any] = []
        page = self.page(case, captured)
        return literal_sql(captured[0]), len(page.reports)

    def fetch_raw(self, sql: str) -> list[tuple[Any, ...]]:
        with self.raw.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()

    def measure(self, case: Case, label: str) -> Result:
        self.prepare(case, label)
        sql, rows = self.sql_of(case)
        raw_rows = self.fetch_raw(sql)
        if len(raw_rows[:50]) != rows:
            raise RuntimeError(f"{case.name}: raw SQL returned {len(raw_rows)} rows, ORM {rows}")
        budget = self.args.case_seconds
        orm = repeat(lambda: self.page(case), self.args.repetitions, budget)
        raw = repeat(lambda: self.fetch_raw(sql), self.args.repetitions, budget)
        plan = plan_summary([r[0] for r in self.fetch_raw("EXPLAIN " + sql)])
        return Result(case, orm, raw, rows, sql, plan)

    def explain(self, sql: str) -> list[str]:
        with self.raw.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            return [r[0] for r in cur.fetchall()]


def literal_sql(statement: Any) -> str:
    """The statement as PostgreSQL receives it, with its parameters written in."""
    dialect: Any = postgresql.dialect()  # type: ignore[no-untyped-call]
    compiled = statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    return str(compiled)


def cases(world: World, proposals: bool) -> list[Case]:
    big = DESKS[0].code
    by_share = sorted(world.region_weights[big].items(), key=lambda kv: -kv[1])
    largest, median = by_share[0][0], by_share[len(by_share) // 2][0]
    found = [
        Case("default (priority, no filter)", QueueFilters()),
        Case("page 201 (after 200 pages)", QueueFilters(), deep_pages=200, walk=True),
        Case("page 2001 (row 100,000)", QueueFilters(), deep_pages=2000),
        Case("status = open (4 statuses)", QueueFilters(statuses=OPEN)),
        Case("open + unassigned", QueueFilters(statuses=OPEN, assigned=Assigned.UNASSIGNED)),
        Case("indicator = HR-1", QueueFilters(indicator="HR-1")),
        Case(f"region = {largest} (largest)", QueueFilters(region=largest)),
        Case(f"region = {median} (median)", QueueFilters(region=median)),
        Case("assigned = unassigned", QueueFilters(assigned=Assigned.UNASSIGNED)),
        Case("assigned = me", QueueFilters(assigned=Assigned.ME)),
        Case("language = ckb", QueueFilters(language="ckb")),
        Case("older_than_days = 30", QueueFilters(older_than_days=30)),
        Case("desk = IQ (biggest desk only)", QueueFilters(desk_id=world.desk_ids["IQ"])),
        Case("desk = NE (smallest desk only)", QueueFilters(desk_id=world.desk_ids["NE"])),
        Case("sort = newest", QueueFilters(), sort=Sort.NEWEST),
    ]
    if proposals:
        found += [
            replace(c, name=c.name.split(" (")[0] + " bounded keyset", keyset="bounded", walk=False)
            for c in found
            if c.deep_pages
        ]
    return found


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


def print_table(results: list[Result], title: str) -> None:
    print(f"\n{title}")
    header = (
        f"{'case':<34} {'rows':>4} {'ORM p50':>8} {'ORM p95':>8} {'raw p50':>8} "
        f"{'raw p95':>8} {'ORM/raw':>7} {'n':>4}  p95<50ms  plan (first nodes)"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.case.name:<34} {r.rows:>4} {ms(r.orm.p50)} {ms(r.orm.p95)} {ms(r.raw.p50)} "
            f"{ms(r.raw.p95)} {r.ratio:>7.2f} {len(r.orm.samples):>4}  "
            f"{'yes' if r.meets else 'NO ':<8}  {r.plan}"
        )
    print(
        "(milliseconds; ORM = queue_page with a fresh session; raw = the same SELECT with "
        "literal binds, psycopg fetchall; ratio of p50s; n = ORM repetitions)"
    )


def compare(before: list[Result], after: list[Result], title: str) -> None:
    print(f"\n{title}")
    header = (
        f"{'case':<34} {'p95 before':>10} {'p95 after':>10} {'speed-up':>8}  p95<50ms  "
        "plan after (first nodes)"
    )
    print(header)
    print("-" * len(header))
    earlier = {r.case.name: r for r in before}
    for a in after:
        b = earlier.get(a.case.name)
        was = ms(b.orm.p95) if b else "-"
        gain = f"{b.orm.p95 / a.orm.p95:>7.1f}x" if b else f"{'-':>8}"
        print(
            f"{a.case.name:<34} {was:>10} {ms(a.orm.p95):>10} {gain}  "
            f"{'yes' if a.meets else 'NO ':<8}  {a.plan}"
        )


def plan_summary(lines: list[str]) -> str:
    """The plan's first nodes and their indexes: enough to see which index a case used."""
    nodes = []
    for line in lines:
        found = re.match(
            r"\s*(?:->\s*)?([A-Z][A-Za-z ]+?)(?: using (\w+))?(?: on (\w+))?\s+\(", line
        )
        if found and found.group(1) not in {"Limit", "Gather Merge", "Gather"}:
            index = found.group(2) or (found.group(3) if "Index" in found.group(1) else None)
            nodes.append(found.group(1) + (f" {index}" if index else ""))
    return " > ".join(nodes[:3])


def run_cases(bench: Bench, all_cases: list[Case], label: str) -> list[Result]:
    results = []
    for case in all_cases:
        try:
            result = bench.measure(case, label)
        except QueueTooShort as short:
            print(f"  [{label}] {case.name}: skipped, {short}")
            continue
        print(
            f"  [{label}] {case.name}: ORM p95 {result.orm.p95 * 1000:.1f} ms, "
            f"raw p95 {result.raw.p95 * 1000:.1f} ms",
            flush=True,
        )
        results.append(result)
    return results


def show_explains(bench: Bench, results: list[Result], count: int, label: str) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the slowest cases, the select list shortened."""
    slowest = sorted(results, key=lambda r: -r.orm.p95)[:count]
    for r in slowest:
        print(
            f"\n--- EXPLAIN (ANALYZE, BUFFERS) [{label}] {r.case.name} "
            f"(ORM p95 {r.orm.p95 * 1000:.1f} ms)"
        )
        shown = re.sub(
            r"^SELECT .*?\nFROM reports",
            "SELECT reports.<30 columns> FROM reports",
            r.sql,
            flags=re.S,
        )
        print("   " + " ".join(shown.split()))
        for line in bench.explain(r.sql):
            print("   " + line)


# --------------------------------------------------------------------------------------------
# Candidate indexes (created in the bench database only, never in a model or migration)


@dataclass(frozen=True)
class Candidate:
    label: str
    statements: tuple[str, ...]
    keyset: str  # the query form the candidate is for: "product" or "row"


CANDIDATES = (
    Candidate(
        "1: plain (desk_id, priority DESC, id) + (priority DESC, id), queries as they are",
        (
            "CREATE INDEX ix_bench_desk_priority ON reports (desk_id, priority DESC, id)",
            "CREATE INDEX ix_bench_priority ON reports (priority DESC, id)",
        ),
        "product",
    ),
    Candidate(
        "2: (desk_id, (-priority), id) + ((-priority), id), with the row-comparison keyset",
        (
            "CREATE INDEX ix_bench_desk_negpriority ON reports (desk_id, (-priority), id)",
            "CREATE INDEX ix_bench_negpriority ON reports ((-priority), id)",
        ),
        "row",
    ),
)


def for_candidate(all_cases: list[Case], candidate: Candidate) -> list[Case]:
    """The cases as the candidate's query form runs them (same names, to compare)."""
    if candidate.keyset == "product":
        return all_cases
    return [
        replace(c, keyset=candidate.keyset) if c.sort == Sort.PRIORITY else c
        for c in all_cases
        if c.keyset == "product"
    ]


def try_indexes(bench: Bench, all_cases: list[Case], before: list[Result], url: str) -> None:
    for candidate in CANDIDATES:
        label = candidate.label
        short = "candidate " + label.split(":")[0]
        print(f"\n=== {short}: {label.split(': ', 1)[1]}")
        with pg(url, autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '512MB'")
            t0 = time.perf_counter()
            for statement in candidate.statements:
                print("  " + statement + ";")
                conn.execute(statement)
            conn.execute("ANALYZE reports")
            size = conn.execute(
                "SELECT pg_size_pretty(sum(pg_relation_size(indexrelid))) FROM pg_index "
                "JOIN pg_class ON pg_class.oid = indexrelid WHERE relname LIKE 'ix_bench_%'"
            ).fetchone()
            print(f"  built in {time.perf_counter() - t0:.1f} s, size {size[0] if size else '?'}")
        try:
            after = run_cases(bench, for_candidate(all_cases, candidate), short)
            print_table(after, f"Queue with {short}")
            compare(before, after, f"Before/after, {short} (ORM p95, ms)")
            show_explains(bench, after, 2, short)
        finally:
            with pg(url, autocommit=True) as conn:
                for name in conn.execute(
                    "SELECT indexname FROM pg_indexes WHERE indexname LIKE 'ix_bench_%'"
                ).fetchall():
                    conn.execute(f'DROP INDEX "{name[0]}"')
                conn.execute("ANALYZE reports")


# --------------------------------------------------------------------------------------------
# The HTTP page


def csrf_token(client: Any) -> str:
    page = client.get("/auth/login").get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    if not found:
        raise RuntimeError("no CSRF token on /auth/login")
    return found.group(1)


def signed_in_client(app: Any, bench: Bench) -> Any:
    """A test client signed in as the bench verifier through /auth/login: the session holds the
    personal key, so the desk keys unlock on each request as in production."""
    client = app.test_client()
    response = client.post(
        "/auth/login",
        data={
            "csrf_token": csrf_token(client),
            "email": bench.world.verifier_email,
            "password": PASSWORD,
        },
    )
    if response.status_code != 302:
        raise RuntimeError(f"sign-in answered {response.status_code}")
    if "/two-factor" in response.headers.get("Location", ""):
        # The second factor is not what this bench measures: finish the session's sign-in in the
        # database, as a verified TOTP code would, so that the loader accepts it.
        with pg(bench.raw_url, autocommit=True) as conn:
            conn.execute(
                "UPDATE staff_sessions SET auth_level = 'full' WHERE user_id = %s",
                [bench.world.verifier_id],
            )
        print("(second factor pending after /auth/login: the session was marked full in the DB)")
    return client


def http_page(client: Any, bench: Bench, args: argparse.Namespace) -> None:
    rows_seen: list[int] = []

    def get(path: str) -> Callable[[], None]:
        def run() -> None:
            answer = client.get(path)
            if answer.status_code != 200:
                raise RuntimeError(f"GET {path} answered {answer.status_code}")
            rows_seen.append(answer.get_data(as_text=True).count('name="reports"'))

        return run

    open_query = "&".join(f"status={s.value}" for s in OPEN)
    paths = [("/desk/", "GET /desk/ (default)"), (f"/desk/?{open_query}", "GET /desk/?status=open")]
    health = repeat(get("/healthz"), args.repetitions, args.case_seconds)
    queue_default = bench.measure(Case("default (priority, no filter)", QueueFilters()), "http")
    print("\nFull HTTP page through the Flask test client (signed-in verifier, IQ + NE)")
    header = (
        f"{'request':<28} {'rows':>4} {'p50':>8} {'p95':>8} {'x healthz':>9} "
        f"{'x queue_page':>12}  p95<50ms"
    )
    print(header)
    print("-" * len(header))
    print(
        f"{'GET /healthz (baseline)':<28} {'':>4} {ms(health.p50)} {ms(health.p95)} "
        f"{1.0:>9.1f} {'':>12}"
    )
    print(
        f"{'queue_page (baseline)':<28} {queue_default.rows:>4} {ms(queue_default.orm.p50)} "
        f"{ms(queue_default.orm.p95)} {queue_default.orm.p50 / health.p50:>9.1f} {1.0:>12.2f}"
    )
    for path, label in paths:
        rows_seen.clear()
        timing = repeat(get(path), args.repetitions, args.case_seconds)
        print(
            f"{label:<28} {rows_seen[-1]:>4} {ms(timing.p50)} {ms(timing.p95)} "
            f"{timing.p50 / health.p50:>9.1f} {timing.p50 / queue_default.orm.p50:>12.2f}  "
            f"{'yes' if timing.p95 < TARGET_SECONDS else 'NO'}"
        )
    print("(milliseconds; x = ratio of p50s; /healthz is SELECT 1 through the same app and client)")


# --------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=f"postgresql://postgres@{HOST}:5432")
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--repetitions", type=int, default=50)
    parser.add_argument("--case-seconds", type=float, default=6.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database", default=DATABASE, help="dropped and created again")
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept, loaded database")
    parser.add_argument("--try-indexes", action="store_true", help="measure candidate indexes")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument(
        "--report-page-only",
        action="store_true",
        help="time only the report page and its duplicate suggestions (no queue cases)",
    )
    parser.add_argument(
        "--page-runs", type=int, default=1, help="measure the report page this many times"
    )
    parser.add_argument(
        "--statements", type=int, default=0, help="time each SQL statement over this many GETs"
    )
    parser.add_argument(
        "--profile-page", type=int, default=0, help="cProfile this many report page GETs"
    )
    args = parser.parse_args()
    server = server_url(args.server)
    database = args.database = database_name(args.database)
    url = f"{server}/{database}"
    # The instance folder (its keys) belongs with the database (portal/keys/fingerprint.py): it is
    # kept beside a kept database, for --reuse, and goes with it.
    instance = Path(tempfile.gettempdir()) / f"cw-bench-instance-{database}"
    started = time.perf_counter()
    try:
        run(args, server, url, instance)
    finally:
        if not args.keep:
            shutil.rmtree(instance, ignore_errors=True)
            with contextlib.suppress(psycopg.Error):
                drop_database(server, database)
            print(f"\nDropped {database}.")
        else:
            print(
                f"\nKept {database}; drop it with: "
                f"psql -h {HOST} -U postgres -c 'DROP DATABASE {database}'"
            )
        print(f"Whole run: {time.perf_counter() - started:.0f} s")


def run(args: argparse.Namespace, server: str, url: str, instance: Path) -> None:
    from portal import create_app
    from portal.web.services import EXTENSION

    reuse = (
        args.reuse and database_exists(server, args.database) and loaded_count(url) == args.reports
    )
    if not reuse:
        shutil.rmtree(instance, ignore_errors=True)
    instance.mkdir(exist_ok=True)
    config = Config(
        database_url=sqlalchemy_url(url),
        secret_key=secrets.token_hex(32),
        instance_path=instance,
        testing=True,
        kdf=FAST_KDF,
        log_level="WARNING",  # no access-log line per request inside the timings
    )
    app = create_app(config)  # connects lazily: the database is made by `load` below
    services = app.extensions[EXTENSION]
    personal = services.keyring.personal
    rng = random.Random(args.seed)

    def make_world() -> World:
        with services.database.transaction() as session:
            return seed_world(session, personal, rng)

    if reuse:
        world = reuse_world(services.database, personal, rng)
        print(f"Reusing {args.database} with {args.reports:,} reports (no load).")
    else:
        print(f"Loading {args.reports:,} reports into {args.database} on {HOST} ...", flush=True)
        services.database.dispose()
        world, timings = load(server, args.database, args.reports, make_world, args.seed)
        indicator_rows = int(timings.pop("indicator rows"))
        print(f"Loaded {args.reports:,} reports and {indicator_rows:,} indicator rows:")
        for step, seconds in timings.items():
            print(f"  {step:<24} {seconds:6.1f} s")
    made = provision_missing_desk_keys(services)
    if made:
        print(f"Desk keys made for {', '.join(made)} (their members granted).")
    describe(url, world)
    print(f"load average now: {load_average()}")

    bench = Bench(services.database, url, world, args)
    report_id, public_id = openable_report(
        services,
        bench.raw,
        world.desk_ids["IQ"],
        open_report_pick(world.desk_ids["IQ"]),
        world.verifier_id,
        PASSWORD,
    )
    # As each gunicorn worker does once it has loaded the app (gunicorn.conf.py).
    settle_worker()
    if args.report_page_only:
        client = signed_in_client(app, bench)
        for _ in range(args.page_runs):
            report_page(client, bench, args, report_id, public_id)
        print(f"\nload average at the end: {load_average()}")
        bench.raw.close()
        services.database.dispose()
        return
    all_cases = cases(world, args.try_indexes)
    print(
        f"\nMeasuring {len(all_cases)} queue cases ({args.repetitions} repetitions each, "
        f"at most {args.case_seconds:.0f} s per path) ...",
        flush=True,
    )
    before = run_cases(bench, all_cases, "baseline")
    print_table(
        before,
        f"Desk queue, verifier of {' + '.join(VERIFIER_DESKS)}, "
        f"{args.reports:,} reports, schema at migration head",
    )
    orm_overhead(bench, args)
    suggestion_costs(bench, args)
    show_explains(bench, before, 3, "head")
    if not args.skip_http:
        client = signed_in_client(app, bench)
        http_page(client, bench, args)
        for _ in range(args.page_runs):
            report_page(client, bench, args, report_id, public_id)
    if args.try_indexes:
        try_indexes(bench, all_cases, before, url)
    print(f"\nload average at the end: {load_average()}")
    bench.raw.close()
    services.database.dispose()


def load_average() -> str:
    """Other work on the machine shows in every number here: the bench says how much there was."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f} (1/5/15 min) on {os.cpu_count()} CPUs"


def orm_overhead(bench: Bench, args: argparse.Namespace) -> None:
    """Where the ORM/raw ratio of a cheap page goes: the session, then objects and indicators."""
    case = Case("sort = newest", QueueFilters(), sort=Sort.NEWEST)
    sql, _rows = bench.sql_of(case)

    def session_only() -> None:
        with bench.database.sessions() as session:
            session.execute(text("SELECT 1"))

    def lean() -> None:
        query = queue_query(bench.desk_ids, bench.world.verifier_id, case.filters, case.sort)
        query = query.options(defer(Report.payload_sealed), lazyload(Report.indicators))
        with bench.database.sessions() as session:
            list(session.scalars(query.limit(51)))

    raw = repeat(lambda: bench.fetch_raw(sql), args.repetitions, args.case_seconds)
    fresh = repeat(session_only, args.repetitions, args.case_seconds)
    full = repeat(lambda: bench.page(case), args.repetitions, args.case_seconds)
    slim = repeat(lean, args.repetitions, args.case_seconds)
    rest = full.p50 - fresh.p50 - raw.p50
    print("\nWhere the ORM time of a cheap page goes (sort = newest, p50)")
    print(f"  raw SELECT, psycopg fetchall                   {ms(raw.p50)} ms")
    print(f"  fresh session: checkout, pre-ping, SELECT 1     {ms(fresh.p50)} ms")
    print(
        f"  queue_page (session + SELECT + 50 objects + selectin of indicators) {ms(full.p50)} ms"
    )
    print(f"  so ORM objects + the indicators query ~        {ms(rest)} ms")
    print(f"  same page without payload_sealed and without the indicators query {ms(slim.p50)} ms")
    print(
        "  (the queue template shows neither: Report.indicators is lazy='selectin', so every "
        "page also loads the indicators of all 51 rows fetched)"
    )


def suggestion_costs(bench: Bench, args: argparse.Namespace) -> None:
    """The report page's duplicate suggestions at this size, for reports of the biggest desk.

    Product: a fresh session loads the report by id and runs `suggest_duplicates` (the
    candidates' columns and indicator codes, one row a candidate, in two or three SELECTs —
    after and before the report, and sharing its unit or place — the ranking, the shown
    reports). Raw: those SELECTs as it emitted them, on psycopg.
    """
    iq = bench.world.desk_ids["IQ"]
    picks = (
        ("an open report (the report page's)", open_report_pick(iq)),
        (
            "a report of two years ago",
            f"SELECT id FROM reports WHERE desk_id = {iq} "
            "AND created_day <= current_date - 730 ORDER BY id DESC LIMIT 1",
        ),
    )
    print("\nDuplicate suggestions of one IQ report (the report page; p50 / p95 ms)")
    for label, pick in picks:
        measure_suggestions(bench, args, label, one(bench.raw, pick)[0])


def open_report_pick(iq: int) -> str:
    """The open IQ report whose page and suggestions are timed: 20 reports from the newest."""
    return (
        f"SELECT id FROM reports WHERE desk_id = {iq} AND status = 'received' "
        "ORDER BY id DESC LIMIT 1 OFFSET 20"
    )


def report_page(
    client: Any, bench: Bench, args: argparse.Namespace, report_id: int, public_id: str
) -> None:
    """The whole report page, GET /desk/reports/<id>, for the signed-in verifier: the report
    opened with the desk key unlocked from the session, its audit event, the forms, incidents
    and duplicate suggestions, the template. /healthz through the same app and client is the
    baseline; suggest_duplicates is timed alone for the same report in the same run."""
    path = f"/desk/reports/{public_id}"
    shown: list[int] = []
    cpu: list[float] = []

    def get(where: str) -> Callable[[], None]:
        def run() -> None:
            started = time.process_time()
            answer = client.get(where)
            cpu.append(time.process_time() - started)
            if answer.status_code != 200:
                raise RuntimeError(f"GET {where} answered {answer.status_code}")
            shown.append(answer.get_data(as_text=True).count('name="with_report"'))

        return run

    print(f"\nThe report page, load average {load_average()}")
    health = repeat(get("/healthz"), args.repetitions, args.case_seconds)
    cpu.clear()
    page = repeat(get(path), args.repetitions, args.case_seconds)
    page_cpu = Timing(cpu[1:])  # not the warm-up
    suggested = shown[-1]
    # The same page with the suggestions left out: what the rest of the page costs, same run.
    import portal.desk.duplicates as duplicates

    product = duplicates.start_suggesting
    duplicates.start_suggesting = lambda *_args, **_kwargs: list  # type: ignore[assignment]
    try:
        bare = repeat(get(path), args.repetitions, args.case_seconds)
    finally:
        duplicates.start_suggesting = product
    measure_suggestions(bench, args, "the same report, suggestions alone", report_id)
    one_connection(bench, report_id)
    header = f"{'request':<36} {'p50':>8} {'p95':>8} {'x healthz':>9}  p95<=30ms   n"
    print(header)
    print("-" * len(header))
    print(f"{'GET /healthz (baseline)':<36} {ms(health.p50)} {ms(health.p95)} {1.0:>9.1f}")
    print(
        f"{'GET /desk/reports/<id>':<36} {ms(page.p50)} {ms(page.p95)} "
        f"{page.p50 / health.p50:>9.1f}  {'yes' if page.p95 <= TARGET_PAGE_SECONDS else 'NO':<9} "
        f"{len(page.samples):>3}"
    )
    print(
        f"{'  of which this process CPU':<36} {ms(page_cpu.p50)} {ms(page_cpu.p95)}"
        "   (the rest: PostgreSQL, and waiting for a core)"
    )
    print(
        f"{'  the page without its suggestions':<36} {ms(bare.p50)} {ms(bare.p95)} "
        f"{bare.p50 / health.p50:>9.1f}"
    )
    print(f"({suggested} suggestions shown; load average after: {load_average()})")
    if args.profile_page:
        profile_page(get(path), args.profile_page)
    if args.statements:
        statement_times(get(path), args.statements)


def one_connection(bench: Bench, report_id: int, calls: int = 25) -> None:
    """`suggest_duplicates` again and again in one session, so on one connection: psycopg
    prepares the statement after five runs, and PostgreSQL could then switch to a plan made for
    any values (portal/database.py sets plan_cache_mode against it). A cliff shows here."""
    times: list[float] = []
    with bench.database.sessions() as session:
        report = session.get(Report, report_id)
        assert report is not None
        for _ in range(calls):
            started = time.perf_counter()
            suggest_duplicates(session, report)
            times.append(time.perf_counter() - started)
    print(
        f"  {calls} calls on one connection: first five p50 {ms(statistics.median(times[:5]))}, "
        f"the rest p50 {ms(statistics.median(times[5:]))}, slowest {ms(max(times[5:]))} ms"
    )


def measure_suggestions(bench: Bench, args: argparse.Namespace, label: str, report_id: int) -> None:
    def suggest(capture: list[Any] | None = None) -> int:
        with bench.database.sessions() as session:
            report = session.get(Report, report_id)
            assert report is not None
            if capture is None:
                return len(suggest_duplicates(session, report))

            def _grab(_conn: Any, statement: Any, multi: Any, params: Any, *_args: Any) -> None:
                # The statement is built once with bound parameters: write this run's values in.
                capture.append(statement.params(multi[0] if multi else params or {}))

            event.listen(bench.database.engine, "before_execute", _grab)
            try:
                return len(suggest_duplicates(session, report))
            finally:
                event.remove(bench.database.engine, "before_execute", _grab)

    captured: list[Any] = []
    shown = suggest(captured)
    # The candidates' SELECT (after the report, before it, sharing its unit or place: one
    # statement), each candidate's indicator codes read from its own row.
    statements = [
        sql for sql in (literal_sql(statement) for statement in captured) if "UNION ALL" in sql
    ]
    candidates = sum(len({row[0] for row in bench.fetch_raw(sql)}) for sql in statements)

    def raw() -> None:
        for sql in statements:
            bench.fetch_raw(sql)

    product = repeat(suggest, args.repetitions, args.case_seconds)
    raw_timing = repeat(raw, args.repetitions, args.case_seconds)
    plan = plan_summary([r[0] for r in bench.fetch_raw("EXPLAIN " + statements[0])])
    with bench.database.sessions() as session:
        report = session.get(Report, report_id)
        assert report is not None
        month = f"{report.incident_month:%Y-%m}"
    print(
        f"  {label} (month {month}, {candidates} candidates, {shown} shown): "
        f"suggest_duplicates {ms(product.p50)} / {ms(product.p95)}, "
        f"{len(statements)} raw SELECT {ms(raw_timing.p50)} / {ms(raw_timing.p95)}\n"
        f"    plan: {plan}"
    )


def loaded_count(url: str) -> int:
    try:
        with pg(url) as conn:
            row = conn.execute("SELECT count(*) FROM reports").fetchone()
            return int(row[0]) if row else 0
    except psycopg.Error:
        return -1


def reuse_world(database: Any, personal: Any, rng: random.Random) -> World:
    with database.transaction() as session:
        desk_ids = {d.code: d.id for d in session.scalars(select(Desk))}
        compact_ids = {c.country: c.id for c in session.scalars(select(Compact))}
        users = list(session.scalars(select(User)))
        main = next(u for u in users if u.email == "bench-verifier@bench.test")
        assignees: dict[str, list[int]] = {d.code: [] for d in DESKS}
        by_id = {v: k for k, v in desk_ids.items()}
        for user in users:
            for membership in user.desks:
                assignees[by_id[membership.desk_id]].append(user.id)
    region_weights = {
        spec.code: zipf_weights([p.code for p in regions(spec.code)], rng) for spec in DESKS
    }
    return World(desk_ids, compact_ids, assignees, main.id, main.email, region_weights)


def one(conn: psycopg.Connection, sql: str) -> tuple[Any, ...]:
    row = conn.execute(sql).fetchone()
    if row is None:
        raise RuntimeError(f"no row from {sql}")
    return tuple(row)


def describe(url: str, world: World) -> None:
    with pg(url) as conn:
        size = one(
            conn,
            "SELECT pg_size_pretty(pg_table_size('reports')), "
            "pg_size_pretty(pg_indexes_size('reports')), "
            "pg_size_pretty(pg_total_relation_size('report_indicators'))",
        )
        per_desk = conn.execute(
            "SELECT d.code, count(*), round(100.0 * count(*) / sum(count(*)) over (), 1), "
            "round(100.0 * count(*) FILTER (WHERE status IN ('received','triaged','in_review',"
            "'needs_info')) / count(*), 1) FROM reports r JOIN desks d ON d.id = r.desk_id "
            "GROUP BY d.code ORDER BY 2 DESC"
        ).fetchall()
        assigned = one(
            conn, "SELECT round(100.0 * count(assigned_to_id) / count(*), 1) FROM reports"
        )
        hr1 = one(
            conn,
            "SELECT round(100.0 * count(DISTINCT report_id) / (SELECT count(*) FROM reports), 1) "
            "FROM report_indicators WHERE indicator_code = 'HR-1'",
        )
        settings = one(
            conn,
            "SELECT version(), current_setting('shared_buffers'), current_setting('work_mem'), "
            "current_setting('effective_cache_size'), current_setting('jit')",
        )
    print(f"reports heap {size[0]}, its indexes {size[1]}; report_indicators {size[2]}")
    print("desk   reports   share  open%")
    for code, count, share, open_share in per_desk:
        print(f"{code:<5} {count:>8,} {share:>6}% {open_share:>5}%")
    print(f"assigned {assigned[0]} %; reports with HR-1 {hr1[0]} %")
    print(
        f"{settings[0].split(' on ')[0]}: shared_buffers {settings[1]}, work_mem {settings[2]}, "
        f"effective_cache_size {settings[3]}, jit {settings[4]} (server defaults, untouched)"
    )


if __name__ == "__main__":
    main()
