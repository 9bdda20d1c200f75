"""rq entry points for the job tests: a worker imports them by name, like the portal's own."""

from __future__ import annotations


def refuse(secret: str) -> None:
    """Always fails. Its argument stands for anything a job is given: never shown as a failure."""
    raise ValueError("the archive refused the batch")
