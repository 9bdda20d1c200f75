"""The scheduler process: rq's cron loop that survives Redis going away (docs/jobs.md).

`rq cron` exits on the first Redis error, and a scheduler that is gone enqueues no drain: reports
then wait in the outbox until someone restarts it by hand. This runs the same schedule
(`portal.jobs.schedule`) with rq's own `CronScheduler`, but a Redis error in a loop only makes it
wait and try again (1 s, doubling up to one tick); once Redis answers it registers itself again and
the next due jobs are enqueued. It still belongs under a supervisor (docs/operations.md ships a
systemd unit set and a Procfile), which restarts it on anything else.

Every pass of the loop writes the time to `portal:scheduler:last_tick` (a tick time, like rq's
own cron history; it names nothing a reporter did). `/healthz` reads it and answers 503 when the
scheduler has not ticked within `PORTAL_HEALTH_MAX_TICK_AGE` seconds.

    python -m portal.jobs.scheduler        # REDIS_URL and the portal's environment, as rq cron
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Callable

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq.cron import CronScheduler
from rq.exceptions import StopRequested

from portal.config import jobs_tick_seconds

log = logging.getLogger("portal.jobs")

TICK_KEY = "portal:scheduler:last_tick"
SCHEDULE = "portal.jobs.schedule"
# Errors that mean "Redis is not answering": wait and try again. Anything else is a bug and
# ends the process, for the supervisor to restart.
LOST = (RedisConnectionError, RedisTimeoutError)


def record_tick(redis: Redis[bytes], now: float | None = None) -> None:
    redis.set(TICK_KEY, f"{time.time() if now is None else now:.3f}")


def last_tick(redis: Redis[bytes]) -> float | None:
    """Unix time of the scheduler's last pass, or None if Redis holds none."""
    raw = redis.get(TICK_KEY)
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


class Scheduler(CronScheduler):
    """rq's cron loop, with Redis losses waited out instead of ending the process."""

    def __init__(
        self,
        connection: Redis[bytes],
        *,
        tick: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(connection=connection, logging_level=logging.WARNING)
        self.tick = jobs_tick_seconds() if tick is None else tick
        self._sleep = sleep
        self.passes = 0
        self.losses = 0

    def run_once(self) -> float:
        """One pass: enqueue what is due, heartbeat, record the tick. Returns the sleep due."""
        if self.enqueue_jobs():
            self.save()
        self.heartbeat()
        record_tick(self.connection)
        self.passes += 1
        return min(self.calculate_sleep_interval(), float(self.tick))

    def start(self, *, max_passes: int | None = None) -> None:
        self._install_signal_handlers()  # type: ignore[no-untyped-call]
        backoff = 1.0
        registered = False
        try:
            while max_passes is None or self.passes + self.losses < max_passes:
                try:
                    if not registered:
                        self.register_birth()
                        registered = True
                    pause = self.run_once()
                    backoff = 1.0
                except LOST as error:
                    self.losses += 1
                    registered = False
                    log.warning(
                        "scheduler: Redis is not answering (%s); trying again in %.0f s",
                        type(error).__name__,
                        backoff,
                    )
                    pause = backoff
                    backoff = min(backoff * 2, float(self.tick))
                if pause > 0:
                    self._sleep(pause)
        except (KeyboardInterrupt, StopRequested):
            pass
        finally:
            with contextlib.suppress(RedisError):
                self.register_death()


def build(redis: Redis[bytes], *, tick: int | None = None) -> Scheduler:
    """A scheduler holding the jobs `portal.jobs.schedule` registers (rq reloads the module)."""
    scheduler = Scheduler(redis, tick=tick)
    scheduler.load_config_from_file(SCHEDULE)
    return scheduler


def main() -> int:
    url = os.environ.get("REDIS_URL")
    if not url:
        print("scheduler: REDIS_URL is not set; without Redis jobs run inline", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    redis = Redis.from_url(url, socket_connect_timeout=5, socket_timeout=10)
    build(redis).start()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
