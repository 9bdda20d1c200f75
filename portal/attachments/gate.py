"""At most a few attachments are decoded at once in a process, like Argon2id derivations.

Threat answered: memory exhaustion. Decoding is where an upload costs memory far beyond its size
(a 190 KB PNG can declare 49 megapixels; a 10 MB PDF, hundreds of thousands of objects). The pixel
and object limits bound one decode; this gate bounds how many run at once, so a burst of uploads
(real or scripted) waits its turn instead of multiplying the peak. A file that finds no slot in
time is refused with its own message ("the server is busy"), and the report keeps what was typed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from portal.attachments.errors import DecoderBusy


class DecodeGate:
    """Slots for decoding attachments in this process; build one per process from config."""

    def __init__(self, slots: int, *, wait_seconds: float = 60.0) -> None:
        if slots < 1:
            raise ValueError("the decode gate needs at least one slot")
        self.slots = slots
        self._semaphore = threading.BoundedSemaphore(slots)
        self._wait_seconds = wait_seconds

    @contextmanager
    def slot(self) -> Iterator[None]:
        if not self._semaphore.acquire(timeout=self._wait_seconds):
            raise DecoderBusy()
        try:
            yield
        finally:
            self._semaphore.release()
