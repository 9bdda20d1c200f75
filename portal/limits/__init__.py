"""Fixed-window counters for sign-in, follow-up, submission and API limits.

Kept in Redis, or in the database when there is no Redis; never in process memory, because the
portal runs as several gunicorn processes and a restart must not reset an attacker's count.
"""

from portal.limits.counters import (
    Counters,
    DatabaseCounters,
    FallbackCounters,
    RedisCounters,
    Verdict,
    bucket_key,
    counter_key,
    slot_end,
)

__all__ = [
    "Counters",
    "DatabaseCounters",
    "FallbackCounters",
    "RedisCounters",
    "Verdict",
    "bucket_key",
    "counter_key",
    "slot_end",
]
