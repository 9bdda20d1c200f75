"""Argon2id costs and the limiter every Argon2id call in the portal goes through."""

import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from portal.crypto.envelope import KEY_BYTES, Reader
from portal.crypto.errors import KdfBusy, UnsupportedFormat

# Ceilings on costs read back from stored headers. Someone who can write the database could
# otherwise set a 4 TiB memory cost on a wrap and take the server down at the next login.
MAX_MEMORY_KIB = 1024 * 1024
MAX_ITERATIONS = 16
MAX_LANES = 16


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost for keys derived from something a person types or writes down.

    Threat answered: someone holding a copy of the database or a backup guesses passwords and
    receipts offline. Every guess must cost ``memory_kib`` of RAM for ``iterations`` passes, so
    GPUs and ASICs gain little over our server. Defaults give the attacker the cost of RFC 9106's
    second recommended option (64 MiB, 3 passes) per guess.

    ``lanes`` stays 1: with cryptography 50 / OpenSSL 4, two concurrent derivations with more
    than one lane hang forever or fail with a spurious MemoryError (observed, not documented).
    Lanes only change our own latency, not the attacker's cost, so nothing is lost.

    The costs are written into each wrap's header, so raising the defaults later leaves old wraps
    readable; they are upgraded at the next successful unlock.
    """

    memory_kib: int = 64 * 1024
    iterations: int = 3
    lanes: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.lanes <= MAX_LANES:
            raise ValueError(f"Argon2id lanes must be between 1 and {MAX_LANES}")
        if not 8 * self.lanes <= self.memory_kib <= MAX_MEMORY_KIB:
            raise ValueError(f"Argon2id memory must be between 8*lanes and {MAX_MEMORY_KIB} KiB")
        if not 1 <= self.iterations <= MAX_ITERATIONS:
            raise ValueError(f"Argon2id iterations must be between 1 and {MAX_ITERATIONS}")

    def to_header(self) -> bytes:
        return struct.pack(">IBB", self.memory_kib, self.iterations, self.lanes)

    @classmethod
    def read(cls, reader: Reader) -> "KdfParams":
        memory_kib = reader.u32()
        iterations = reader.u8()
        lanes = reader.u8()
        try:
            return cls(memory_kib=memory_kib, iterations=iterations, lanes=lanes)
        except ValueError as exc:
            raise UnsupportedFormat(f"stored Argon2id costs refused: {exc}") from None


class Argon2Limiter:
    """Bounds how many Argon2id derivations run at once in this process.

    Threat answered: a burst of logins or receipt look-ups (real or scripted) would each allocate
    ``memory_kib``; unbounded, they exhaust the server's memory. The app builds exactly one
    limiter per process from config and passes it to every service that derives keys.

    A caller waits at most ``wait_seconds`` for a slot, then gets `KdfBusy` ("try again") rather
    than piling up threads behind the semaphore.
    """

    def __init__(self, max_concurrent: int, *, wait_seconds: float | None = 30.0) -> None:
        if max_concurrent < 1:
            raise ValueError("the Argon2id limiter needs at least one slot")
        self.max_concurrent = max_concurrent
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self._wait_seconds = wait_seconds
        # Multi-lane derivations deadlock when two run concurrently (see KdfParams); they take
        # this extra lock so stored wraps with lanes > 1 still open safely.
        self._multi_lane = threading.Lock()

    @classmethod
    def for_memory_budget(
        cls, budget_mib: int, params: KdfParams, *, wait_seconds: float | None = 30.0
    ) -> "Argon2Limiter":
        """Size the limiter so concurrent derivations at ``params`` fit in ``budget_mib``."""
        slots = max(1, (budget_mib * 1024) // params.memory_kib)
        return cls(slots, wait_seconds=wait_seconds)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the slots; raises `KdfBusy` if none frees up in time."""
        if not self._slots.acquire(timeout=self._wait_seconds):
            raise KdfBusy("too many key derivations are running; try again shortly")
        try:
            yield
        finally:
            self._slots.release()

    def derive(
        self, secret: bytes, salt: bytes, params: KdfParams, *, pepper: bytes | None = None
    ) -> bytes:
        """Return a 256-bit key from ``secret``; ``pepper`` is Argon2's keyed-hash secret input,
        kept outside the database so a stolen copy alone cannot be brute-forced."""
        with self.slot():
            if params.lanes > 1:
                with self._multi_lane:
                    return self._argon2(secret, salt, params, pepper)
            return self._argon2(secret, salt, params, pepper)

    @staticmethod
    def _argon2(secret: bytes, salt: bytes, params: KdfParams, pepper: bytes | None) -> bytes:
        return Argon2id(
            salt=salt,
            length=KEY_BYTES,
            iterations=params.iterations,
            lanes=params.lanes,
            memory_cost=params.memory_kib,
            secret=pepper,
        ).derive(secret)
