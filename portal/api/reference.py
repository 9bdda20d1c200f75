"""What a client needs to build a valid submission, in the reader's language.

The same lists the report form offers: the compacts that take reports, the regions of their
countries, what can have happened, who did it, the languages, and the limits. Nothing here is
secret or about a reporter; it changes only when an admin opens a compact or the catalogue moves.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from sqlalchemy.orm import Session

from portal.api.submission import FILENAME_MAX, YEARS_BACK
from portal.attachments import AttachmentLimits
from portal.domain.catalogue import CATALOGUE_VERSION, FORCE_BRANCHES, reporter_choices
from portal.i18n.locale import LANGUAGES
from portal.i18n.places import country_name, regions
from portal.reporter.forms import NARRATIVE_MAX, SHORT_MAX
from portal.reporter.service import open_compacts

# What the attachment cleaner accepts (portal/attachments/sniff.py); anything else is refused
# by content, whatever its name says.
ACCEPTED_MEDIA_TYPES: tuple[str, ...] = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "application/pdf",
)


def body_limits(limits: AttachmentLimits) -> tuple[int, int]:
    """The largest JSON and multipart bodies taken, in bytes.

    Room for the answers (a 20,000-character narrative in escaped JSON is under 300 KB) plus the
    files at their limit: as they are in multipart, and a third larger in base64.
    """
    room = 2 * 1024 * 1024
    base64_files = 4 * -(-limits.max_report_bytes // 3)
    return base64_files + room, limits.max_report_bytes + room


def reference(session: Session, language: str, limits: AttachmentLimits) -> dict[str, Any]:
    compacts = open_compacts(session)
    countries = sorted({compact.country for compact in compacts})
    json_max, multipart_max = body_limits(limits)
    return {
        "language": language,
        "catalogue_version": CATALOGUE_VERSION,
        "compacts": [
            {
                "id": compact.public_id,
                "country": compact.country,
                "country_name": country_name(compact.country, language),
                "title": compact.title,
                "partner": compact.partner,
            }
            for compact in compacts
            # A compact without a desk cannot take reports (`submit_report` refuses it).
            if compact.desks
        ],
        "regions": {
            country: [{"code": p.code, "name": p.name} for p in regions(country, language)]
            for country in countries
        },
        "happened": [
            {
                "key": choice.key,
                "text": str(gettext(choice.text)),
                "indicator": choice.indicator_code,
                "severity": str(choice.severity),
            }
            for choice in reporter_choices()
        ],
        "forces": [
            {"key": branch.key, "label": str(gettext(branch.label))} for branch in FORCE_BRANCHES
        ],
        "languages": [
            {"code": lang.code, "name": lang.native_name, "direction": lang.direction}
            for lang in LANGUAGES
        ],
        "limits": {
            "narrative_max_chars": NARRATIVE_MAX,
            "text_max_chars": SHORT_MAX,
            "filename_max_chars": FILENAME_MAX,
            "max_files": limits.max_files,
            "max_file_bytes": limits.max_file_bytes,
            "max_report_bytes": limits.max_report_bytes,
            "max_json_body_bytes": json_max,
            "max_multipart_body_bytes": multipart_max,
            "incident_years_back": YEARS_BACK,
            "accepted_media_types": list(ACCEPTED_MEDIA_TYPES),
        },
    }
