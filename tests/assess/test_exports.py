"""Exports: HXL row, formula-injection defusing, aggregates equal to the stored scorecard."""

from __future__ import annotations

import csv
import io

from flask import Flask
from sqlalchemy import select

from portal.assess.exports import (
    SCORECARD_COLUMNS,
    Column,
    incident_aggregates,
    safe_cell,
    scorecard_csv,
    scorecard_document,
    write_csv,
)
from portal.assess.periods import Period
from portal.assess.scoring import compute_scorecard
from portal.domain.models import Compact
from portal.web.services import EXTENSION


def test_formula_cells_are_prefixed_numbers_are_not() -> None:
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("x")'):
        assert safe_cell(text) == "'" + text
    assert safe_cell("plain") == "plain"
    assert safe_cell(-0.5) == "-0.5"
    assert safe_cell(-3) == "-3"
    assert safe_cell(None) == ""
    assert safe_cell(True) == "true"


def test_hxl_row_is_written_as_is_and_data_is_defused() -> None:
    columns = (Column("a", "#indicator+code"), Column("b", "#value+estimate"))
    text = write_csv(columns, [("=cmd", -1.5)])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["a", "b"], ["#indicator+code", "#value+estimate"], ["'=cmd", "-1.5"]]


def test_scorecard_export_matches_the_stored_scorecard(app: Flask) -> None:
    assert app.test_cli_runner().invoke(args=["portal", "demo"]).exit_code == 0
    with app.extensions[EXTENSION].database.transaction() as session:
        compact = session.scalars(select(Compact).where(Compact.country == "IQ")).first()
        assert compact is not None
        compact.partner = "@evil"
        card = compute_scorecard(session, compact, Period(2026))
        document = scorecard_document(compact, card)
        assert document["recommended_tier"] == card.recommended_tier
        stored = {e.indicator_code: (e.state, e.estimate) for e in card.entries}
        assert {i["code"]: (i["state"], i["estimate"]) for i in document["indicators"]} == stored
        rows = list(csv.reader(io.StringIO(scorecard_csv(compact, card))))
        assert rows[0] == [c.header for c in SCORECARD_COLUMNS]
        assert rows[1] == [c.hxl for c in SCORECARD_COLUMNS]
        assert {r[2] for r in rows[2:]} == {"'@evil"}
        assert len(rows) == 2 + len(card.entries)
        for item in incident_aggregates(session, compact, Period(2026)):
            assert item["incidents"] > 0 and item["quarter"].startswith("2026-Q")
