"""After a purge the SQLite file itself no longer holds the report's ciphertext or key wraps."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from portal.jobs.retention import purge_expired, reclaim_freed_pages
from portal.web.services import EXTENSION
from tests.retention.conftest import TODAY, S, file_report, move, report_of, store_of


def _on_disk(database: Path) -> bytes:
    parts = [database, database.with_name(database.name + "-wal")]
    return b"".join(p.read_bytes() for p in parts if p.exists())


def test_secure_delete_leaves_no_sealed_bytes_in_the_database_file(
    demo: Flask, session: Session, database_url: str
) -> None:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        pytest.skip("PostgreSQL keeps dead tuples until vacuum: see docs/retention.md")
    filed = file_report(demo, session, narrative="x" * 3000)
    move(session, filed, S.REJECTED)
    report = report_of(session, filed)
    assert report.payload_sealed is not None
    secrets = [report.payload_sealed[-64:], *(w.wrapped_key[-64:] for w in report.key_wraps)]
    secrets += [a.meta_sealed[-32:] for a in report.attachments]
    database = Path(url.database)
    assert all(s in _on_disk(database) for s in secrets), "the test looks in the wrong place"

    purge_expired(session, store_of(demo), TODAY + dt.timedelta(days=180))
    session.close()
    reclaim_freed_pages(demo.extensions[EXTENSION].database)

    left = _on_disk(database)
    assert [s for s in secrets if s in left] == []
