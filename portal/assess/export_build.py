"""Building an export file chunk by chunk, telling a progress callback after each chunk.

The same code builds the small exports answered at once (one period) and the large ones an rq
job builds (the whole term): only the callback differs, so a file fetched either way is the same
file. Chunks are periods (a scorecard each) or years (the incident aggregates of a year), so even
a ten-year term reports progress a few dozen times, not once per row.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from portal.assess.exports import (
    count_entries,
    incident_aggregates,
    incident_output_rows,
    incident_years,
    incidents_document,
    incidents_table,
    latest_scorecard_ids,
    scorecards_csv,
    scorecards_document,
    timeseries_csv,
    timeseries_document,
)
from portal.assess.periods import Period
from portal.domain.models import Compact, ExportFormat, ExportKind, Scorecard

# Told (rows done, rows in all) after each chunk; rows are the file's data rows.
Progress = Callable[[int, int], None]

MEDIA_TYPES = {ExportFormat.CSV: "text/csv", ExportFormat.JSON: "application/json"}


@dataclass(frozen=True)
class ExportFile:
    filename: str
    media_type: str
    content: bytes
    rows: int


def export_filename(
    compact: Compact, kind: ExportKind, fmt: ExportFormat, scope: str | None
) -> str:
    return f"{compact.slug}-{scope or 'term'}-{kind}.{fmt}"


def _nothing(_done: int, _total: int) -> None:
    return None


def build_export(
    session: Session,
    compact: Compact,
    kind: ExportKind,
    fmt: ExportFormat,
    scope: Period | None,
    progress: Progress = _nothing,
) -> ExportFile:
    """The export of `kind` for `scope` (None: the whole term) in `fmt`."""
    if kind is ExportKind.INCIDENTS:
        document, rows = _incidents(session, compact, scope, progress)
        text = incidents_table(compact, document["aggregates"]) if fmt is ExportFormat.CSV else None
    else:
        cards, rows = _scorecards(session, compact, scope, progress)
        if kind is ExportKind.SCORECARDS:
            document = scorecards_document(compact, scope, cards)
            text = scorecards_csv(compact, document) if fmt is ExportFormat.CSV else None
        else:
            document = timeseries_document(compact, scope, cards)
            text = timeseries_csv(compact, document) if fmt is ExportFormat.CSV else None
    if text is None:
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"
    return ExportFile(
        filename=export_filename(compact, kind, fmt, str(scope) if scope else None),
        media_type=MEDIA_TYPES[fmt],
        content=text.encode("utf-8"),
        rows=rows,
    )


def _scorecards(
    session: Session, compact: Compact, scope: Period | None, progress: Progress
) -> tuple[list[Scorecard], int]:
    ids = latest_scorecard_ids(session, compact, scope)
    total = count_entries(session, ids)
    progress(0, total)
    cards: list[Scorecard] = []
    done = 0
    for card_id in ids:
        card = session.get(Scorecard, card_id)
        if card is None:  # deleted since it was counted (its compact was removed)
            continue
        cards.append(card)
        done += len(card.entries)
        progress(min(done, total), total)
    return cards, done


def _incidents(
    session: Session, compact: Compact, scope: Period | None, progress: Progress
) -> tuple[dict[str, Any], int]:
    total = incident_output_rows(session, compact, scope)
    progress(0, total)
    chunks = [scope] if scope is not None else [Period(y) for y in incident_years(session, compact)]
    aggregates: list[dict[str, Any]] = []
    for chunk in chunks:
        aggregates += incident_aggregates(session, compact, chunk)
        progress(min(len(aggregates), total), total)
    return incidents_document(compact, scope, aggregates), len(aggregates)
