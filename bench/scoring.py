"""What computing a compact's scorecards costs with a million reports, against a raw GROUP BY.

Run: .venv/bin/python bench/scoring.py [--reports 1000000] [--repetitions 5] [--keep]
     [--server postgresql://postgres@127.0.0.1:5432] [--database cw_bench_scoring]

Load: a database of its own (--database, dropped and created again; 127.0.0.1 only) migrated to
head, the demo desks, compacts and plans (`seed_demo`), then --reports reports of the Iraq compact
and the incident clusters they belong to (about 2.2 reports per incident), written with COPY:
three years of incident months, rate, proportion and count indicators, ~60 % of incidents
verified or partially verified with noisy-OR weights, graded reports, unit keys on grave
violations, a few mass-casualty incidents, ~5 % of reports still open (early warnings).
VACUUM ANALYZE ends the load.

Measure, in the same run, --repetitions times each: (a) all the compact's scorecards for one
year — the four quarters and the year, five scorecards — through `compute_scorecards`, the path
the scoring job and the assessor's compute action take (the evidence, peer, assessor-data,
history, early-warning and existing-row queries, the engine, the snapshots, scorecards and
entries written; rolled back after each repetition so nothing is reused), and (b) the raw SQL
baseline: the same five periods' `GROUP BY indicator` over the same incidents on a raw psycopg
cursor. Printed: medians (and the spread), the ratio (a)/(b) and whether it meets the 2× target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import re
import secrets
import statistics
import sys
import time

import numpy as np
import psycopg
from alembic import command
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from portal.assess.periods import Period
from portal.assess.scoring import compute_scorecards
from portal.auth.passwords import PasswordHashParams
from portal.cli.database import alembic_config
from portal.crypto import Argon2Limiter, KdfParams, PersonalKeys
from portal.domain.models import Compact
from portal.i18n.places import regions
from portal.provision.demo import seed_demo

DB = "cw_bench_scoring"
_NAME = re.compile(r"[a-z_][a-z0-9_]*")
YEAR = 2026
RATE = ["IC-1", "HR-1", "HR-2", "CH-1", "AD-1"]
OTHER = ["OA-3", "PM-1", "IN-2"]


def _admin(server: str) -> psycopg.Connection:
    return psycopg.connect(f"{server}/postgres", autocommit=True)


def create(server: str, db: str) -> str:
    if "127.0.0.1" not in server and "localhost" not in server:
        raise SystemExit("this bench only runs against a local server")
    if not _NAME.fullmatch(db):
        raise SystemExit(f"{db!r} is not a plain database name")
    with _admin(server) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {db}")
    url = f"{server}/{db}".replace("postgresql://", "postgresql+psycopg://")
    command.upgrade(alembic_config(url), "head")
    return url


def seed(url: str) -> int:
    engine = create_engine(url)
    fast = KdfParams(memory_kib=8192, iterations=1, lanes=1)
    with Session(engine) as session:
        seed_demo(
            session, password="bench-password-not-used", params=PasswordHashParams(8192, 1, 1),
            personal=PersonalKeys(fast, Argon2Limiter(2)),
        )
        session.commit()
        compact = session.scalar(select(Compact).where(Compact.country == "IQ"))
        assert compact is not None
        compact_id = compact.id
    engine.dispose()
    return compact_id


def _copy(cur: psycopg.Cursor, table: str, columns: list[str], rows: io.StringIO) -> None:
    rows.seek(0)
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        while chunk := rows.read(1 << 20):
            copy.write(chunk)


def load(server: str, db: str, compact_id: int, n_reports: int) -> float:
    started = time.perf_counter()
    rng = np.random.default_rng(20261127)
    region_codes = [p.code for p in regions("IQ")]
    months = [dt.date(YEAR - 2 + (m // 12), m % 12 + 1, 1) for m in range(36)]
    n_clusters = n_reports * 10 // 22
    with psycopg.connect(f"{server}/{db}") as conn, conn.cursor() as cur:
        desk_id = cur.execute("SELECT desk_id FROM compact_desks WHERE compact_id = %s",
                              (compact_id,)).fetchone()[0]
        codes = rng.choice(RATE + OTHER, size=n_clusters, p=[.3, .15, .2, .1, .05, .05, .1, .05])
        state = rng.choice(["verified", "partially_verified", "open", "unverified", "rejected"],
                           size=n_clusters, p=[.45, .15, .2, .1, .1])
        month_of = rng.integers(0, len(months), size=n_clusters)
        region_of = rng.integers(0, len(region_codes), size=n_clusters)
        weight = np.round(1 - (1 - rng.uniform(0.05, 0.9, size=n_clusters)) ** 2, 6)
        units = [secrets.token_hex(32) for _ in range(300)]
        # Half the incidents got a response from the authorities 45 days after the month began.
        responded = [str(m + dt.timedelta(days=45)) for m in months]
        buf = io.StringIO()
        for i in range(n_clusters):
            unit = units[rng.integers(0, 300)] if codes[i] == "HR-1" and i % 3 == 0 else "\\N"
            response = responded[month_of[i]] if i % 2 else "\\N"
            buf.write(
                f"{i + 1}\tc{i:021d}\t{desk_id}\t{compact_id}\t{codes[i]}\t"
                f"{region_codes[region_of[i]]}\t{months[month_of[i]]}\t{state[i]}\t{weight[i]}\t"
                f"{unit}\t{'t' if i % 997 == 0 else 'f'}\t"
                f"{response}\t{response}\t2026-11-01\n"
            )
        _copy(cur, "incident_clusters",
              ["id", "public_id", "desk_id", "compact_id", "indicator_code", "region",
               "incident_month", "state", "weight", "unit_key", "mass_casualty",
               "investigation_opened_day", "harm_acknowledged_day", "created_day"], buf)
        cluster_of = rng.integers(0, n_clusters, size=n_reports)
        status = rng.choice(["verified", "partially_verified", "closed", "rejected", "received",
                             "in_review"], size=n_reports, p=[.4, .15, .25, .15, .03, .02])
        grades = rng.choice(list("ABCDEF"), size=n_reports)
        cred = rng.integers(1, 7, size=n_reports)
        buf = io.StringIO()
        for i in range(n_reports):
            c = cluster_of[i]
            buf.write(
                f"r{i:021d}\t{desk_id}\t{compact_id}\tIQ\t{region_codes[region_of[c]]}\t"
                f"{months[month_of[c]]}\t{codes[c]}\tarmy\t2\tweb\tar\t{status[i]}\t10\t"
                f"{grades[i]}\t{cred[i]}\t{c + 1}\t2026-11-01\t2026-11-01\tt\tf\n"
            )
        _copy(cur, "reports",
              ["public_id", "desk_id", "compact_id", "country", "region", "incident_month",
               "primary_indicator", "force_branch", "severity", "channel", "language", "status",
               "priority", "source_reliability", "information_credibility", "cluster_id",
               "created_day", "last_activity_day", "intake_done", "shredded"], buf)
        cur.execute("SELECT setval('incident_clusters_id_seq', %s)", (n_clusters,))
        conn.commit()
    with psycopg.connect(f"{server}/{db}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


PERIODS = [Period(YEAR, q) for q in (1, 2, 3, 4)] + [Period(YEAR)]
RAW = """SELECT indicator_code, sum(weight), count(*) FROM incident_clusters
WHERE compact_id = %s AND state IN ('verified', 'partially_verified')
AND incident_month >= %s AND incident_month <= %s GROUP BY indicator_code"""


def measure(
    url: str, server: str, db: str, compact_id: int, repetitions: int
) -> tuple[list[float], list[float]]:
    engine = create_engine(url)
    product, raw = [], []
    for _ in range(repetitions):
        with Session(engine) as session:
            compact = session.get(Compact, compact_id)
            assert compact is not None
            started = time.perf_counter()
            cards = compute_scorecards(session, compact, PERIODS)
            product.append(time.perf_counter() - started)
            assert len(cards) == len(PERIODS) and all(len(c.entries) == 16 for c in cards.values())
            session.rollback()
        with psycopg.connect(f"{server}/{db}") as conn, conn.cursor() as cur:
            started = time.perf_counter()
            for period in PERIODS:
                cur.execute(RAW, (compact_id, period.first_month, period.last_month))
                cur.fetchall()
            raw.append(time.perf_counter() - started)
    engine.dispose()
    return product, raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default=DB)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    url = create(args.server, args.database)
    compact_id = seed(url)
    loaded = load(args.server, args.database, compact_id, args.reports)
    print(f"loaded {args.reports:,} reports in {loaded:.1f} s")
    print(f"load average before measuring: {os.getloadavg()[0]:.2f}")
    runs = measure(url, args.server, args.database, compact_id, args.repetitions)
    product, raw = (statistics.median(times) for times in runs)
    ratio = product / raw
    print()
    print(f"{'what (5 periods: 4 quarters + the year)':<52}{'median ms':>12}{'min–max ms':>16}")
    print("-" * 80)
    for label, times in (
        ("compute_scorecards (queries, engine, rows written)", runs[0]),
        ("raw SQL GROUP BY indicator x5, same incidents", runs[1]),
    ):
        spread = f"{min(times) * 1000:.0f}–{max(times) * 1000:.0f}"
        print(f"{label:<52}{statistics.median(times) * 1000:>12.1f}{spread:>16}")
    print("-" * 80)
    verdict = "meets" if ratio <= 2 else "misses"
    print(f"ratio product / raw GROUP BY: {ratio:.2f}  ({verdict} the 2x target)")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    if not args.keep:
        with _admin(args.server) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")


if __name__ == "__main__":
    main()
