"""Jobs that heal themselves (issue 13, points 1 and 2), against a private Redis this test stops.

- the scheduler process (`python -m portal.jobs.scheduler`) outlives a Redis loss and ticks again
  once Redis is back, with no manual step;
- `/healthz` answers 503 with the reason when the scheduler has not ticked, or the oldest pending
  outbox row has waited, past the configured limits;
- a drain killed with SIGKILL while holding its lock blocks the queue for half a tick at most.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from redis import Redis

from portal import create_app
from portal.config import Config
from portal.domain.models import OutboxState
from portal.jobs.drain import CLEAR_KEY, DRAIN_LOCK_KEY, drain, drain_lock_seconds
from portal.jobs.scheduler import TICK_KEY
from portal.paths import ROOT
from tests.jobs.conftest import compact_on_page, database_of, outbox_states, submit, torture_report
from tests.private_servers import PrivateRedis

pytestmark = pytest.mark.skipif(not PrivateRedis.available(), reason="needs redis-server")


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis().start()
    yield server
    server.close()


@pytest.fixture
def redis_app(config: Config, private_redis: PrivateRedis) -> Flask:
    app = create_app(dataclasses.replace(config, redis_url=private_redis.url))
    result = app.test_cli_runner().invoke(args=["portal", "demo", "--empty"])
    assert result.exit_code == 0, result.output
    return app


def _wait(predicate: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def test_the_scheduler_ticks_again_after_redis_was_lost(private_redis: PrivateRedis) -> None:
    env = {**os.environ, "REDIS_URL": private_redis.url, "PORTAL_JOBS_TICK_SECONDS": "5"}
    process = subprocess.Popen(
        [sys.executable, "-m", "portal.jobs.scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        redis = Redis.from_url(private_redis.url)
        assert _wait(lambda: redis.get(TICK_KEY) is not None, 20), "the scheduler never ticked"
        assert _wait(lambda: redis.llen("rq:queue:intake") > 0, 10), "no drain was enqueued"
        private_redis.stop()  # a Redis without persistence: everything it held is gone
        time.sleep(8)  # longer than a tick: the scheduler meets the loss at least once
        assert process.poll() is None, "the scheduler died with Redis"
        private_redis.start()
        redis = Redis.from_url(private_redis.url)
        assert redis.get(TICK_KEY) is None
        # Back within its backoff (at most one tick), then the due drain is enqueued again.
        assert _wait(lambda: redis.get(TICK_KEY) is not None, 15), "no tick after Redis came back"
        assert _wait(lambda: redis.llen("rq:queue:intake") > 0, 15), (
            "no drain after Redis came back"
        )
        assert process.poll() is None
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=20)
    # It said why it waited, by the error's type only.
    assert b"Redis is not answering (ConnectionError)" in errors


def test_healthz_fails_when_the_scheduler_stops_ticking(
    redis_app: Flask, private_redis: PrivateRedis
) -> None:
    redis = Redis.from_url(private_redis.url)
    client = redis_app.test_client()
    redis.set(TICK_KEY, f"{time.time():.3f}")
    answer = client.get("/healthz")
    assert answer.status_code == 200, answer.json
    assert answer.json is not None and answer.json["scheduler_last_tick_seconds"] == 0
    redis.set(TICK_KEY, f"{time.time() - 301:.3f}")
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json is not None
    assert answer.json["reasons"] == ["scheduler has not ticked for 300 s"]
    assert answer.json["scheduler_last_tick_seconds"] >= 301


def test_healthz_limits_are_configurable(config: Config, private_redis: PrivateRedis) -> None:
    app = create_app(
        dataclasses.replace(
            config, redis_url=private_redis.url, health_max_tick_age=1000, health_max_pending_age=5
        )
    )
    Redis.from_url(private_redis.url).set(TICK_KEY, f"{time.time() - 600:.3f}")
    assert app.test_client().get("/healthz").status_code == 200
    assert Config.from_env({"PORTAL_HEALTH_MAX_TICK_AGE": "90"}).health_max_tick_age == 90
    assert Config.from_env({}).health_max_pending_age == 300


def test_healthz_fails_while_reports_wait_past_the_limit(
    redis_app: Flask, private_redis: PrivateRedis, worker_env: None
) -> None:
    redis = Redis.from_url(private_redis.url)
    redis.set(TICK_KEY, f"{time.time():.3f}")
    client = redis_app.test_client()
    assert client.get("/healthz").json["outbox_oldest_pending_seconds"] == 0  # type: ignore[index]
    submit(client, torture_report(compact_on_page(client)))
    # The outbox was last clear six minutes ago: the pending row cannot be older, and is taken
    # to be that old.
    redis.set(CLEAR_KEY, f"{time.time() - 360:.3f}")
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json is not None
    assert answer.json["reasons"] == ["oldest pending outbox row older than 300 s"]
    assert answer.json["outbox_oldest_pending_seconds"] >= 360
    # A drain that leaves the outbox empty records it; the backlog's age is back to 0.
    assert drain(database_of(redis_app), redis, "intake").ran == 1
    answer = client.get("/healthz")
    assert answer.status_code == 200, answer.json
    assert answer.json is not None and answer.json["outbox_oldest_pending_seconds"] == 0
    assert time.time() - float(redis.get(CLEAR_KEY) or 0) < 30


_KILLED_HOLDER = """
import os, signal, sys, time
from redis import Redis
from portal.jobs.drain import DRAIN_LOCK_KEY, _Heartbeat, drain_lock_seconds
redis = Redis.from_url(sys.argv[1])
ttl = drain_lock_seconds()
lock = redis.lock(DRAIN_LOCK_KEY.format(queue="intake"), timeout=ttl, thread_local=False)
assert lock.acquire(blocking=False)
with _Heartbeat(lock, ttl):
    time.sleep(ttl)  # renewed meanwhile: the drain is running
    print("holding", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_drain_frees_the_queue_within_half_a_tick(
    redis_app: Flask, private_redis: PrivateRedis, worker_env: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("PORTAL_JOBS_TICK_SECONDS", "6")
    redis = Redis.from_url(private_redis.url)
    client = redis_app.test_client()
    compact = compact_on_page(client)
    for _ in range(3):
        submit(client, torture_report(compact))
    holder = subprocess.run(
        [sys.executable, "-c", _KILLED_HOLDER, private_redis.url],
        cwd=ROOT,
        env={**os.environ, "PORTAL_JOBS_TICK_SECONDS": "6"},
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert holder.stdout == b"holding\n", holder.stderr
    assert holder.returncode == -9
    killed_at = time.monotonic()
    database = database_of(redis_app)
    assert drain(database, redis, "intake").busy  # the dead holder's lock is still there
    ttl = drain_lock_seconds()
    assert ttl == 3.0
    assert _wait(lambda: redis.get(DRAIN_LOCK_KEY.format(queue="intake")) is None, ttl + 1)
    assert time.monotonic() - killed_at <= ttl + 1  # half a tick: the next tick's drain runs
    assert drain(database, redis, "intake").ran == 3
    with database.transaction() as session:
        assert outbox_states(session).get(OutboxState.PENDING, 0) == 0


def test_the_sweep_lock_of_a_dead_holder_lasts_half_a_tick(
    private_redis: PrivateRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.jobs.sweeper import LOCK_KEY, outbox_lock

    monkeypatch.setenv("PORTAL_JOBS_TICK_SECONDS", "6")
    redis = Redis.from_url(private_redis.url)
    with outbox_lock(redis):
        time.sleep(4)  # longer than the lock's life: the heartbeat keeps it
        assert 0 < redis.pttl(LOCK_KEY) <= 3000
    assert redis.get(LOCK_KEY) is None
