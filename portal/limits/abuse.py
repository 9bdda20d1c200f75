"""Limits on anonymous submissions that a training room can live with and a script cannot.

Twenty people in one room behind one address must all be able to send their reports, so the
per-network allowance is generous (a room's worth in a few minutes) while one browser session
gets what one person needs. A script that floods the form is slowed to the network allowance.

The network is never stored: its counter is named by an HMAC of the address and the day, kept in
Redis (or the counters table) only until its window ends, and never written next to a report.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

from portal.limits.counters import Counters, Verdict, counter_key


@dataclass(frozen=True)
class SubmissionLimits:
    per_session: int = 10
    session_window_seconds: int = 3600
    per_network: int = 120
    network_window_seconds: int = 600


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
    secret: bytes,
    limits: SubmissionLimits,
    *,
    network: str,
    session_id: str | None,
    today: dt.date | None = None,
) -> Verdict | None:
    """Count one submission; return the verdict that blocks it, or None when it may go ahead."""
    day = (today or dt.date.today()).isoformat()
    net = counters.hit(
        counter_key(secret, "submit-network", f"{day}|{network}"),
        limit=limits.per_network + 1,
        window_seconds=limits.network_window_seconds,
    )
    if net.blocked:
        return net
    if session_id:
        mine = counters.hit(
            counter_key(secret, "submit-session", session_id),
            limit=limits.per_session + 1,
            window_seconds=limits.session_window_seconds,
        )
        if mine.blocked:
            return mine
    return None
