"""What a web worker process does once it has loaded the app, before it serves anyone.

Everything loaded by then (modules, the app, templates, catalogs, SQLAlchemy's mappings: some
200,000 objects) lives as long as the worker. Python's cyclic garbage collector would walk them
again and again: a collection of the oldest generation took 60-140 ms in `bench/desk.py`, on
whichever request happened to trigger it, and the youngest was collected four or five times
during one desk report page. Frozen, they are never walked; with a larger first threshold, a
page's short-lived objects are mostly freed by reference counting before a collection comes.
Measured in docs/performance.md (the desk's report page).
"""

from __future__ import annotations

import gc
from typing import Final

# Collect the youngest generation after 50,000 net new container objects instead of 700 (a desk
# page makes a few thousand); the older two as often as Python does by default, relative to it.
THRESHOLDS: Final = (50_000, 20, 100)


def settle() -> None:
    """Collect once, freeze what survives and raise the thresholds (gunicorn's
    `post_worker_init` in gunicorn.conf.py; the benches do the same before they measure)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
