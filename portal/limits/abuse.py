"""Limits on anonymous submissions that a training room can live with and a script cannot.

Twenty people in one room behind one address must all be able to send their reports, so the
per-network allowance is generous (a room's worth in a few minutes) while one browser session
gets what one person needs. A script that floods the form is slowed to the network allowance.

Neither the network nor the session is stored, and no counter can be tied to one by the server's
own secrets (docs/security.md, "Rate-limit counters"):

- a counter's name is a keyed hash under the day's random key (`Counters.day_key`), never under
  SECRET_KEY, cut to `bucket_bits` bits: one name stands for ~65,000 IPv4 addresses at 16 bits;
- its window is a clock-aligned slot, so its expiry is a slot boundary, not submit time + window;
- it lives in Redis (or the counters table) only until its slot ends, never next to a report.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

from portal.domain.models.base import today as utc_today
from portal.limits.counters import Counters, Verdict, bucket_key


@dataclass(frozen=True)
class SubmissionLimits:
    per_session: int = 10
    session_window_seconds: int = 3600
    per_network: int = 120
    network_window_seconds: int = 600
    # Bits kept of a network's or session's counter name. Fewer bits: more addresses behind each
    # name, and more often two networks share one allowance (docs/security.md has the numbers).
    bucket_bits: int = 16


def network_of(address: str | None) -> str:
    """The address, or its /64 for IPv6 (one household or phone gets a whole /64)."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def check_submission(
    counters: Counters,
    limits: SubmissionLimits,
    *,
    network: str,
    session_id: str | None,
    today: dt.date | None = None,
) -> Verdict | None:
    """Count one submission; return the verdict that blocks it, or None when it may go ahead."""
    key = counters.day_key(today or utc_today())
    net = counters.hit_slot(
        bucket_key(key, "submit-network", network, limits.bucket_bits),
        limit=limits.per_network + 1,
        window_seconds=limits.network_window_seconds,
    )
    if net.blocked:
        return net
    if session_id:
        mine = counters.hit_slot(
            bucket_key(key, "submit-session", session_id, limits.bucket_bits),
            limit=limits.per_session + 1,
            window_seconds=limits.session_window_seconds,
        )
        if mine.blocked:
            return mine
    return None


def check_receipt_attempt(
    counters: Counters,
    receipt: str,
    *,
    limit: int,
    window_seconds: int,
    today: dt.date | None = None,
) -> Verdict:
    """Count one follow-up attempt with `receipt` (its 16 digits, however grouped).

    The same care as a submission, bar the cut: the receipt is a secret only its reporter holds,
    so its full keyed hash reveals nothing, while a cut name would let a script spraying guesses
    use up real reporters' attempts. The slot-aligned expiry keeps the attempt's time to its slot.
    """
    digits = "".join(receipt.split())
    return counters.hit_slot(
        bucket_key(counters.day_key(today or utc_today()), "receipt", digits, None),
        limit=limit,
        window_seconds=window_seconds,
    )
