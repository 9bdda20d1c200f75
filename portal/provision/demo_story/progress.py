"""How far the demo's story is, for the landing page while `make run` seeds it in the background.

One small JSON file in the instance folder, replaced atomically: the seeding process writes it, the
web process reads it. It holds a step name and counts, nothing about any report.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

FILENAME = "demo-story.json"
# Rewritten at most this often (and at every new step), so the file costs nothing to keep.
EVERY_SECONDS = 1.0


@dataclass(frozen=True)
class StoryProgress:
    state: str  # "running", "done" or "failed"
    percent: int


def progress_path(instance_path: Path) -> Path:
    return instance_path / FILENAME


class ProgressFile:
    """The `Progress` callback of a story run that reports to the landing page."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.last = 0.0
        self.step = ""

    def __call__(self, step: str, done: int, total: int) -> None:
        now = time.monotonic()
        if step == self.step and now - self.last < EVERY_SECONDS:
            return
        self.step, self.last = step, now
        self.write("running", 100 * done // max(total, 1))

    def write(self, state: str, percent: int) -> None:
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"state": state, "percent": percent}), encoding="utf-8")
        os.replace(temporary, self.path)


def read_progress(instance_path: Path) -> StoryProgress | None:
    """The story's progress, or None when no background seeding was started here."""
    try:
        found = json.loads(progress_path(instance_path).read_text(encoding="utf-8"))
        state, percent = str(found["state"]), int(found["percent"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if state not in ("running", "done", "failed"):
        return None
    return StoryProgress(state, max(0, min(100, percent)))
