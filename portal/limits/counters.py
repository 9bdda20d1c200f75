"""Counter back ends. Keys are keyed hashes: the store never learns an email or a receipt.

Two kinds of window. A staff throttle's window opens at the first hit (`hit`): precise times of
staff sign-ins describe staff, not reporters. A counter about a reporter uses a clock-aligned slot
(`hit_slot`): the window is [k·w, (k+1)·w) since the Unix epoch, so the
expiry the store keeps (a Redis TTL, a row's `expires_at`, an RDB snapshot's expire time) is a slot
boundary and says nothing finer about when the first hit came.

Counters about reporters are named with `bucket_key` under `day_key`: a random key the store
creates for each UTC day and forgets when the day ends. It is never derived from the
configuration, so the server's own SECRET_KEY cannot rebuild a counter's name from a guess.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, cast

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import CursorResult, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.domain.models import ThrottleCounter
from portal.domain.models.base import utcnow

_DAY_KEY_BYTES = 32
# Row names of the day keys in the counters table (String(96)): "day-key:2026-01-13:" + 64 hex.
_DAY_KEY_ROW = "day-key:"


@dataclass(frozen=True)
class Verdict:
    count: int
    limit: int
    retry_after_seconds: int

    @property
    def blocked(self) -> bool:
        return self.count >= self.limit


def counter_key(secret: bytes, namespace: str, identifier: str) -> str:
    digest = hmac.new(secret, f"{namespace}\x00{identifier}".encode(), hashlib.sha256)
    return f"{namespace}:{digest.hexdigest()}"


def bucket_key(day_key: bytes, namespace: str, identifier: str, bits: int | None) -> str:
    """The counter name of `identifier` under the day's key, cut to its first `bits` bits.

    Cut to 16 bits, each name stands for 2^16 buckets' worth of identifiers: about 65,000 IPv4
    addresses per name, spread over the whole address space by the keyed hash. Whoever holds the
    day's key learns only which bucket a guess falls in. `bits=None` keeps the whole digest, for
    identifiers that are secrets themselves (a receipt), where sharing an allowance would let a
    sprayer lock real reporters out.
    """
    digest = hmac.new(day_key, f"{namespace}\x00{identifier}".encode(), hashlib.sha256).digest()
    if bits is None:
        return f"{namespace}:{digest.hex()}"
    if not 1 <= bits <= 64:
        raise ValueError(f"a counter bucket has 1 to 64 bits, not {bits}")
    bucket = int.from_bytes(digest[:8], "big") >> (64 - bits)
    return f"{namespace}:{bucket:0{(bits + 3) // 4}x}"


def slot_end(moment: dt.datetime, window_seconds: int) -> dt.datetime:
    """The end of the clock-aligned window that holds `moment` (naive UTC in, naive UTC out)."""
    end = (_epoch(moment) // window_seconds + 1) * window_seconds
    return dt.datetime.fromtimestamp(end, dt.UTC).replace(tzinfo=None)


def day_end(day: dt.date) -> dt.datetime:
    """Midnight UTC after `day` (naive): when that day's counter key is forgotten."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time())


def _epoch(moment: dt.datetime) -> int:
    return int(moment.replace(tzinfo=dt.UTC).timestamp())


class Counters(Protocol):
    def hit(self, key: str, *, limit: int, window_seconds: int) -> Verdict:
        """Count one event and return the state after it; the window opens at the first hit."""

    def hit_slot(self, key: str, *, limit: int, window_seconds: int) -> Verdict:
        """Like `hit`, in the clock-aligned slot of `window_seconds` that holds now."""

    def peek(self, key: str, *, limit: int, window_seconds: int) -> Verdict:
        """The state without counting."""

    def reset(self, key: str) -> None: ...

    def day_key(self, day: dt.date) -> bytes:
        """The random key of `day`, the same for every process; gone once the day has ended."""


