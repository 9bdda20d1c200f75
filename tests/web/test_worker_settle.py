"""Each gunicorn worker, once it has loaded the app, keeps the garbage collector off what it
loaded (portal/web/worker.py; measured in docs/performance.md)."""

from __future__ import annotations

import gc
import runpy
from collections.abc import Iterator
from pathlib import Path

import pytest

from portal.web.worker import THRESHOLDS

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


@pytest.fixture
def collector_restored() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_gunicorn_workers_freeze_what_they_loaded(collector_restored: None) -> None:
    hooks = runpy.run_path(str(CONF))
    assert gc.get_freeze_count() == 0
    hooks["post_worker_init"](None)
    assert gc.get_freeze_count() > 10_000  # the app's modules and what they hold
    assert gc.get_threshold() == THRESHOLDS
    # A page's garbage no longer triggers a collection every 700 objects.
    assert THRESHOLDS[0] >= 10_000
