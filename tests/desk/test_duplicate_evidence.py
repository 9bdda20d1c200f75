"""What moves a candidate up or down the duplicate suggestions, one piece of evidence at a time.

Transient rows, no database: `rank_duplicates` is the ranking behind `suggest_duplicates`.
Each test compares candidates that differ in one thing only, each ranked alone among the same
background of unrelated reports, so that no candidate vouches for another (the last test is
about vouching).
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from sqlalchemy.orm import Session

from portal.desk.duplicates import rank_duplicates, suggest_duplicates
from portal.domain.models import Report, ReportIndicator
from tests.desk.conftest import FileReport
from tests.desk.filing import month_ago

MONTH = dt.date(2026, 6, 1)
DAY = dt.date(2026, 6, 20)
_ids = itertools.count(1)


def row(**fields: Any) -> Report:
    codes = fields.pop("codes", ("IC-1",))
    values: dict[str, Any] = {
        "id": next(_ids),
        "desk_id": 1,
        "country": "IQ",
        "region": "IQ-BG",
        "incident_month": MONTH,
        "primary_indicator": codes[0],
        "force_branch": "police",
        "language": "en",
        "organisation_id": None,
        "created_day": DAY,
        "unit_key": None,
        "place_key": None,
        "day_key": None,
    }
    values.update(fields)
    return Report(**values, indicators=[ReportIndicator(indicator_code=c) for c in codes])


def background() -> list[Report]:
    """Unrelated reports of the desk: other regions and indicators, forces and days."""
    return [
        row(
            region=("IQ-NI", "IQ-BA")[n % 2],
            codes=(("HR-2",), ("HR-1",), ("CH-1",))[n % 3],
            force_branch=("army", "police", "militia")[n % 3],
            created_day=DAY - dt.timedelta(days=3 + (n * 7) % 60),
            place_key=f"{n % 4:064x}",
        )
        for n in range(40)
    ]


def scores(report: Report, candidates: list[Report]) -> dict[int, float]:
    return {c.id: score for score, c in rank_duplicates(report, candidates)}


def alone(report: Report, *candidates: Report) -> dict[int, float]:
    """Each candidate's evidence, ranked alone among the background."""
    rest = background()
    return {c.id: scores(report, [c, *rest])[c.id] for c in candidates}


def test_a_rare_shared_place_says_more_than_a_notorious_one() -> None:
    notorious = f"{1:064x}"  # carried by a quarter of the background
    rare = "f" * 64
    report = row(place_key=rare)
    report_at_notorious = row(place_key=notorious)
    with_rare = row(place_key=rare, created_day=DAY - dt.timedelta(days=8))
    with_notorious = row(place_key=notorious, created_day=DAY - dt.timedelta(days=8))
    rare_score = alone(report, with_rare)[with_rare.id]
    notorious_score = alone(report_at_notorious, with_notorious)[with_notorious.id]
    assert rare_score > notorious_score + 2  # bits: the rare match is over four times likelier


def test_reports_arriving_together_rank_first_unless_one_organisation_filed_them_as_a_batch() -> (
    None
):
    report = row(organisation_id=7)
    same_day = row(created_day=DAY)
    month_later = row(created_day=DAY + dt.timedelta(days=30))
    same_day_same_organisation = row(created_day=DAY, organisation_id=7)
    ranked = alone(report, same_day, month_later, same_day_same_organisation)
    assert ranked[same_day.id] > ranked[month_later.id] + 1
    # A batch from one organisation gives all its reports one day: that day is no evidence.
    assert ranked[month_later.id] < ranked[same_day_same_organisation.id] < ranked[same_day.id]


def test_another_force_weighs_against_but_not_knowing_the_force_is_neutral() -> None:
    report = row(force_branch="army")
    same = row(force_branch="army")
    other = row(force_branch="militia")
    not_known = row(force_branch="unknown")
    ranked = alone(report, same, other, not_known)
    assert ranked[same.id] > ranked[not_known.id] > ranked[other.id]


