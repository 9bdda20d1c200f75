"""`/healthz`: the database, Redis, the outbox backlog and the scheduler (docs/operations.md).

503 with the reasons when the database or Redis does not answer, when the oldest pending outbox
row is older than `PORTAL_HEALTH_MAX_PENDING_AGE` seconds, or when the scheduler has not ticked
for `PORTAL_HEALTH_MAX_TICK_AGE` seconds (both 300 by default).

Outbox rows carry no time (docs/privacy.md), so the backlog's age is counted from the last time a
drain left the outbox with nothing pending (`portal:outbox:clear`, a tick time): no row pending
now was pending then. Where Redis holds no such time (it restarted empty, or no drain has run
yet), it is counted from when this web process first saw the current oldest pending row; a
monitor asking every minute sees the true age within a minute. The scheduler's last tick is
`portal:scheduler:last_tick` (`portal/jobs/scheduler.py`); where Redis holds none, from when this
process first noticed it missing.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import Blueprint
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from portal.config import Config
from portal.domain.models import OutboxJob, OutboxState
from portal.jobs.drain import CLEAR_KEY
from portal.jobs.scheduler import last_tick
from portal.web.services import services

log = logging.getLogger("portal.health")


class _Seen:
    """What this process first saw, and when (monotonic seconds): the fallback clocks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._first: dict[str, tuple[object, float]] = {}

    def age(self, what: str, value: object, now: float) -> float:
        with self._lock:
            seen = self._first.get(what)
            if seen is None or seen[0] != value:
                self._first[what] = (value, now)
                return 0.0
            return now - seen[1]

    def forget(self, what: str) -> None:
        with self._lock:
            self._first.pop(what, None)


def make_blueprint(config: Config) -> Blueprint:
    bp = Blueprint("health", __name__)
    seen = _Seen()

    @bp.route("/healthz")
    def healthz() -> tuple[dict[str, Any], int]:
        reasons: list[str] = []
        body: dict[str, Any] = {"database": _database()}
        if body["database"] != "ok":
            reasons.append("database unreachable")
        redis = _redis(config.redis_url)
        if config.redis_url is None:
            body["redis"] = "not configured"
        elif redis is None:
            body["redis"] = "unreachable"
            reasons.append("redis unreachable")
        else:
            body["redis"] = "ok"
        if config.redis_url is not None:
            _outbox(config, redis, body, reasons, seen)
            _scheduler(config, redis, body, reasons, seen)
        healthy = not reasons
        body = {"status": "ok" if healthy else "failing", **body}
        if reasons:
            body["reasons"] = reasons
        return body, 200 if healthy else 503

    return bp


def _database() -> str:
    try:
        with services().database.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        log.warning("health: database unreachable (%s)", type(error).__name__)
        return "unreachable"
    return "ok"


def _redis(url: str | None) -> Redis[bytes] | None:
    if not url:
        return None
    try:
        redis: Redis[bytes] = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        redis.ping()
    except RedisError as error:
        log.warning("health: redis unreachable (%s)", type(error).__name__)
        return None
    return redis


def _outbox(
    config: Config,
    redis: Redis[bytes] | None,
    body: dict[str, Any],
    reasons: list[str],
    seen: _Seen,
) -> None:
    try:
        with services().database.engine.connect() as conn:
            oldest = conn.execute(
                select(func.min(OutboxJob.id)).where(OutboxJob.state == OutboxState.PENDING)
            ).scalar()
    except SQLAlchemyError:
        body["outbox_oldest_pending_seconds"] = None
        return
    now = time.monotonic()
    if oldest is None:
        seen.forget("outbox")
        body["outbox_oldest_pending_seconds"] = 0
        return
    age = seen.age("outbox", oldest, now)
    clear = _redis_time(redis, CLEAR_KEY)
    if clear is not None:
        age = max(0.0, time.time() - clear)
    body["outbox_oldest_pending_seconds"] = int(age)
    if age > config.health_max_pending_age:
        reasons.append(f"oldest pending outbox row older than {config.health_max_pending_age} s")


def _scheduler(
    config: Config,
    redis: Redis[bytes] | None,
    body: dict[str, Any],
    reasons: list[str],
    seen: _Seen,
) -> None:
    if redis is None:
        body["scheduler_last_tick_seconds"] = None
        reasons.append("scheduler unknown: redis unreachable")
        return
    try:
        ticked = last_tick(redis)
    except RedisError:
        ticked = None
    if ticked is None:
        age = seen.age("scheduler", "missing", time.monotonic())
        body["scheduler_last_tick_seconds"] = None
    else:
        seen.forget("scheduler")
        age = max(0.0, time.time() - ticked)
        body["scheduler_last_tick_seconds"] = int(age)
    if age > config.health_max_tick_age:
        reasons.append(f"scheduler has not ticked for {config.health_max_tick_age} s")


def _redis_time(redis: Redis[bytes] | None, key: str) -> float | None:
    if redis is None:
        return None
    try:
        raw = redis.get(key)
        return float(raw) if raw is not None else None
    except (RedisError, ValueError):
        return None
