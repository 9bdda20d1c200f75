"""Counters about reporters: clock-aligned slots, a random key per day, names cut to a bucket."""

from __future__ import annotations

import datetime as dt
import ipaddress
import random
from collections import Counter
from collections.abc import Iterator

import pytest
from redis import Redis
from sqlalchemy import delete, select

from portal.config import Config
from portal.database import Database
from portal.domain.models import ThrottleCounter
from portal.limits import DatabaseCounters, FallbackCounters, RedisCounters, bucket_key, slot_end
from portal.limits.abuse import SubmissionLimits, check_receipt_attempt, check_submission

DAY = dt.date(2026, 1, 13)
# 14:03:27 UTC: neither on a minute nor on any window's boundary.
AT = dt.datetime(2026, 1, 13, 14, 3, 27)


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def database(config: Config) -> Iterator[Database]:
    found = Database(config.database_url)
    yield found
    found.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock(AT)


@pytest.fixture
def counters(database: Database, clock: Clock) -> DatabaseCounters:
    return DatabaseCounters(database.sessions, clock)


def _rows(database: Database) -> dict[str, dt.datetime]:
    with database.sessions() as session:
        return dict(session.execute(select(ThrottleCounter.key, ThrottleCounter.expires_at)).all())


def test_a_slot_ends_on_the_clock_boundary_after_the_moment() -> None:
    assert slot_end(AT, 600) == dt.datetime(2026, 1, 13, 14, 10)
    assert slot_end(AT, 3600) == dt.datetime(2026, 1, 13, 15, 0)
    assert slot_end(dt.datetime(2026, 1, 13, 14, 10), 600) == dt.datetime(2026, 1, 13, 14, 20)
    assert slot_end(dt.datetime(2026, 1, 13, 23, 59, 59), 900) == dt.datetime(2026, 1, 14)


def test_a_slot_counter_stores_the_slot_end_and_starts_over_in_the_next_slot(
    database: Database, counters: DatabaseCounters, clock: Clock
) -> None:
    first = counters.hit_slot("submit-network:00ff", limit=3, window_seconds=600)
    clock.now = AT + dt.timedelta(minutes=5)
    second = counters.hit_slot("submit-network:00ff", limit=3, window_seconds=600)

    assert (first.count, first.retry_after_seconds) == (1, 393)  # 14:03:27 → 14:10:00
    assert (second.count, second.retry_after_seconds) == (2, 93)
    assert _rows(database) == {"submit-network:00ff": dt.datetime(2026, 1, 13, 14, 10)}

    clock.now = dt.datetime(2026, 1, 13, 14, 10)
    assert counters.hit_slot("submit-network:00ff", limit=3, window_seconds=600).count == 1
    assert _rows(database) == {"submit-network:00ff": dt.datetime(2026, 1, 13, 14, 20)}


def test_a_staff_throttle_window_still_opens_at_its_first_hit(
    database: Database, counters: DatabaseCounters
) -> None:
    counters.hit("login:abc", limit=10, window_seconds=900)
    assert _rows(database) == {"login:abc": AT + dt.timedelta(seconds=900)}


def test_the_day_key_is_shared_by_every_process_and_random_for_each_store(
    database: Database, counters: DatabaseCounters, clock: Clock
) -> None:
    key = counters.day_key(DAY)
    other_process = DatabaseCounters(database.sessions, clock)

    assert len(key) == 32 and other_process.day_key(DAY) == key
    assert counters.day_key(DAY + dt.timedelta(days=1)) != key
    (row,) = [name for name in _rows(database) if name.startswith("day-key:2026-01-13:")]
    assert _rows(database)[row] == dt.datetime(2026, 1, 14)  # forgotten when the day ends

    # Not derived from anything in the configuration: the same portal, its store emptied,
    # makes a new one.
    with database.sessions() as session, session.begin():
        session.execute(delete(ThrottleCounter))
    assert counters.day_key(DAY) != key


def test_two_processes_creating_the_day_key_at_once_settle_on_one(
    database: Database, counters: DatabaseCounters
) -> None:
    mine = counters.day_key(DAY)
    # The other process's insert committed too; both read back the smallest name.
    with database.sessions() as session, session.begin():
        session.add(
            ThrottleCounter(
                key="day-key:2026-01-13:" + "00" * 32, count=0, expires_at=dt.datetime(2026, 1, 14)
            )
        )
    assert mine != bytes(32)
    assert counters.day_key(DAY) == bytes(32)


def test_the_sweep_s_purge_deletes_expired_counters_only(
    database: Database, counters: DatabaseCounters, clock: Clock
) -> None:
    counters.hit_slot("submit-network:0001", limit=5, window_seconds=600)
    counters.hit_slot("submit-session:0002", limit=5, window_seconds=3600)
    counters.day_key(DAY)
    clock.now = dt.datetime(2026, 1, 13, 14, 30)

    assert counters.purge_expired() == 1
    assert sorted(name.split(":")[0] for name in _rows(database)) == ["day-key", "submit-session"]