def test_a_name_in_another_language_does_not_count_against_a_pair() -> None:
    """ "سوق الرشيد" and "Rashid market" hash differently; two English names that differ do
    point to two places."""
    report = row(place_key="a" * 64)
    english_other_place = row(place_key="b" * 64)
    arabic_name = row(place_key="c" * 64, language="ar")
    no_place = row()
    ranked = alone(report, english_other_place, arabic_name, no_place)
    assert ranked[arabic_name.id] == pytest.approx(ranked[no_place.id])
    assert ranked[english_other_place.id] < ranked[no_place.id] - 1


def test_a_candidate_that_the_closest_candidate_vouches_for_gains() -> None:
    """Three accounts of one event: B shares the report's day, C shares only B's unit; C rises
    above an unrelated twin that shares nothing with B."""
    report = row(day_key="d" * 64)
    b = row(day_key="d" * 64, unit_key="e" * 64)
    c = row(unit_key="e" * 64, created_day=DAY - dt.timedelta(days=12))
    twin = row(unit_key="9" * 64, created_day=DAY - dt.timedelta(days=12))
    without_b = scores(report, [c, twin, *background()])
    assert without_b[c.id] == pytest.approx(without_b[twin.id])
    ranked = scores(report, [b, c, twin, *background()])
    assert ranked[b.id] == max(ranked.values())
    assert ranked[c.id] > ranked[twin.id] + 1


def test_names_written_alike_get_one_key_and_the_pair_is_the_first_suggestion(
    session: Session, file_report: FileReport
) -> None:
    """Word order, articles, ordinals, digit scripts and Arabic letter variants, through the
    reporter service; different places and units keep different keys."""
    month = month_ago(3)
    told: dict[str, Any] = {"choices": ("IC-1.checkpoint-money",), "month": month}
    written_alike = (
        ("Checkpoint 12, Airport Road", "airport road checkpoint ١٢", "54th Brigade", "Brigade 54"),
        ("Al-Rashid market", "Rashid market", "Federal Police 3rd Division",
         "3rd Federal Police Division"),
        ("سيطرة ١٢، طريق المطار", "سيطره 12 طريق الـمطار", "اللواء ٥٤", "اللواء 54"),
        ("مستشفى الشهداء", "مُسْتَشْفَى الشُّهَدَاء", "شرطة الطرق الخارجية", "شرطه الطرق الخارجيه"),
    )  # fmt: skip
    keys = []
    for n, (place, place_again, unit, unit_again) in enumerate(written_alike):
        region = ("IQ-BG", "IQ-NI", "IQ-BA", "IQ-AN")[n]
        first = file_report(region=region, place=place, unit=unit, **told).report
        again = file_report(region=region, place=place_again, unit=unit_again, **told).report
        assert (first.place_key, first.unit_key) == (again.place_key, again.unit_key)
        assert suggest_duplicates(session, again)[0].report.id == first.id
        keys.append((first.place_key, first.unit_key))
    other = file_report(region="IQ-BG", place="Checkpoint 21, Airport Road", unit="45th Brigade")
    assert other.report.place_key != keys[0][0]
    assert other.report.unit_key != keys[0][1]
    assert len({unit for _, unit in keys}) == len(keys)


def test_a_report_naming_the_same_place_is_a_candidate_even_beyond_the_window(
    session: Session, file_report: FileReport
) -> None:
    """On a busy desk the window holds a few days of arrivals; a shared keyed place reaches
    further, an account that shares nothing keyed does not."""
    told: dict[str, Any] = {
        "choices": ("HR-1.torture",),
        "month": month_ago(3),
        "region": "IQ-NI",
        "force": "army",
    }
    named = file_report(place="Al-Amil camp gate", **told).report
    unnamed = file_report(**told).report
    for _ in range(6):  # other reports arriving in between
        file_report(choices=("HR-2.held-no-reason",), month=month_ago(3), region="IQ-BG")
    report = file_report(place="Amil camp gate", **told).report
    assert report.place_key == named.place_key

    everything = {s.report.id for s in suggest_duplicates(session, report)}
    assert {named.id, unnamed.id} <= everything
    busy = {s.report.id for s in suggest_duplicates(session, report, window=4)}
    assert named.id in busy
    assert unnamed.id not in busy
