"""Export jobs on the `maintenance` queue: build a requested export, purge expired ones.

`build_export_file` runs from the outbox like every other job (inline without Redis, in an rq
worker with it). It commits its progress after each chunk so that the requester's page, reading
from another connection, shows rows done out of rows in all while the job runs. It takes the
export's id only: what to build is in the row, and the rows it reads are aggregates.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from portal.assess.export_build import build_export
from portal.assess.export_jobs import is_expired, purge_expired
from portal.assess.periods import BadPeriod, Period
from portal.domain.models import Compact, DataExport, ExportState
from portal.domain.models.base import utcnow
from portal.jobs.runner import _worker_database

log = logging.getLogger("portal.jobs")


def build_export_file(session: Session, export_id: int) -> None:
    """Build the export's file. Idempotent: a finished export is left as it is; a failed or
    interrupted one is built again from the start."""
    export = session.get(DataExport, export_id)
    if export is None or export.state is ExportState.DONE:
        return  # purged, or built by an earlier run
    if is_expired(export):
        return  # nobody may fetch it any more; the purge removes it
    compact = session.get(Compact, export.compact_id)
    if compact is None:
        return
    ttl = export.expires_at - export.requested_at
    try:
        scope = Period.parse(export.period) if export.period else None
    except BadPeriod:
        # Asked before periods were checked up front: it can never be built. Say so on the
        # export (the requester's page shows "failed"), not "being built" forever.
        export.state = ExportState.FAILED
        export.error = "period"
        export.finished_at = utcnow()
        return
    export.state = ExportState.RUNNING
    export.rows_done, export.rows_total, export.error = 0, None, None
    session.commit()

    def progress(done: int, total: int) -> None:
        export.rows_done, export.rows_total = done, total
        session.commit()

    try:
        built = build_export(session, compact, export.kind, export.format, scope, progress)
    except Exception as error:
        session.rollback()
        failed = session.get(DataExport, export_id)
        if failed is not None:
            failed.state = ExportState.FAILED
            failed.error = type(error).__name__
            session.commit()
        raise
    finished = utcnow()
    export.content = built.content
    export.filename = built.filename
    export.size_bytes = len(built.content)
    export.rows_done = export.rows_total = built.rows
    export.state = ExportState.DONE
    export.finished_at = finished
    export.expires_at = finished + ttl


def purge_expired_exports() -> None:
    """The rq entry point `portal.jobs.schedule` runs every quarter hour on `maintenance`."""
    with _worker_database().transaction() as session:
        purged = purge_expired(session)
    if purged:
        log.info("export purge: %d expired export(s) deleted", purged)
