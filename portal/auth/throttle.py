"""Sign-in throttling that slows guessers without letting a stranger lock a named person out.

Counting failures per account alone (ten, then a wait) hands anyone who knows a staff email the
power to keep that person out: ten POSTs every 15 minutes. So failures are counted where they
come from, and the password check refuses only that place:

- on a **known device** (a browser the person fully signed in from before), per account and
  device: only that browser is slowed, and nobody else can spend its allowance;
- elsewhere, per account and **address bucket** (the address, or the IPv6 /64, cut to one of
  65,536 buckets): a stranger slows the bucket they guess from, not the owner's;
- and, for every unknown device together, per account: a botnet with thousands of addresses gets
  `account_max_failures` guesses a window, after which only the owner's known devices get in,
  until the window ends or an admin unlocks the account.

The current-password check (`/auth/password`) counts in the same counters, so a stolen session
buys no extra guesses of the password that unwraps the personal key. Every counter's name carries
the account's `sign_in_epoch`: an admin unlock moves it on and leaves every counter behind.

The address is never stored: the bucket is a keyed hash cut to 16 bits before it names a counter,
so whoever holds SECRET_KEY and the counters learns one of 65,536 buckets, as for reporters.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from portal.config import LoginThrottle
from portal.limits import Counters, Verdict, counter_key

_SOURCE_BITS = 16


@dataclass(frozen=True)
class Throttled(Exception):
    """Too many failures from here; the right password is refused too until the wait is over."""

    retry_after_seconds: int


@dataclass(frozen=True)
class AccountHeld(Exception):
    """Too many failures from unknown devices: only a known device (or an admin unlock) gets in."""

    retry_after_seconds: int


@dataclass(frozen=True)
class Attempt:
    """One try at an account's password: whose, from which address, on which device."""

    email: str
    address: str  # the network (`portal.limits.abuse.network_of`), never stored
    device_hash: str | None  # set only when the device is known for this account
    epoch: int = 0

    @property
    def known_device(self) -> bool:
        return self.device_hash is not None


@dataclass(frozen=True)
class Outcome:
    """What a failure did to the counters it was counted in."""

    local: Verdict
    account: Verdict | None = None

    @property
    def account_held_now(self) -> bool:
        """This very failure reached the account-wide limit: the moment worth an audit event."""
        return self.account is not None and self.account.count == self.account.limit

    def raise_if_blocked(self) -> None:
        if self.local.blocked:
            raise Throttled(self.local.retry_after_seconds)
        if self.account is not None and self.account.blocked:
            raise AccountHeld(self.account.retry_after_seconds)


class SignInThrottle:
    def __init__(self, counters: Counters, secret: bytes, policy: LoginThrottle) -> None:
        self.counters = counters
        self.secret = secret
        self.policy = policy

    def check(self, attempt: Attempt) -> None:
        """Raise `Throttled` or `AccountHeld` before the password is even looked at."""
        local = self.counters.peek(self._local_key(attempt), **self._local_limits)
        if local.blocked:
            raise Throttled(local.retry_after_seconds)
        if not attempt.known_device:
            account = self.counters.peek(self._account_key(attempt), **self._account_limits)
            if account.blocked:
                raise AccountHeld(account.retry_after_seconds)

    def failed(self, attempt: Attempt) -> Outcome:
        local = self.counters.hit(self._local_key(attempt), **self._local_limits)
        if attempt.known_device:
            return Outcome(local)
        return Outcome(local, self.counters.hit(self._account_key(attempt), **self._account_limits))

    def succeeded(self, attempt: Attempt) -> None:
        # The account-wide count stays: the owner getting in says nothing about the guessers.
        self.counters.reset(self._local_key(attempt))

    def account_state(self, email: str, epoch: int) -> Verdict:
        """How many unknown-device failures the account has in the current window (admin view)."""
        return self.counters.peek(
            self._account_key(Attempt(email, "", None, epoch)), **self._account_limits
        )

    def clear_account(self, email: str, epoch: int) -> None:
        self.counters.reset(self._account_key(Attempt(email, "", None, epoch)))

    @property
    def _local_limits(self) -> dict[str, int]:
        return {"limit": self.policy.max_failures, "window_seconds": self.policy.window_seconds}

    @property
    def _account_limits(self) -> dict[str, int]:
        return {
            "limit": self.policy.account_max_failures,
            "window_seconds": self.policy.window_seconds,
        }

    def _local_key(self, attempt: Attempt) -> str:
        who = f"{normalise_email(attempt.email)}\x00{attempt.epoch}"
        if attempt.device_hash is not None:
            return counter_key(self.secret, "login-device", f"{who}\x00{attempt.device_hash}")
        return counter_key(self.secret, "login-source", f"{who}\x00{self._bucket(attempt.address)}")

    def _account_key(self, attempt: Attempt) -> str:
        return counter_key(
            self.secret, "login-account", f"{normalise_email(attempt.email)}\x00{attempt.epoch}"
        )

    def _bucket(self, address: str) -> str:
        digest = hmac.new(self.secret, f"source\x00{address}".encode(), hashlib.sha256).digest()
        return f"{int.from_bytes(digest[:4], 'big') >> (32 - _SOURCE_BITS):04x}"


def normalise_email(email: str) -> str:
    return email.strip().lower()