def test_a_bucket_name_keeps_the_bits_asked_for() -> None:
    key = bytes(range(32))
    assert bucket_key(key, "submit-network", "203.0.113.7", 16) == bucket_key(
        key, "submit-network", "203.0.113.7", 16
    )
    assert len(bucket_key(key, "submit-network", "203.0.113.7", 16).split(":")[1]) == 4
    assert len(bucket_key(key, "submit-network", "203.0.113.7", 12).split(":")[1]) == 3
    assert len(bucket_key(key, "receipt", "1234567812345678", None).split(":")[1]) == 64
    assert bucket_key(key, "submit-network", "203.0.113.7", 16) != bucket_key(
        bytes(32), "submit-network", "203.0.113.7", 16
    )
    with pytest.raises(ValueError):
        bucket_key(key, "submit-network", "203.0.113.7", 0)


def test_sixteen_bits_spread_the_whole_ipv4_space_over_every_bucket_evenly() -> None:
    # Each bucket must stand for about 2^32 / 2^16 = 65,536 addresses: a sample of 2^18 random
    # addresses lands about 4 in each (Poisson: e^-4 ≈ 1.8% of buckets empty), none far above.
    rng = random.Random(7)
    key = rng.randbytes(32)
    sample = (str(ipaddress.IPv4Address(rng.getrandbits(32))) for _ in range(1 << 18))
    buckets = Counter(bucket_key(key, "submit-network", address, 16) for address in sample)
    assert 63_500 < len(buckets) < 65_000
    assert max(buckets.values()) < 20


def test_a_training_room_shares_one_network_allowance_and_each_phone_has_its_own(
    counters: DatabaseCounters,
) -> None:
    limits = SubmissionLimits(per_session=2, per_network=5)
    room = "198.51.100.20"
    verdicts = [
        check_submission(counters, limits, network=room, session_id=f"phone-{n}", today=DAY)
        for n in range(5)
    ]
    assert verdicts == [None] * 5
    blocked = check_submission(counters, limits, network=room, session_id="phone-6", today=DAY)
    assert blocked is not None and blocked.blocked and 0 < blocked.retry_after_seconds <= 600
    # Another network is not slowed by the room, unless it shares the room's bucket (1 in 65,536
    # by chance: then both share one allowance). Pick one that does not, and one that does.
    key = counters.day_key(DAY)
    bucket = bucket_key(key, "submit-network", room, limits.bucket_bits)
    others = (f"203.0.{n // 256}.{n % 256}" for n in range(1 << 16))
    apart = next(a for a in others if bucket_key(key, "submit-network", a, 16) != bucket)
    assert check_submission(counters, limits, network=apart, session_id="x", today=DAY) is None
    rng = random.Random(3)
    shares = next(
        address
        for address in (str(ipaddress.IPv4Address(rng.getrandbits(32))) for _ in range(1 << 22))
        if bucket_key(key, "submit-network", address, 16) == bucket
    )
    assert check_submission(counters, limits, network=shares, session_id="y", today=DAY)


def test_receipt_attempts_count_per_receipt_however_it_is_grouped(
    counters: DatabaseCounters,
) -> None:
    for attempt in range(3):
        shown = "1234 5678 1234 5678" if attempt % 2 else "1234567812345678"
        state = check_receipt_attempt(counters, shown, limit=3, window_seconds=900, today=DAY)
    assert state.blocked
    other = check_receipt_attempt(
        counters, "8765432187654321", limit=3, window_seconds=900, today=DAY
    )
    assert other.count == 1


@pytest.fixture
def redis(config: Config) -> Redis:
    if config.redis_url is None:
        pytest.skip("needs a real Redis server: set REDIS_URL")
    return Redis.from_url(config.redis_url)


def test_in_redis_the_day_key_expires_at_midnight_and_slots_at_their_boundary(
    redis: Redis, clock: Clock
) -> None:
    today = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    clock.now = today
    first, second = RedisCounters(redis, clock), RedisCounters(redis, clock)

    key = first.day_key(today.date())

    assert second.day_key(today.date()) == key and len(key) == 32
    midnight = dt.datetime.combine(today.date() + dt.timedelta(days=1), dt.time(), dt.UTC)
    assert redis.expiretime(f"cw:limit-key:{today.date().isoformat()}") == int(midnight.timestamp())
    verdict = first.hit_slot("submit-network:0abc", limit=5, window_seconds=600)
    ends = redis.expiretime("cw:limit:submit-network:0abc")
    assert ends == int(slot_end(today, 600).replace(tzinfo=dt.UTC).timestamp())
    assert verdict.count == 1 and verdict.retry_after_seconds <= 600


def test_while_redis_is_down_the_day_key_comes_from_the_database(
    database: Database, clock: Clock
) -> None:
    fallback = DatabaseCounters(database.sessions, clock)
    down = Redis.from_url("redis://127.0.0.1:1/0")  # nothing listens: refused at once
    counters = FallbackCounters(RedisCounters(down, clock), fallback)
    assert counters.day_key(DAY) == fallback.day_key(DAY)
    assert counters.hit_slot("submit-network:0001", limit=5, window_seconds=600).count == 1
