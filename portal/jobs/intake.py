"""The intake job: route, fingerprint and prioritise a new report (DESIGN §4).

Works on clear coarse fields and on keyed hashes computed at submission, never on plaintext:
the worker holds no desk key and Redis never sees content.
"""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from portal.domain.catalogue import Severity
from portal.domain.models import Organisation, Report
from portal.domain.triage import SEVERITY_LEVEL, initial_priority

_SEVERITY_BY_LEVEL = {level: severity for severity, level in SEVERITY_LEVEL.items()}


def duplicate_fingerprint(report: Report) -> str:
    """Equal for reports about the same kind of event, in the same place and month."""
    parts = (
        str(report.desk_id),
        report.primary_indicator,
        report.region or "",
        report.incident_month.isoformat(),
        report.unit_key or "",
        report.place_key or "",
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def intake_report(session: Session, report_id: int) -> None:
    report = session.get(Report, report_id)
    if report is None or report.intake_done:
        return  # already done: jobs may run twice
    # Routing happened at submission: the content is sealed to the desk key of the compact's
    # desk, so the report cannot move without that desk re-sealing it.
    verified_org = False
    if report.organisation_id is not None:
        organisation = session.get(Organisation, report.organisation_id)
        verified_org = bool(organisation and organisation.verified)
    severity = _SEVERITY_BY_LEVEL.get(report.severity, Severity.SERIOUS)
    report.priority = initial_priority(
        [ri.indicator_code for ri in report.indicators] or [report.primary_indicator],
        severity,
        verified_organisation=verified_org,
    )
    report.fingerprint = duplicate_fingerprint(report)
    report.intake_done = True
