"""portal/jobs/ is the machinery (outbox, runner, drain, sweeper, schedule) and imports no part of
the portal that adds jobs to it: portal/assess/ imports `portal.jobs.outbox`, so an import back
would be a loop (issue 13, point 8). Job bodies are named by dotted path (`runner.JOBS`)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from portal.jobs.runner import JOBS, registry
from portal.paths import ROOT

SERVED = ("portal.assess", "portal.desk", "portal.reporter", "portal.public", "portal.api")


def test_portal_jobs_imports_none_of_the_parts_it_serves() -> None:
    for path in sorted((ROOT / "portal" / "jobs").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                assert not name.startswith(SERVED), f"{Path(path).name} imports {name}"


def test_every_named_job_resolves() -> None:
    assert set(registry()) == set(JOBS)
    schedule = importlib.import_module("portal.jobs.schedule")
    for path in (schedule.RETENTION_PURGE, schedule.EXPORT_PURGE):
        module, _, name = path.rpartition(".")
        assert callable(getattr(importlib.import_module(module), name))


def test_the_worker_class_imports_every_job_module_before_it_forks() -> None:
    import sys

    from portal.jobs.worker import PRELOAD, Worker, preload

    preload()
    assert all(module in sys.modules for module in PRELOAD)
    assert "portal.assess.export_worker" in PRELOAD and "portal.jobs.drain" in PRELOAD
    assert Worker.__mro__[1].__name__ == "Worker"