class RedisCounters:
    def __init__(self, redis: Redis[bytes], clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.redis = redis
        self.clock = clock

    def hit(self, key: str, *, limit: int, window_seconds: int) -> Verdict:
        return self._hit(key, limit, window_seconds, aligned=False)

    def hit_slot(self, key: str, *, limit: int, window_seconds: int) -> Verdict:
        return self._hit(key, limit, window_seconds, aligned=True)

    def _hit(self, key: str, limit: int, window_seconds: int, *, aligned: bool) -> Verdict:
        name = f"cw:limit:{key}"
        pipe = self.redis.pipeline()
        pipe.incr(name)
        if aligned:
            pipe.expireat(name, _epoch(slot_end(self.clock(), window_seconds)), nx=True)
        else:
            pipe.expire(name, window_seconds, nx=True)
        pipe.ttl(name)
        count, _, ttl = pipe.execute()
        return Verdict(int(count), limit, max(int(ttl), 0))

    def peek(self, key: str, *, limit: int, window_seconds: int) -> Verdict:
        name = f"cw:limit:{key}"
        pipe = self.redis.pipeline()
        pipe.get(name)
        pipe.ttl(name)
        raw, ttl = pipe.execute()
        return Verdict(int(raw or 0), limit, max(int(ttl), 0))

    def reset(self, key: str) -> None:
        self.redis.delete(f"cw:limit:{key}")

    def day_key(self, day: dt.date) -> bytes:
        name = f"cw:limit-key:{day.isoformat()}"
        # The first process of the day sets it (NX); every other one reads that same value.
        expires = max(_epoch(day_end(day)), _epoch(self.clock()) + 1)
        pipe = self.redis.pipeline()
        pipe.set(name, secrets.token_bytes(_DAY_KEY_BYTES), nx=True, exat=expires)
        pipe.get(name)
        _, value = pipe.execute()
        if not value:
            raise RedisError("the day's counter key vanished as it was set")
        return bytes(value)


class DatabaseCounters:
    """Counters in their own short transactions, so a limit holds even if the caller rolls back."""

    def __init__(
        self, sessions: Callable[[], Session], clock: Callable[[], dt.datetime] = utcnow
    ) -> None:
        self.sessions = sessions
        self.clock = clock

    def hit(self, key: str, *, limit: int, window_seconds: int) -> Verdict:
        return self._hit(key, limit, window_seconds, aligned=False)

    def hit_slot(self, key: str, *, limit: int, window_seconds: int) -> Verdict:
        return self._hit(key, limit, window_seconds, aligned=True)

    def _hit(self, key: str, limit: int, window_seconds: int, *, aligned: bool) -> Verdict:
        # Two first hits on one key race to insert it; the loser counts again on the row it lost to.
        for _attempt in range(3):
            try:
                return self._hit_once(key, limit, window_seconds, aligned)
            except IntegrityError:
                continue
        return self._hit_once(key, limit, window_seconds, aligned)

    def _hit_once(self, key: str, limit: int, window_seconds: int, aligned: bool) -> Verdict:
        now = self.clock()
        with self.sessions() as session, session.begin():
            row = session.execute(
                select(ThrottleCounter).where(ThrottleCounter.key == key).with_for_update()
            ).scalar_one_or_none()
            if row is None or row.expires_at <= now:
                if row is not None:
                    session.delete(row)
                    session.flush()
                ends = (
                    slot_end(now, window_seconds)
                    if aligned
                    else now + dt.timedelta(seconds=window_seconds)
                )
                row = ThrottleCounter(key=key, count=0, expires_at=ends)
                session.add(row)
            row.count += 1
            # Expired rows of other keys go too: counters must not pile up as a history.
            session.execute(delete(ThrottleCounter).where(ThrottleCounter.expires_at <= now))
            return Verdict(row.count, limit, _seconds_until(row.expires_at, now))

    def peek(self, key: str, *, limit: int, window_seconds: int) -> Verdict:
        now = self.clock()
        with self.sessions() as session:
            row = session.get(ThrottleCounter, key)
            if row is None or row.expires_at <= now:
                return Verdict(0, limit, 0)
            return Verdict(row.count, limit, _seconds_until(row.expires_at, now))

    def reset(self, key: str) -> None:
        with self.sessions() as session, session.begin():
            session.execute(delete(ThrottleCounter).where(ThrottleCounter.key == key))

    def day_key(self, day: dt.date) -> bytes:
        # Kept as a row of its own, its value in the name: the table has no other place for it,
        # and the row expires (and is purged) like any counter when the day ends.
        prefix = f"{_DAY_KEY_ROW}{day.isoformat()}:"
        found = self._day_key_row(prefix)
        if found is None:
            with contextlib.suppress(IntegrityError), self.sessions() as session, session.begin():
                session.add(
                    ThrottleCounter(
                        key=prefix + secrets.token_hex(_DAY_KEY_BYTES),
                        count=0,
                        expires_at=day_end(day),
                    )
                )
            # Two processes inserting at once both read back the smallest: one key for all.
            found = self._day_key_row(prefix)
        if found is None:
            raise RuntimeError("the day's counter key was not stored")
        return bytes.fromhex(found.removeprefix(prefix))

    def _day_key_row(self, prefix: str) -> str | None:
        with self.sessions() as session:
            return session.scalar(
                select(ThrottleCounter.key)
                .where(
                    ThrottleCounter.key.startswith(prefix, autoescape=True),
                    ThrottleCounter.expires_at > self.clock(),
                )
                .order_by(ThrottleCounter.key)
                .limit(1)
            )

    def purge_expired(self) -> int:
        """Delete every expired row (the maintenance sweep's part); returns how many went."""
        with self.sessions() as session, session.begin():
            result = session.execute(
                delete(ThrottleCounter).where(ThrottleCounter.expires_at <= self.clock())
            )
            return cast("CursorResult[Any]", result).rowcount


def _seconds_until(moment: dt.datetime, now: dt.datetime) -> int:
    return max(int((moment - now).total_seconds()), 0)


class FallbackCounters:
    """Redis first; the database while Redis is unreachable.

    A report must be received even when Redis is down (DESIGN §4), so a limit check may never
    turn into an error page. Counts made during the outage live in the database until they expire.
    """

    def __init__(self, primary: Counters, fallback: Counters) -> None:
        self.primary = primary
        self.fallback = fallback

    def hit(self, key: str, *, limit: int, window_seconds: int) -> Verdict:
        try:
            return self.primary.hit(key, limit=limit, window_seconds=window_seconds)
        except RedisError:
            return self.fallback.hit(key, limit=limit, window_seconds=window_seconds)

    def hit_slot(self, key: str, *, limit: int, window_seconds: int) -> Verdict:
        try:
            return self.primary.hit_slot(key, limit=limit, window_seconds=window_seconds)
        except RedisError:
            return self.fallback.hit_slot(key, limit=limit, window_seconds=window_seconds)

    def peek(self, key: str, *, limit: int, window_seconds: int) -> Verdict:
        try:
            return self.primary.peek(key, limit=limit, window_seconds=window_seconds)
        except RedisError:
            return self.fallback.peek(key, limit=limit, window_seconds=window_seconds)

    def reset(self, key: str) -> None:
        with contextlib.suppress(RedisError):
            self.primary.reset(key)
        self.fallback.reset(key)

    def day_key(self, day: dt.date) -> bytes:
        try:
            return self.primary.day_key(day)
        except RedisError:
            return self.fallback.day_key(day)
