"""Exports: HXL row, formula-injection defusing, aggregates equal to the stored scorecards."""

from __future__ import annotations

import csv
import io

from flask import Flask
from sqlalchemy import select

from portal.assess.exports import (
    SCORECARD_COLUMNS,
    TIMESERIES_COLUMNS,
    Column,
    in_scope,
    incident_aggregates,
    incident_output_rows,
    incident_years,
    latest_scorecard_ids,
    period_order,
    safe_cell,
    scorecard_csv,
    scorecard_document,
    timeseries_csv,
    timeseries_document,
    write_csv,
)
from portal.assess.periods import Period
from portal.assess.scoring import compute_scorecard
from portal.domain.catalogue import INDICATOR_CODES
from portal.domain.models import Compact, Scorecard
from portal.web.services import EXTENSION
from tests.assess.exports_world import seed


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
    assert app.test_cli_runner().invoke(args=["portal", "demo", "--empty"]).exit_code == 0
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


def test_time_series_follows_each_indicator_through_the_stored_scorecards(app: Flask) -> None:
    assert app.test_cli_runner().invoke(args=["portal", "demo", "--empty"]).exit_code == 0
    with app.extensions[EXTENSION].database.transaction() as session:
        seeded = seed(session, scored=("2027-Q1", "2026", "2026-Q4", "2026-Q1"))
        compact = seeded.compact
        ids = latest_scorecard_ids(session, compact, None)
        cards = [session.get(Scorecard, i) for i in ids]
        assert [c.period for c in cards if c] == ["2026", "2026-Q1", "2026-Q4", "2027-Q1"]
        assert latest_scorecard_ids(session, compact, Period(2027)) == ids[-1:]
        assert latest_scorecard_ids(session, compact, Period(2026, 4)) == ids[2:3]

        document = timeseries_document(compact, None, [c for c in cards if c])
        assert [i["code"] for i in document["indicators"]] == list(INDICATOR_CODES)
        for item in document["indicators"]:
            points = item["points"]
            assert [p["period"] for p in points] == ["2026", "2026-Q1", "2026-Q4", "2027-Q1"]
            for card, point in zip(cards, points, strict=True):
                assert card is not None
                entry = next(e for e in card.entries if e.indicator_code == item["code"])
                assert (point["estimate"], point["lower"], point["upper"], point["state"]) == (
                    entry.estimate,
                    entry.lower,
                    entry.upper,
                    entry.state,
                )
                assert point["snapshot_id"] == card.snapshot_id
        rows = list(csv.reader(io.StringIO(timeseries_csv(compact, document))))
        assert rows[0] == [c.header for c in TIMESERIES_COLUMNS]
        assert rows[1] == [c.hxl for c in TIMESERIES_COLUMNS]
        assert len(rows) == 2 + 16 * 4
        assert [r[4] for r in rows[2:6]] == ["2026", "2026-Q1", "2026-Q4", "2027-Q1"]


def test_incident_rows_are_counted_before_they_are_summed(app: Flask) -> None:
    assert app.test_cli_runner().invoke(args=["portal", "demo", "--empty"]).exit_code == 0
    with app.extensions[EXTENSION].database.transaction() as session:
        seeded = seed(session, scored=())
        compact = seeded.compact
        assert incident_years(session, compact) == [2026, 2027, 2028]
        for scope in (None, Period(2027), Period(2028, 2)):
            aggregates = incident_aggregates(session, compact, scope)
            assert incident_output_rows(session, compact, scope) == len(aggregates)
        assert incident_output_rows(session, compact, None) == len(seeded.incidents)


def test_periods_order_and_scope() -> None:
    assert sorted(["2027", "2026-Q2", "2026", "2026-Q1"], key=period_order) == [
        "2026",
        "2026-Q1",
        "2026-Q2",
        "2027",
    ]
    assert in_scope("2026-Q3", Period(2026)) and in_scope("2026", Period(2026))
    assert not in_scope("2026", Period(2026, 3)) and not in_scope("2027-Q1", Period(2026))
    assert in_scope("anything", None) and not in_scope("garbage", Period(2026))
