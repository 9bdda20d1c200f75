"""Keyed match hashes, computed when a verifier opens a report (DESIGN §6, "Keyed match hashes").

The hashes of a report's unit, place and exact day let duplicate suggestions compare reports
without unsealing them. They are made under the desk's match key, which only a verifier's session
can open, from the payload the verifier just opened: nothing else on the server can make (or test
a guess against) them. A report nobody has opened yet has none, and is compared on its clear fields.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from portal.crypto import keyed_hash
from portal.desk.sealed import OpenedReport
from portal.domain.models import Report
from portal.domain.names import matching_form
from portal.jobs.intake import duplicate_fingerprint
from portal.keys.desks import UnlockedDeskKey
from portal.keys.match import match_key_for


def match_hashes(
    report: Report, payload: dict[str, Any], match_key: bytes
) -> dict[str, str | None]:
    """The keyed hashes of what the reporter wrote, as stored on the report (hex, or None)."""

    def keyed(kind: str, *parts: str) -> str | None:
        if not parts[-1].strip():
            return None
        return keyed_hash(match_key, kind, *parts).hex()

    # Names as two people write them alike (portal/domain/names.py), so their keys match.
    return {
        "unit_key": keyed("unit", report.country, matching_form(str(payload.get("unit") or ""))),
        "place_key": keyed(
            "place", report.region or "", matching_form(str(payload.get("place") or ""))
        ),
        "day_key": keyed("day", str(payload.get("exact_date") or "")),
    }


def refresh_match_hashes(
    session: Session, opened: OpenedReport, unlocked: dict[int, UnlockedDeskKey]
) -> bool:
    """Set the opened report's keyed hashes (and the fingerprint built on them); False when the
    verifier's keys hold no copy of the desk's match key (the hashes are left as they were)."""
    report = opened.report
    match_key = match_key_for(session, report.desk_id, unlocked)
    if match_key is None:
        return False
    for column, value in match_hashes(report, opened.payload, match_key).items():
        if getattr(report, column) != value:
            setattr(report, column, value)
    fingerprint = duplicate_fingerprint(report)
    if report.fingerprint != fingerprint:
        report.fingerprint = fingerprint
    return True
