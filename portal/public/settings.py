"""What the public pages are built with: the release schedule, the noise source and the clock.

Kept on the app (`app.extensions["public"]`) rather than in module globals, so a test builds an
app, replaces the settings with a seeded generator or another day, and nothing is patched.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import numpy as np
from flask import Flask

from portal.domain.models.base import today
from portal.public.schedule import ReleaseSchedule

EXTENSION: Final = "public"


def secure_rng() -> np.random.Generator:
    """A generator seeded from the operating system's CSPRNG, fresh for every release.

    A fixed or guessable seed would let anyone replay the noise and subtract it. numpy's PCG64
    is not a cryptographic generator, but with 128 secret bits of seed used once, an observer
    of one table's noisy counts has no way to recover the state.
    """
    return np.random.default_rng(secrets.randbits(128))


@dataclass(frozen=True)
class PublicSettings:
    schedule: ReleaseSchedule = field(default_factory=ReleaseSchedule)
    rng: Callable[[], np.random.Generator] = secure_rng
    today: Callable[[], dt.date] = today


def public_settings(app: Flask) -> PublicSettings:
    found = app.extensions.get(EXTENSION)
    return found if isinstance(found, PublicSettings) else PublicSettings()
