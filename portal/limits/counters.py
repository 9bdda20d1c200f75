"""Counter back ends. Keys are keyed hashes: the store never learns an email or a receipt."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.domain.models import ThrottleCounter
from portal.domain.models.base import utcnow


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


class Counters(Protocol):
    def hit(self, key: str, *, limit: int, window_seconds: int) -> Verdict:
        """Count one event and return the state after it."""

    def peek(self, key: str, *, limit: int, window_seconds: int) -> Verdict:
        """The state without counting."""

    def reset(self, key: str) -> None: ...


class RedisCounters:
    def __init__(self, redis: Redis[bytes]) -> None:
        self.redis = redis

    def hit(self, key: str, *, limit: int, window_seconds: int) -> Verdict:
        name = f"cw:limit:{key}"
        pipe = self.redis.pipeline()
        pipe.incr(name)
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


class DatabaseCounters:
    """Counters in their own short transactions, so a limit holds even if the caller rolls back."""

    def __init__(
        self, sessions: Callable[[], Session], clock: Callable[[], dt.datetime] = utcnow
    ) -> None:
        self.sessions = sessions
        self.clock = clock

    def hit(self, key: str, *, limit: int, window_seconds: int) -> Verdict:
        # Two first hits on one key race to insert it; the loser counts again on the row it lost to.
        for _attempt in range(3):
            try:
                return self._hit_once(key, limit, window_seconds)
            except IntegrityError:
                continue
        return self._hit_once(key, limit, window_seconds)

    def _hit_once(self, key: str, limit: int, window_seconds: int) -> Verdict:
        now = self.clock()
        with self.sessions() as session, session.begin():
            row = session.execute(
                select(ThrottleCounter).where(ThrottleCounter.key == key).with_for_update()
            ).scalar_one_or_none()
            if row is None or row.expires_at <= now:
                if row is not None:
                    session.delete(row)
                    session.flush()
                row = ThrottleCounter(
                    key=key, count=0, expires_at=now + dt.timedelta(seconds=window_seconds)
                )
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

    def peek(self, key: str, *, limit: int, window_seconds: int) -> Verdict:
        try:
            return self.primary.peek(key, limit=limit, window_seconds=window_seconds)
        except RedisError:
            return self.fallback.peek(key, limit=limit, window_seconds=window_seconds)

    def reset(self, key: str) -> None:
        with contextlib.suppress(RedisError):
            self.primary.reset(key)
        self.fallback.reset(key)
